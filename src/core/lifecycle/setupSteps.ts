import fs from 'node:fs';
import path from 'node:path';
import { markCreatedBranch } from '../finish/createdBranches';
import { processIdentity } from '../process/liveness';
import { describeOutcome } from '../process/runner';
import { WORKTREE_INCLUDE_FILE } from '../repoConfig';
import { UserError, type WorkspaceRecord } from '../model';
import type { LifecycleContext } from './context';
import { recordCopies } from './copies';
import { copyIgnoredFile } from './copyFiles';
import { launch } from './launch';
import { writeMarker } from './marker';
import { samePath } from './paths';
import { linkSharedFolders, recordLinks, runRepoCommand, setupProcessRecorder, workspaceEnv, type RepoPlan } from './repoSetup';
import type { SetupJournal } from './setupJournal';
import { errorMessage, type OperationOptions } from './types';

// C3: the steps of a create, in the order runSetup (create.ts) takes them, each recorded in the journal.

export interface SetupOptions extends OperationOptions {
  /** Set when the branch does not exist yet: where it starts. */
  newBranch?: { startPoint: string; track: boolean };
  /** A new workspace id: nothing of it can exist yet (no worktree listing, no tmux listing needed). */
  fresh?: boolean;
  /** §9: the repository file, and whether its commands may run. */
  plan?: RepoPlan;
  /** The new branch's mark in the repository's config, written while the next steps run; never rejects. */
  branchMarked?: Promise<void>;
}

/**
 * Step 1: the worktree, adopted when it is already there (C4), and our marker in its git folder.
 * Returns the new branch's mark (§10), still being written: awaited before any setup command
 * (which may write the repository's config too) and before the workspace is ready.
 */
export async function prepareWorktree(ctx: LifecycleContext, w: WorkspaceRecord, journal: SetupJournal, options: SetupOptions): Promise<{ branchMarked: Promise<void> }> {
  const { git } = ctx.deps;
  // A fresh create already listed the worktrees: nothing is at the path.
  const listed = options.fresh ? undefined : (await git.worktrees(w.repoRoot)).find((e) => samePath(e.path, w.worktreePath));
  if (listed && listed.branch === w.branch && fs.existsSync(w.worktreePath)) {
    journal.record('worktree', 'ok', 'adopted the existing worktree');
  } else {
    if (listed) await git.pruneWorktrees(w.repoRoot);
    if (fs.existsSync(w.worktreePath)) throw new UserError(`${w.worktreePath} exists and is not a worktree of ${w.repoRoot} on "${w.branch}".`);
    fs.mkdirSync(path.dirname(w.worktreePath), { recursive: true });
    await git.addWorktree(w.repoRoot, w.worktreePath,
      options.newBranch ? { newBranch: w.branch, startPoint: options.newBranch.startPoint, track: options.newBranch.track } : { existingBranch: w.branch },
      options.signal);
    journal.record('worktree', 'ok');
    // §10: the branch outlives the workspace when D6 keeps it; its config remembers that we made it.
    const branchMarked = options.newBranch
      ? markCreatedBranch(ctx.deps.exec, w.repoRoot, w.branch, w.baseRef).catch((e: unknown) => ctx.deps.logger.warn(errorMessage(e)))
      : Promise.resolve();
    try {
      await markAndRecord(ctx, w, journal);
    } catch (e) {
      await branchMarked;
      throw e;
    }
    return { branchMarked };
  }
  await markAndRecord(ctx, w, journal);
  return { branchMarked: Promise.resolve() };
}

async function markAndRecord(ctx: LifecycleContext, w: WorkspaceRecord, journal: SetupJournal): Promise<void> {
  writeMarker(await ctx.deps.git.gitDir(w.worktreePath), ctx.deps.tmux.ownerId, w);
  // The worktree is on disk now: record that before anything else can fail.
  await journal.flush();
}

