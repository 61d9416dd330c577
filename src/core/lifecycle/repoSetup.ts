import fs from 'node:fs';
import path from 'node:path';
import { UserError, type WorkspaceRecord } from '../model';
import { processIdentity } from '../process/liveness';
import type { StoreTx } from '../store';
import { commandArgv, describeCommand, expandEnv, readRepoConfig, runsCommands, type LoadedRepoConfig, type RepoCommand } from '../repoConfig';
import type { LifecycleContext } from './context';
import { makeFoldersWithin, within } from './copyFiles';
import { errorMessage, type OperationOptions } from './types';

/**
 * §9: which repository files were approved, by the sha256 of their exact
 * content, kept in the extension's global storage (never in the repository).
 */
const APPROVALS_FILE = 'repository-approvals.json';

export interface RepoApproval {
  repoRoot: string;
  hash: string;
  approvedAt: number;
  /** The commands as the user saw them, so Review Repository Setup can show what was approved. */
  commands: string[];
}

type ApprovalRecord = Record<string, RepoApproval>;

function approvalsFile(storageDir: string): string {
  return path.join(storageDir, APPROVALS_FILE);
}

function readApprovals(storageDir: string): ApprovalRecord {
  try {
    const parsed = JSON.parse(fs.readFileSync(approvalsFile(storageDir), 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as ApprovalRecord) : {};
  } catch {
    return {};
  }
}

function writeApprovals(storageDir: string, record: ApprovalRecord): void {
  fs.mkdirSync(storageDir, { recursive: true });
  const file = approvalsFile(storageDir);
  // Replaced whole, so another window never reads half of it.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function listApprovals(storageDir: string): RepoApproval[] {
  return Object.values(readApprovals(storageDir));
}

export function revokeApproval(storageDir: string, repoRoot: string): boolean {
  const record = readApprovals(storageDir);
  if (!record[repoRoot]) return false;
  delete record[repoRoot];
  writeApprovals(storageDir, record);
  return true;
}

/** §9: approved means this repository's file, with exactly this content. */
export function isApproved(storageDir: string, repoRoot: string, hash: string): boolean {
  return readApprovals(storageDir)[repoRoot]?.hash === hash;
}

/** Every command of the file as a line, for the approval dialog and the record. */
export function commandLines(loaded: LoadedRepoConfig): string[] {
  const { config } = loaded;
  return [
    ...config.setup.map((c) => `setup: ${describeCommand(c)}`),
    ...config.teardown.map((c) => `teardown: ${describeCommand(c)}`),
    ...config.launch.filter((l) => l.onCreate).map((l) => `launch on create: ${l.target}`),
    ...Object.entries(config.env).map(([k, v]) => `env: ${k}=${v}`),
  ];
}

/** What a create knows of the repository file before anything is made. */
export interface RepoPlan {
  loaded?: LoadedRepoConfig;
  /** Whether its commands (and env) may take effect: trusted, and that exact content approved (§9). */
  approved: boolean;
}

/**
 * §9: reads the file (a bad file stops the create before anything is made)
 * and decides whether its commands run: never in an untrusted workspace,
 * else when that content was approved once, else when the user approves it now.
 */
export async function planRepoSetup(ctx: LifecycleContext, repoRoot: string, options: OperationOptions): Promise<RepoPlan> {
  const loaded = readRepoConfig(repoRoot);
  if (!loaded || !runsCommands(loaded.config)) return { loaded, approved: false };
  if (options.trusted !== true) {
    ctx.deps.logger.warn(`${loaded.file}: its commands were not run: the workspace is not trusted.`);
    return { loaded, approved: false };
  }
  if (isApproved(ctx.storageDir, repoRoot, loaded.hash)) return { loaded, approved: true };
  const answer = options.approve ? await options.approve({ repoRoot, file: loaded.file, hash: loaded.hash, commands: commandLines(loaded) }) : false;
  if (!answer) {
    ctx.deps.logger.warn(`${loaded.file}: its commands were not approved, so none of them runs.`);
    return { loaded, approved: false };
  }
  const record = readApprovals(ctx.storageDir);
  record[repoRoot] = { repoRoot, hash: loaded.hash, approvedAt: ctx.now, commands: commandLines(loaded) };
  writeApprovals(ctx.storageDir, record);
  ctx.deps.logger.info(`Approved the commands of ${loaded.file} (sha256 ${loaded.hash.slice(0, 12)}…).`);
  return { loaded, approved: true };
}

/** §9: the variables every session and every repository command of a workspace sees. */
export function workspaceEnv(w: WorkspaceRecord, loaded: LoadedRepoConfig | undefined, approved: boolean): Record<string, string> {
  const own: Record<string, string> = {
    WTS_WORKSPACE_ID: w.id,
    WTS_BRANCH: w.branch,
    WTS_WORKTREE: w.worktreePath,
    WTS_REPO: w.repoRoot,
  };
  if (w.ports) {
    own.WTS_PORT = String(w.ports.first);
    own.WTS_PORT_COUNT = String(w.ports.count);
  }
  // The file's env can change what programs load (NODE_OPTIONS, LD_PRELOAD): it counts as a command.
  const file = loaded && approved ? expandEnv(loaded.config.env, own) : {};
  return { ...file, ...own };
}

/** The env a session gets now: the file is read again, and applies only while its content is approved. */
export function sessionWorkspaceEnv(ctx: LifecycleContext, w: WorkspaceRecord): Record<string, string> {
  let loaded: LoadedRepoConfig | undefined;
  try {
    loaded = readRepoConfig(w.repoRoot);
  } catch (e) {
    ctx.deps.logger.warn(`Ignoring the env of the repository file: ${errorMessage(e)}`);
  }
  return workspaceEnv(w, loaded, loaded !== undefined && isApproved(ctx.storageDir, w.repoRoot, loaded.hash));
}

/** What a repository command may print into memory; its end explains a failure. */
const COMMAND_OUTPUT_BYTES = 1024 * 1024;

export interface CommandFailure {
  command: string;
  message: string;
  output: string;
}

/**
 * Runs one command of the file in the worktree with the setup deadline; cancel
 * and the deadline end its whole process group (the runner's 'user' calls).
 */
export async function runRepoCommand(
  ctx: LifecycleContext, w: WorkspaceRecord, cmd: RepoCommand, env: Record<string, string>,
  options: { signal?: AbortSignal; onOutput?: (chunk: string) => void; onSpawn?: (pid: number) => void },
): Promise<CommandFailure | undefined> {
  const argv = commandArgv(cmd, ctx.env.SHELL);
  const minutes = ctx.deps.settings().setupTimeoutMinutes;
  const r = await ctx.deps.exec.run(argv[0], argv.slice(1), {
    cwd: w.worktreePath, signal: options.signal, purpose: 'user', timeoutMs: Math.round(minutes * 60_000),
    maxOutputBytes: COMMAND_OUTPUT_BYTES, extraEnv: env, onOutput: options.onOutput, onSpawn: options.onSpawn,
  });
  if (r.kind === 'ok') return undefined;
  const command = describeCommand(cmd);
  const message = r.kind === 'timeout' ? `"${command}" did not finish within ${minutes} min (worktreeSessions.setupTimeoutMinutes) and was stopped with everything it started`
    : r.kind === 'exit' ? `"${command}" exited with code ${r.exitCode}`
    : r.kind === 'cancelled' ? `"${command}" was cancelled`
    : `"${command}" could not run: ${r.spawnError ?? r.kind}`;
  return { command, message, output: `${r.stdout}\n${r.stderr}`.trim() };
}

/** Records a running repository command as the row's setup process (issue 8), like the setup command. */
export function setupProcessRecorder(w: WorkspaceRecord, flush: (fn: (tx: StoreTx) => void) => Promise<void>): { onSpawn: (pid: number) => void; done: () => Promise<void> } {
  let recorded: Promise<void> = Promise.resolve();
  return {
    onSpawn: (pid) => {
      const id = processIdentity(pid);
      if (id) recorded = flush((tx) => tx.updateWorkspace(w.id, { setupProcess: `${id.pid}:${id.startTime ?? ''}` })).catch(() => undefined);
    },
    done: () => recorded,
  };
}

function segmentPattern(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** The paths of the main worktree a symlink glob names: `*` and `?` within one folder level, never `.git`. */
function matchGlob(root: string, glob: string): string[] {
  const segments = glob.split('/').filter((s) => s && s !== '.');
  let found = [''];
  for (const segment of segments) {
    const next: string[] = [];
    for (const rel of found) {
      if (!/[*?]/.test(segment)) {
        if (fs.existsSync(path.join(root, rel, segment)) || isLink(path.join(root, rel, segment))) next.push(path.join(rel, segment));
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(path.join(root, rel));
      } catch {
        continue;
      }
      const re = segmentPattern(segment);
      for (const n of names) if (re.test(n)) next.push(path.join(rel, n));
    }
    found = next;
  }
  return found.filter((f) => f && !f.split(path.sep).includes('.git'));
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * §9 `symlink`: a link in the new worktree to the main worktree's folder (a
 * shared node_modules). What resolves outside the repository is refused, and
 * so is a destination whose folders are links; what the branch already has is kept.
 */
export function linkSharedFolders(repoRoot: string, worktree: string, globs: readonly string[]): { linked: string[]; refused: string[] } {
  const linked: string[] = [];
  const refused: string[] = [];
  const realRepo = fs.realpathSync(repoRoot);
  const realWorktree = fs.realpathSync(worktree);
  for (const glob of globs) {
    if (path.isAbsolute(glob) || glob.split(/[\\/]/).includes('..')) {
      refused.push(`${glob}: leads outside the repository`);
      continue;
    }
    for (const rel of matchGlob(realRepo, glob)) {
      const source = path.join(realRepo, rel);
      let real: string;
      try {
        real = fs.realpathSync(source);
      } catch {
        refused.push(`${rel}: a broken link in the main worktree`);
        continue;
      }
      if (!within(realRepo, real)) {
        refused.push(`${rel}: resolves outside the repository`);
        continue;
      }
      const made = makeFoldersWithin(realWorktree, rel);
      if ('refused' in made) {
        refused.push(made.refused);
        continue;
      }
      const { folder, parts } = made;
      try {
        fs.symlinkSync(real, path.join(folder, parts[parts.length - 1]));
        linked.push(rel);
      } catch (e) {
        // The branch's own file or folder stays.
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`Could not link ${rel}: ${errorMessage(e)}`);
      }
    }
  }
  return { linked, refused };
}

/**
 * The links `symlink` made, kept next to the copies record in the worktree's
 * private git folder: git lists a link as an untracked file (a pattern such as
 * `node_modules/` matches folders only), and a delete must not take the
 * shared folder for work at risk, nor leave git refusing the removal.
 */
const LINKS_FILE = 'worktree-sessions-links.json';

export function recordLinks(gitDir: string, worktree: string, linked: readonly string[]): void {
  const file = path.join(gitDir, LINKS_FILE);
  let record: Record<string, string> = {};
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    // None yet.
  }
  for (const rel of linked) record[rel] = fs.readlinkSync(path.join(worktree, rel));
  fs.writeFileSync(file, JSON.stringify(record, null, 2));
}

/** The recorded links still there as made (a link the user replaced is theirs). */
export function ourLinks(worktree: string, gitDir: string | undefined): string[] {
  if (!gitDir) return [];
  let record: Record<string, string>;
  try {
    record = JSON.parse(fs.readFileSync(path.join(gitDir, LINKS_FILE), 'utf8')) as Record<string, string>;
  } catch {
    return [];
  }
  return Object.entries(record).filter(([rel, target]) => {
    if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) return false;
    try {
      return fs.readlinkSync(path.join(worktree, rel)) === target;
    } catch {
      return false;
    }
  }).map(([rel]) => rel);
}

/** Removes the links themselves, never what they point to, before git removes the worktree. */
export function removeOurLinks(worktree: string, gitDir: string | undefined): void {
  for (const rel of ourLinks(worktree, gitDir)) fs.unlinkSync(path.join(worktree, rel));
}
