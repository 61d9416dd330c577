import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { worktreeFolderName } from '../gitParse';
import { UserError, type SetupStep, type WorkspaceRecord, type WorkspaceView } from '../model';
import type { LifecycleContext } from './context';
import { within } from './copyFiles';
import { samePath } from './paths';
import { reservePorts } from './ports';
import { planRepoSetup, sessionWorkspaceEnv } from './repoSetup';
import { SetupJournal } from './setupJournal';
import { copyIgnoredFiles, launchOnCreate, prepareWorktree, runRepoSetupCommands, runSetupCommand, throwIfCancelled, type SetupOptions } from './setupSteps';
import { errorMessage, type CreateRequest, type OperationOptions } from './types';


/**
 * Where a branch's worktree goes: the setting, else `<repo parent>/<repo name>.worktrees`.
 * Checked before any git work, so a bad setting gives one clear message and leaves nothing behind.
 */
export function worktreeRoot(ctx: LifecycleContext, repoRoot: string): string {
  const configured = ctx.deps.settings().worktreeRoot.trim();
  if (!configured) return path.join(path.dirname(repoRoot), `${path.basename(repoRoot)}.worktrees`);
  const setting = `worktreeSessions.worktreeRoot ("${configured}")`;
  if (/^~[^/]/.test(configured)) throw new UserError(`${setting}: "~user" paths are not supported; use an absolute path or one starting with "~/".`);
  const expanded = configured.replace(/^~(?=$|\/)/, ctx.env.HOME ?? '~');
  const root = path.isAbsolute(expanded) ? path.normalize(expanded) : path.resolve(repoRoot, expanded);
  if (within(repoRoot, root)) {
    throw new UserError(`${setting} is inside the repository ${repoRoot}; worktrees there would show up as its untracked files. Choose a folder outside it.`);
  }
  return root;
}

/** Creates the worktree root if needed and proves a folder can be made in it, before any git work. */
function ensureWritableRoot(root: string): void {
  try {
    fs.mkdirSync(root, { recursive: true });
    // A write probe, not access(): it also catches read-only mounts and root's bypassed permission bits.
    fs.rmdirSync(fs.mkdtempSync(path.join(root, '.wts-probe-')));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'it (or a folder above it) is a file'
      : code === 'EROFS' ? 'it is on a read-only file system'
      : code === 'EACCES' || code === 'EPERM' ? 'it is not writable'
      : errorMessage(e);
    throw new UserError(`Worktrees cannot be created in ${root}: ${why}. Change worktreeSessions.worktreeRoot; nothing was changed.`);
  }
}