/** Step 2: git-ignored files matching the copyFiles patterns, from the main worktree. */
export async function copyIgnoredFiles(ctx: LifecycleContext, w: WorkspaceRecord, journal: SetupJournal, progress: (m: string) => void, plan: RepoPlan): Promise<void> {
  const settings = ctx.deps.settings();
  // §9: the settings, VS Code's git.worktreeIncludeFiles, the file's `copy`, and .worktreeinclude all name files to copy.
  const patterns = [...new Set([...settings.copyFiles, ...settings.worktreeIncludeFiles, ...(plan.loaded?.config.copy ?? [])])];
  const includeFile = path.join(w.repoRoot, WORKTREE_INCLUDE_FILE);
  const hasInclude = fs.existsSync(includeFile) && !fs.lstatSync(includeFile).isSymbolicLink();
  const links = plan.loaded?.config.symlink ?? [];
  if (!patterns.length && !hasInclude && !links.length) {
    recordCopies(await ctx.deps.git.gitDir(w.worktreePath), w.worktreePath, []);
    journal.record('copy-files', 'skipped', 'no copyFiles patterns');
    return;
  }
  progress('Copying files…');
  const files = new Set(await ctx.deps.git.ignoredFilesMatching(w.repoRoot, patterns));
  if (hasInclude) for (const f of await ctx.deps.git.ignoredFilesIncluded(w.repoRoot, includeFile)) files.add(f);
  const copied: string[] = [];
  const refused: string[] = [];
  const shared = linkSharedFolders(w.repoRoot, w.worktreePath, links);
  refused.push(...shared.refused);
  // A linked folder is shared whole: copying into it would write into the main worktree.
  const underLink = (f: string) => shared.linked.some((l) => f === l || f.startsWith(`${l}/`));
  for (const f of files) {
    if (underLink(f)) continue;
    const outcome = copyIgnoredFile(w.repoRoot, w.worktreePath, f);
    if (outcome.copied) copied.push(f);
    else if (outcome.refused) refused.push(outcome.refused);
  }
  // D5: what was copied, so a delete can tell which copies the user changed since.
  const gitDir = await ctx.deps.git.gitDir(w.worktreePath);
  recordCopies(gitDir, w.worktreePath, copied);
  if (shared.linked.length) recordLinks(gitDir, w.worktreePath, shared.linked);
  if (refused.length) ctx.deps.logger.warn(`Not copied into ${w.branch}: ${refused.join('; ')}`);
  journal.record('copy-files', 'ok', `${copied.length} file(s) copied${shared.linked.length ? `; linked ${shared.linked.join(', ')}` : ''}${refused.length ? `; refused ${refused.join('; ')}` : ''}`);
}

/** Step 3: the user's setup command, in trusted workspaces only (SPEC §5). */
export async function runSetupCommand(ctx: LifecycleContext, w: WorkspaceRecord, journal: SetupJournal, options: SetupOptions): Promise<void> {
  const setup = ctx.deps.settings().setupCommand;
  if (!setup.length) {
    journal.record('setup-command', 'skipped', 'no setup command');
    return;
  }
  if (options.trusted === false) {
    journal.record('setup-command', 'skipped', 'the workspace is not trusted, so the setup command was not run');
    ctx.deps.logger.warn(`Setup command not run for ${w.branch}: the workspace is not trusted.`);
    return;
  }
  // The command may write the repository's config too: the branch's mark goes in first.
  await options.branchMarked;
  options.onProgress?.(`Running ${setup.join(' ')}…`);
  // A setup command can run for minutes: its start is recorded at once.
  journal.record('setup-command', 'started', setup.join(' '));
  await journal.flush();
  const minutes = ctx.deps.settings().setupTimeoutMinutes;
  let recorded: Promise<void> = Promise.resolve();
  const r = await ctx.deps.exec.run(setup[0], setup.slice(1), {
    cwd: w.worktreePath, signal: options.signal, purpose: 'user', timeoutMs: Math.round(minutes * 60_000), maxOutputBytes: SETUP_OUTPUT_BYTES,
    extraEnv: workspaceEnv(w, options.plan?.loaded, options.plan?.approved === true), onOutput: options.onOutput,
    // Issue 8: should this window die, the next start can tell the command still runs.
    onSpawn: (pid) => {
      const id = processIdentity(pid);
      if (id) recorded = journal.flush((tx) => tx.updateWorkspace(w.id, { setupProcess: `${id.pid}:${id.startTime ?? ''}` })).catch(() => undefined);
    },
  });
  await recorded;
  throwIfCancelled(options.signal);
  if (r.kind === 'ok') {
    journal.record('setup-command', 'ok');
    return;
  }
  // Issue 8: the row and the message keep a few short lines; the log gets the rest, capped.
  const output = `${r.stdout}\n${r.stderr}`.trim();
  if (output) ctx.deps.logger.error(`Output of the setup command for ${w.branch}${output.length > LOGGED_OUTPUT_CHARS ? ' (its end)' : ''}:\n${output.slice(-LOGGED_OUTPUT_CHARS)}`);
  const what = r.kind === 'timeout'
    ? `The setup command did not finish within ${minutes} min (worktreeSessions.setupTimeoutMinutes) and was stopped with everything it started`
    : r.kind === 'exit' ? `The setup command exited with code ${r.exitCode}` : `The setup command: ${describeOutcome(setup[0], r, w.worktreePath)}`;
  const tail = shortTail(output);
  // The whole output is in the log, which every failure message offers to open.
  throw new UserError(`${what}${tail ? `: ${tail}` : '.'}`);
}

/** §9: the repository file's setup commands, in order, once approved; the first failure fails the step. */
export async function runRepoSetupCommands(ctx: LifecycleContext, w: WorkspaceRecord, journal: SetupJournal, options: SetupOptions, plan: RepoPlan): Promise<void> {
  const commands = plan.loaded?.config.setup ?? [];
  if (!commands.length) return;
  if (!plan.approved) {
    journal.record('setup-command', 'skipped', `${plan.loaded!.file}: ${options.trusted === true ? 'not approved' : 'the workspace is not trusted'}, so its setup was not run`);
    return;
  }
  const env = workspaceEnv(w, plan.loaded, true);
  await options.branchMarked;
  for (const cmd of commands) {
    const recorder = setupProcessRecorder(w, (fn) => journal.flush(fn));
    const shown = typeof cmd === 'string' ? cmd : cmd.join(' ');
    options.onProgress?.(`Running ${shown}…`);
    journal.record('setup-command', 'started', shown);
    await journal.flush();
    const failure = await runRepoCommand(ctx, w, cmd, env, { signal: options.signal, onOutput: options.onOutput, onSpawn: recorder.onSpawn });
    await recorder.done();
    throwIfCancelled(options.signal);
    if (failure) {
      if (failure.output) ctx.deps.logger.error(`Output of "${failure.command}" for ${w.branch}:\n${failure.output.slice(-LOGGED_OUTPUT_CHARS)}`);
      const tail = shortTail(failure.output);
      throw new UserError(`The repository's setup command ${failure.message}${tail ? `: ${tail}` : '.'}`);
    }
  }
  journal.record('setup-command', 'ok', `${commands.length} command(s) of the repository file`);
}

/** §9: `launch` entries with onCreate start once the workspace is ready; one that fails is reported, the workspace stays ready. */
export async function launchOnCreate(ctx: LifecycleContext, w: WorkspaceRecord, plan: RepoPlan, journal: SetupJournal): Promise<void> {
  const targets = plan.loaded!.config.launch.filter((l) => l.onCreate);
  if (!targets.length) return;
  const failed: string[] = [];
  for (const t of targets) {
    try {
      await launch(ctx, w.id, t.target);
    } catch (e) {
      failed.push(`${t.target}: ${errorMessage(e)}`);
    }
  }
  if (failed.length) ctx.deps.logger.warn(`Launching on create in ${w.branch} failed for ${failed.join('; ')}`);
  journal.record('launch-on-create', failed.length ? 'failed' : 'ok', failed.length ? failed.join('; ') : targets.map((t) => t.target).join(', '));
  await journal.flush().catch(() => undefined);
}

/** What a setup command may print into memory; its end is what explains a failure. */
const SETUP_OUTPUT_BYTES = 1024 * 1024;
const LOGGED_OUTPUT_CHARS = 64 * 1024;

/**
 * The last few lines of output as a terminal shows them, short enough for a notification
 * and the row: no remnant of an escape sequence (`tput sgr0` ends with ESC ( B), no line
 * a progress bar overwrote, and no line left blank once those are gone.
 */
function shortTail(output: string): string {
  const lines = output
    // CSI (colours, cursor), OSC (titles, links) ended by BEL or ST, and the two-byte kind (charsets).
    // An OSC left open ends with its line, so it never swallows the lines after it.
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]/g, '')
    .split('\n')
    // A carriage return starts the line again: what follows the last one is what stays on screen.
    .map((l) => l.replace(/\r+$/, ''))
    .map((l) => l.slice(l.lastIndexOf('\r') + 1))
    // eslint-disable-next-line no-control-regex
    .map((l) => l.replace(/[\x00-\x1f\x7f-\x9f]/g, '').trimEnd())
    .filter((l) => l !== '');
  return lines.slice(-5).map((l) => (l.length > 160 ? `${l.slice(0, 159).trimEnd()}…` : l)).join('\n');
}

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new UserError('Setup was cancelled.');
}