/** C1–C4: a workspace for a new or existing branch, or the one that already exists (C2). */
export async function createWorkspace(ctx: LifecycleContext, req: CreateRequest, options: OperationOptions = {}): Promise<WorkspaceView> {
  const { git, store } = ctx.deps;
  if (typeof req?.repoRoot !== 'string' || !req.repoRoot) throw new UserError('Choose a repository: repoRoot is missing.');
  if (typeof req.branch !== 'string') throw new UserError('Choose a branch: branch is missing.');
  let branch = req.branch;
  let startPoint: string | undefined;
  let createdBranch: boolean;
  let track = false;

  // C1: git's own rules decide what a branch name may be. The questions are independent: ask them at once.
  // The name's rules, the branches and the worktrees are the same from any folder of the repository: they
  // are asked while its root is found. The worktrees are used once this branch's turn comes (C1, C4).
  const rooting = git.repositoryRoot(req.repoRoot);
  const listing = git.worktrees(req.repoRoot);
  const named = Promise.all([
    git.branchNameProblem(req.repoRoot, branch),
    git.branchRefs(req.repoRoot, branch),
  ]);
  // Awaited below, after the root: a folder that is no repository is reported as that.
  listing.catch(() => undefined);
  named.catch(() => undefined);
  const repoRoot = await rooting;
  const root = worktreeRoot(ctx, repoRoot);
  const givenBase = req.baseRef?.trim();
  // HEAD and the branch checked out are the root's own (a linked worktree has its own): asked of the root.
  const [[problem, { exists: local, clash }], current, givenBaseExists] = await Promise.all([
    named,
    givenBase ? Promise.resolve(undefined) : git.currentBranch(repoRoot),
    // A base the request names is checked with the rest; only a new branch needs it.
    givenBase && req.existingBranch !== true ? git.refExists(repoRoot, givenBase) : Promise.resolve(undefined),
  ]);
  if (problem) throw new UserError(problem);

  if (req.existingBranch === true || (req.existingBranch === undefined && local)) {
    if (local) {
      createdBranch = false;
    } else {
      const remotes = await git.remoteBranches(repoRoot);
      const remote = remotes.find((r) => r === branch) ?? remotes.find((r) => r.split('/').slice(1).join('/') === branch);
      if (!remote) throw new UserError(`There is no local or remote branch "${branch}" in ${repoRoot}.`);
      // A remote branch gets a local branch of the same name that tracks it.
      branch = remote.split('/').slice(1).join('/');
      if (await git.localBranchExists(repoRoot, branch)) {
        createdBranch = false;
      } else {
        const remoteClash = await git.branchNamespaceClash(repoRoot, branch);
        if (remoteClash) throw new UserError(remoteClash);
        startPoint = remote;
        track = true;
        createdBranch = true;
      }
    }
  } else {
    if (local) throw new UserError(`A branch "${branch}" already exists in ${repoRoot}; choose it as an existing branch or pick another name.`);
    if (clash) throw new UserError(clash);
    const base = givenBase || current || 'HEAD';
    if (!(givenBaseExists ?? (await git.refExists(repoRoot, base)))) throw new UserError(`The base "${base}" is not a branch, tag or commit of ${repoRoot}.`);
    startPoint = base;
    createdBranch = true;
  }
  const baseRef = startPoint ?? (req.baseRef?.trim() || current || 'HEAD');

  return ctx.guards.inTurn(`create:${repoRoot}\0${branch}`, async () => {
    // C2: one workspace per branch; asking again reopens it.
    store.refresh();
    const existing = store.workspaces().find((w) => w.repoRoot === repoRoot && w.branch === branch);
    if (existing) return reopen(ctx, existing, options);

    const worktreePath = path.join(root, worktreeFolderName(branch));
    // Listed before this turn began: a create of the same branch that held the turn left a row (C2, above) or nothing.
    const worktrees = await listing;
    const here = worktrees.find((w) => samePath(w.path, worktreePath));
    // C1: a branch checked out in another worktree cannot get a second one.
    const elsewhere = worktrees.find((w) => w.branch === branch && !samePath(w.path, worktreePath));
    if (elsewhere) throw new UserError(`The branch "${branch}" is already checked out in ${elsewhere.path}. Switch that worktree to another branch first, or open it directly.`);
    // C4: an existing folder is adopted only when git lists it as this repository's worktree on this branch.
    if (fs.existsSync(worktreePath) && !(here && here.branch === branch)) {
      throw new UserError(`${worktreePath} already exists and is not a worktree of ${repoRoot} on "${branch}". Move it away or set worktreeSessions.worktreeRoot; nothing was changed.`);
    }
    // §9: a bad repository file, or a cancelled approval, stops the create before anything is made.
    const plan = await planRepoSetup(ctx, repoRoot, options);
    if (!here) ensureWritableRoot(root);
    const id = randomBytes(8).toString('hex');
    const now = ctx.now;
    const record: WorkspaceRecord = {
      id, repoRoot, worktreePath, branch, baseRef,
      createdBranch: here ? false : createdBranch,
      baseSession: `wts-${id}`,
      status: 'creating',
      opPid: ctx.pid,
      opStartTime: ctx.pidStartTime,
      createdAt: now,
      updatedAt: now,
    };
    // C3: the row exists before any git or tmux work.
    const raced = await store.write((tx) => {
      const other = tx.workspaceByBranch(repoRoot, branch);
      if (other) return other;
      tx.insertWorkspace(record);
      return undefined;
    });
    if (raced) return reopen(ctx, raced, options);
    return runSetup(ctx, id, { ...options, plan, newBranch: !here && createdBranch ? { startPoint: startPoint!, track } : undefined, fresh: !here });
  });
}

/** C2: the workspace that already exists, finished or repaired where needed. */
async function reopen(ctx: LifecycleContext, w: WorkspaceRecord, options: OperationOptions): Promise<WorkspaceView> {
  if (w.status === 'creating') throw new UserError(`The workspace for "${w.branch}" is being created in another window.`);
  if (w.status === 'deleting' || w.status === 'deletion_failed') {
    throw new UserError(`The workspace for "${w.branch}" is being deleted${w.status === 'deletion_failed' ? ' (the last attempt failed)' : ''}; finish the delete first.`);
  }
  // Already in this branch's turn: taking it again would wait for itself.
  if (w.status === 'error' || !fs.existsSync(w.worktreePath)) return retryInTurn(ctx, w, options);
  if ((await ctx.deps.tmux.probe()).ok) await ensureBaseSession(ctx, w.id);
  return ctx.live.workspace(w.id)!;
}

/** C3: a failed or interrupted setup resumes; every step reuses what is already there. */
export async function retrySetup(ctx: LifecycleContext, id: string, options: OperationOptions = {}): Promise<WorkspaceView> {
  const w = ctx.requireWorkspace(id);
  if (w.status === 'deleting' || w.status === 'deletion_failed') throw new UserError(`"${w.branch}" is being deleted; retry the delete instead.`);
  if (w.status === 'creating' && ctx.guards.operationAlive(w)) throw new UserError(`"${w.branch}" is still being set up.`);
  return ctx.guards.inTurn(`create:${w.repoRoot}\0${w.branch}`, () => retryInTurn(ctx, w, options));
}

async function retryInTurn(ctx: LifecycleContext, w: WorkspaceRecord, options: OperationOptions): Promise<WorkspaceView> {
  const setupPid = ctx.guards.setupStillRunning(w);
  // Two setup commands in one worktree would fight; the first one's window is gone, not the command.
  if (setupPid !== undefined) throw new UserError(`The setup command of "${w.branch}" (process ${setupPid}) is still running from a window that closed. Wait for it to finish, or end it, then retry.`);
  const plan = await planRepoSetup(ctx, w.repoRoot, options);
  await ctx.deps.store.write((tx) => tx.updateWorkspace(w.id, { status: 'creating', error: undefined, opPid: ctx.pid, opStartTime: ctx.pidStartTime }));
  const branchExists = await ctx.deps.git.localBranchExists(w.repoRoot, w.branch);
  return runSetup(ctx, w.id, { ...options, plan, newBranch: branchExists ? undefined : { startPoint: w.baseRef, track: false } });
}

/** C3: the setup steps in order, each recorded; any failure leaves the row `error` with the step named. */
async function runSetup(ctx: LifecycleContext, id: string, options: SetupOptions): Promise<WorkspaceView> {
  let w = ctx.deps.store.workspace(id)!;
  const journal = new SetupJournal(ctx, id);
  const plan = options.plan ?? { approved: false };
  const progress = options.onProgress ?? (() => undefined);
  let step: SetupStep = 'worktree';
  return ctx.guards.whileBusy(id, 'creating', async () => {
    try {
      progress(`Creating the worktree for ${w.branch}…`);
      // The later steps wait for the branch's mark where they must (setupSteps.ts).
      options = { ...options, ...(await prepareWorktree(ctx, w, journal, options)) };
      throwIfCancelled(options.signal);

      step = 'ports';
      const wanted = plan.loaded?.config.ports ?? 0;
      if (wanted > 0) {
        progress(`Reserving ${wanted} port(s)…`);
        w = await reservePorts(ctx, w, wanted);
        journal.record(step, 'ok', `${w.ports!.first}–${w.ports!.first + wanted - 1}`);
      }

      step = 'copy-files';
      await copyIgnoredFiles(ctx, w, journal, progress, plan);
      throwIfCancelled(options.signal);

      step = 'setup-command';
      await runSetupCommand(ctx, w, journal, options);
      await runRepoSetupCommands(ctx, w, journal, options, plan);

      step = 'base-terminal';
      const probe = await ctx.deps.tmux.probe();
      if (probe.ok) {
        progress('Starting the base terminal…');
        await startBaseSession(ctx, w, options.fresh === true);
        journal.record(step, 'ok');
      } else {
        journal.record(step, 'skipped', probe.message);
      }
      await options.branchMarked;
      await journal.flush((tx) => tx.updateWorkspace(id, { status: 'ready', error: undefined, opPid: undefined, setupProcess: undefined }));
      ctx.deps.logger.info(`Workspace ${w.branch} (${id}) is ready at ${w.worktreePath}.`);
      ctx.live.emitIfChanged(true);
      if (plan.approved && probe.ok) await launchOnCreate(ctx, w, plan, journal);
      return ctx.live.workspace(id)!;
    } catch (e) {
      // Nothing of the create is still running when it returns.
      await options.branchMarked;
      const msg = options.signal?.aborted ? 'Setup was cancelled.' : errorMessage(e);
      // C3: a new workspace whose worktree could not be made leaves nothing behind.
      if (step === 'worktree' && options.fresh && !fs.existsSync(w.worktreePath) && (await undoFreshCreate(ctx, w, options))) {
        ctx.deps.logger.error(`Creating the worktree for ${w.branch} failed: ${msg}`);
        ctx.live.emitIfChanged(true);
        throw new UserError(`Could not create the worktree for "${w.branch}": ${msg} Nothing was changed.`, e instanceof Error ? e.stack : undefined);
      }
      journal.record(step, 'failed', msg);
      await journal.flush((tx) => tx.updateWorkspace(id, { status: 'error', error: `${step}: ${msg}`, opPid: undefined, setupProcess: undefined })).catch(() => undefined);
      ctx.deps.logger.error(`Setting up ${w.branch} failed at ${step}: ${msg}`);
      throw new UserError(`Setting up "${w.branch}" failed at the ${step} step: ${msg} Retry setup or delete the workspace.`, e instanceof Error ? e.stack : undefined);
    }
  });
}

/**
 * Removes the row of a create that failed before its worktree existed, and the
 * branch `worktree add -b` may have made for it — only while that branch still
 * points at the start point, so it holds nothing but what it was made from.
 */
async function undoFreshCreate(ctx: LifecycleContext, w: WorkspaceRecord, options: SetupOptions): Promise<boolean> {
  const { git, store } = ctx.deps;
  try {
    if (options.newBranch && (await git.localBranchExists(w.repoRoot, w.branch))) {
      const [made, start] = await Promise.all([git.commitOf(w.repoRoot, `refs/heads/${w.branch}`), git.commitOf(w.repoRoot, options.newBranch.startPoint)]);
      if (made && made === start) await git.deleteBranch(w.repoRoot, w.branch);
    }
    await store.write((tx) => tx.deleteWorkspace(w.id));
    return true;
  } catch (e) {
    ctx.deps.logger.warn(`Could not undo the failed create of ${w.branch}: ${errorMessage(e)}`);
    return false;
  }
}

/** Starts the base terminal unless it runs; `fresh` (a new workspace id) means it cannot be running yet. */
async function startBaseSession(ctx: LifecycleContext, w: WorkspaceRecord, fresh = false): Promise<void> {
  const { tmux } = ctx.deps;
  if (!fresh) {
    const holder = (await ctx.live.listNow()).sessions.find((s) => s.name === w.baseSession);
    if (holder?.owner === tmux.ownerId) return;
    // Attaching the user to a session we did not start would be worse than no terminal.
    if (holder) throw new UserError(`A tmux session that Worktree Sessions did not start holds the name ${w.baseSession} on socket ${tmux.socket}; close or rename it, then open the terminal again.`);
  }
  const stamp = ctx.nextStamp();
  const started = await tmux.newSession({ name: w.baseSession, cwd: w.worktreePath, stamp, worktree: w.worktreePath, env: sessionWorkspaceEnv(ctx, w) });
  if (started.panePid !== undefined && !started.exitedImmediately) {
    ctx.live.addStarted({ name: w.baseSession, owner: tmux.ownerId, createdStamp: stamp, createdAt: ctx.now, activityAt: ctx.now, panePid: started.panePid, paneDead: false, bell: false, worktree: w.worktreePath });
  } else {
    await ctx.live.listNow();
  }
}

/** The base terminal, recreated when its session is gone (after a reboot, or killed). */
export async function ensureBaseSession(ctx: LifecycleContext, id: string): Promise<string> {
  const w = ctx.requireWorkspace(id);
  if (w.status !== 'ready' && w.status !== 'error') throw new UserError(`"${w.branch}" is ${w.status}; its terminal cannot be opened now.`);
  if (!fs.existsSync(w.worktreePath)) throw new UserError(`The worktree ${w.worktreePath} is missing. Recreate it or forget the workspace.`);
  await ctx.requireTmux();
  await startBaseSession(ctx, w);
  await ctx.reconcile();
  return w.baseSession;
}
