import fs from 'node:fs';
import { linkedGitDir, type SavedChanges } from '../git';
import { worktreeFolderName } from '../gitParse';
import { UserError, type BranchPolicy, type WorkspaceRecord } from '../model';
import type { LifecycleContext } from './context';
import { checkWorktree, deleteRefusal, lookBeforeDelete, stillClean, submoduleBlockers, workAtRisk, type WorktreeCheck } from './preflight';
import type { SessionListing } from '../tmuxParse';
import { isApproved, removeOurLinks, runRepoCommand, workspaceEnv } from './repoSetup';
import { readRepoConfig } from '../repoConfig';
import { clearRemoving, finishRemoval, interruptedRemoval, recordRemoving } from './removal';
import { SessionsBeyondReachError, stopAllSessions } from './stop';
import { errorMessage, type BranchChoice, type DeleteOptions, type DeleteResult } from './types';

export { deletePreflight } from './preflight';

/**
 * D6, as a pure decision: what happens to the workspace's branch, given
 * whether we created it, the user's choice, and whether it is merged.
 */
export function branchFate(w: Pick<WorkspaceRecord, 'createdBranch'>, choice: BranchChoice, merge: 'merged' | 'unmerged' | 'missing'): 'delete' | 'keep' | 'gone' {
  if (merge === 'missing') return 'gone';
  if (!w.createdBranch) return 'keep';
  if (choice === 'delete') return 'delete';
  return choice === 'merged' && merge === 'merged' ? 'delete' : 'keep';
}

export function defaultBranchChoice(policy: BranchPolicy): BranchChoice {
  return policy === 'never' ? 'never' : 'merged';
}

/** D1–D6: refuse what cannot be kept or was not allowed, then stop, save, remove, apply the branch policy, forget. */
export async function deleteWorkspace(ctx: LifecycleContext, id: string, options: DeleteOptions = {}): Promise<DeleteResult> {
  const w = ctx.requireWorkspace(id);
  if (w.status === 'creating' && ctx.guards.operationAlive(w)) throw new UserError(`"${w.branch}" is still being set up; wait for it to finish or fail.`);
  if (w.status === 'deleting' && ctx.guards.operationAlive(w)) throw new UserError(`"${w.branch}" is already being deleted.`);
  return ctx.guards.inTurn(`workspace:${id}`, async () => {
    // D1: everything that refuses the delete is known before anything is stopped.
    const { preflight, listing, check } = await lookBeforeDelete(ctx, id);
    const refusal = deleteRefusal(w, preflight, options);
    if (refusal) throw new UserError(`${refusal} Nothing was stopped or removed.`);
    if (workAtRisk(preflight) && !options.force) {
      const { dirtyFiles, changedCopies, detachedCommits } = preflight;
      return { deleted: false, dirtyFiles, ...(changedCopies.length ? { changedCopies } : {}), ...(detachedCommits.length ? { detachedCommits } : {}) };
    }
    // D3: the stopping marker spans the whole delete.
    return ctx.guards.whileStopping(id, () => ctx.guards.whileBusy(id, 'deleting', () => deleteNow(ctx, w, options, { listing, check })));
  });
}

type Step = { name: string };

/** What `git worktree remove` (without --force) says when the worktree holds what a delete must look at first. */
const REFUSED_AS_CHANGED = /modified or untracked files|contains modified|containing submodules|locked working tree/i;

/** What the preflight saw, used again where nothing can have changed it unnoticed. */
interface Looked {
  /** For the first stop; a session started after it is found by the sweep after the removal. */
  listing?: SessionListing;
  /** The worktree: when it was clean and still looks so, it is removed without a second look (git refuses what changed). */
  check?: WorktreeCheck;
}

async function deleteNow(ctx: LifecycleContext, w: WorkspaceRecord, options: DeleteOptions, { listing, check }: Looked): Promise<DeleteResult> {
  const { git, store, logger } = ctx.deps;
  const progress = options.onProgress ?? (() => undefined);
  const step: Step = { name: 'recording the deletion' };
  try {
    // D2: intent first.
    await store.write((tx) => tx.updateWorkspace(w.id, { status: 'deleting', error: undefined, opPid: ctx.pid, opStartTime: ctx.pidStartTime }));
    ctx.live.emitIfChanged(true);
    // D3: launches already in flight finish, and are stopped below with the rest.
    await ctx.guards.launchesSettled(w.id);

    step.name = 'stopping its sessions';
    progress('Stopping sessions…');
    // The preflight's listing serves while it shows every recorded session: a launch since (here, once
    // recorded, L2; or in another window) has tmux asked again.
    const current = listing && store.sessions(w.id).every((s) => s.lost || listing.sessions.some((l) => l.name === s.name));
    await stopAllSessions(ctx, w, { forgetRows: true, listing: current ? listing : undefined });

    const result: DeleteResult = { deleted: true };
    const choice = options.branch ?? defaultBranchChoice(ctx.deps.settings().deleteBranch);
    let merging: Promise<'merged' | 'unmerged' | 'missing'>;
    if (fs.existsSync(w.worktreePath)) {
      step.name = 'running the teardown';
      await teardown(ctx, w, options, result);
      // The removal's process starts first: it takes longest, and each start holds the event loop a while (issue 14).
      const removing = removeKeepingWork(ctx, w, options, result, step, check);
      merging = mergeState(ctx, w, choice);
      await removing;
    } else {
      merging = mergeState(ctx, w, choice);
      step.name = 'pruning the missing worktree';
      await git.pruneWorktrees(w.repoRoot);
    }

    step.name = 'applying the branch policy';
    // D6: only a branch we made, and only when merged unless the user said otherwise.
    const fate = branchFate(w, choice, await merging);
    // D3: a launch from another window may have slipped in after the first sweep; it is
    // stopped while the branch goes, and its row goes with the workspace's.
    const [deletedBranch, sweep] = await Promise.allSettled([
      // git refuses to delete a branch checked out in another worktree; it is then kept, and named.
      fate === 'delete' ? git.deleteBranch(w.repoRoot, w.branch).then(() => true, () => false) : Promise.resolve(false),
      stopAllSessions(ctx, w, { forgetRows: false }),
    ]);
    if (deletedBranch.status === 'fulfilled' && deletedBranch.value) result.deletedBranch = w.branch;
    else if (fate === 'gone') result.goneBranch = w.branch;
    else result.keptBranch = w.branch;

    step.name = 'forgetting the workspace';
    if (sweep.status === 'rejected') throw sweep.reason;
    await store.write((tx) => tx.deleteWorkspace(w.id));
    ctx.live.forgetStats(w.id);
    logger.info(`Deleted workspace ${w.branch} (${w.id})${result.goneBranch ? `; its branch was already gone` : ''}.`);
    ctx.live.emitIfChanged(true);
    return result;
  } catch (e) {
    // D4: the row says what failed; a retry resumes.
    const msg = `${step.name}: ${errorMessage(e)}`;
    await store.write((tx) => {
      if (tx.workspace(w.id)) tx.updateWorkspace(w.id, { status: 'deletion_failed', error: msg, opPid: undefined });
    }).catch(() => undefined);
    logger.error(`Deleting ${w.branch} failed while ${msg}`);
    throw new UserError(`Deleting "${w.branch}" failed while ${msg} Retry the delete to finish it.`, e instanceof Error ? e.stack : undefined);
  }
}

/**
 * D6: whether the branch is merged, asked while the worktree goes: its
 * sessions are stopped and its teardown has run, and neither the removal nor
 * a save of its changes moves the branch. Awaited after the removal, unless
 * that fails first.
 */
function mergeState(ctx: LifecycleContext, w: WorkspaceRecord, choice: BranchChoice): Promise<'merged' | 'unmerged' | 'missing'> {
  const { git } = ctx.deps;
  const asked = w.createdBranch && choice !== 'never'
    ? git.mergeState(w.repoRoot, w.branch, w.baseRef)
    : git.localBranchExists(w.repoRoot, w.branch).then((exists) => (exists ? 'unmerged' as const : 'missing' as const));
  asked.catch(() => undefined);
  return asked;
}

/**
 * §9: the repository file's teardown, in the worktree, before it is removed;
 * only while that file's content is approved and the workspace trusted. A
 * failure is reported in the result and the log and does not stop the delete.
 */
async function teardown(ctx: LifecycleContext, w: WorkspaceRecord, options: DeleteOptions, result: DeleteResult): Promise<void> {
  let loaded;
  try {
    loaded = readRepoConfig(w.repoRoot);
  } catch (e) {
    result.teardownError = errorMessage(e);
    ctx.deps.logger.warn(`Teardown of ${w.branch} not run: ${result.teardownError}`);
    return;
  }
  const commands = loaded?.config.teardown ?? [];
  if (!loaded || !commands.length) return;
  if (options.trusted === false || !isApproved(ctx.storageDir, w.repoRoot, loaded.hash)) {
    ctx.deps.logger.warn(`Teardown of ${w.branch} not run: ${options.trusted === false ? 'the workspace is not trusted' : `the content of ${loaded.file} is not approved`}.`);
    return;
  }
  options.onProgress?.('Running the teardown…');
  const env = workspaceEnv(w, loaded, true);
  for (const cmd of commands) {
    const failure = await runRepoCommand(ctx, w, cmd, env, {});
    if (failure) {
      result.teardownError = failure.message;
      ctx.deps.logger.error(`Teardown of ${w.branch} failed: ${failure.message}${failure.output ? `\n${failure.output.slice(-8192)}` : ''}`);
      return;
    }
  }
  ctx.deps.logger.info(`Ran the teardown of ${w.branch}.`);
}

/**
 * D5 once the sessions are stopped: look again (an agent may have written
 * since the preflight), refuse what cannot be saved, save the rest, then
 * remove. A removal stopped halfway by an earlier delete is finished (item 15).
 */
async function removeKeepingWork(ctx: LifecycleContext, w: WorkspaceRecord, options: DeleteOptions, result: DeleteResult, step: Step, before?: WorktreeCheck): Promise<void> {
  const { git, logger } = ctx.deps;
  const progress = options.onProgress ?? (() => undefined);
  step.name = 'removing the worktree';
  if (!linkedGitDir(w.worktreePath)) {
    const gitDir = interruptedRemoval(w);
    if (!gitDir) throw new UserError(`${w.worktreePath} is no longer a worktree of ${w.repoRoot}, and nothing shows a removal of ours was under way; it was left untouched.`);
    progress('Finishing the interrupted removal…');
    finishRemoval(w.worktreePath, gitDir);
    logger.info(`Finished removing ${w.worktreePath}, which an interrupted delete of ${w.branch} had left half removed.`);
    return;
  }
  for (let attempt = 0; ; attempt++) {
    step.name = 'checking the worktree';
    // Issue 14: clean at the preflight, and nothing since that git would not refuse over (a refusal
    // brings the second look): the preflight's look serves.
    const check = attempt === 0 && stillClean(w, before) ? before : await checkWorktree(ctx, w);
    const refusal = deleteRefusal(w, { blockers: submoduleBlockers(check.work.submodules), locked: check.work.locked }, options);
    if (refusal) throw new UserError(refusal);
    const saving = workAtRisk({ ...check.work, changedCopies: check.changedCopies });
    if (saving) {
      step.name = 'saving uncommitted changes';
      progress('Saving uncommitted changes…');
      result.savedChanges = await save(ctx, w, check);
    }
    step.name = 'removing the worktree';
    progress('Removing the worktree…');
    const gitDir = linkedGitDir(w.worktreePath)!;
    if (check.work.locked && options.unlock) await git.unlockWorktree(w.repoRoot, w.worktreePath);
    recordRemoving(gitDir, w, ctx.now);
    // §9: git would count the shared-folder links as untracked files and refuse.
    removeOurLinks(w.worktreePath, gitDir);
    // git needs --force for what was just saved, for submodules (proven clean and pushed above),
    // and for a HEAD whose branch is gone (every file then looks staged). Never twice: that would override a lock.
    const force = saving || check.work.submodules.length > 0 || check.work.head.kind === 'missing-branch';
    try {
      await git.removeWorktree(w.repoRoot, w.worktreePath, force);
      return;
    } catch (e) {
      if (linkedGitDir(w.worktreePath)) clearRemoving(gitDir);
      // Changes written since the check above make git refuse: look, save and remove once more.
      if (attempt > 0 || force || !REFUSED_AS_CHANGED.test(errorMessage(e))) throw e;
    }
  }
}

/** D5: the work at risk, saved under refs/worktree-sessions/saved/ and as a patch. */
async function save(ctx: LifecycleContext, w: WorkspaceRecord, check: WorktreeCheck): Promise<SavedChanges> {
  const head = check.work.head;
  const name = `${worktreeFolderName(w.branch)}-${new Date(ctx.now).toISOString().replace(/[:.]/g, '-')}`;
  const saved = await ctx.deps.git.saveChanges(w.worktreePath, {
    name,
    patchDir: ctx.deps.savedChangesDir,
    base: head.kind === 'missing-branch' ? head.lastCommit : head.commit,
    extraFiles: check.changedCopies,
    commits: check.work.detachedCommits.length,
  });
  ctx.deps.logger.info(`Saved ${saved.files.length} changed file(s)${saved.commits ? ` and ${saved.commits} commit(s) no branch holds` : ''} of ${w.branch} to ${saved.ref} and ${saved.patchFile}.`);
  return saved;
}

/** R4: forgets a workspace whose worktree is gone (or cannot be finished): stops its sessions, deletes no file, keeps the branch. */
export async function forgetWorkspace(ctx: LifecycleContext, id: string): Promise<void> {
  const { git, store, logger } = ctx.deps;
  const w = ctx.requireWorkspace(id);
  // A half-made or half-deleted workspace may be forgotten too, and so may one whose folder is no longer its worktree.
  if (fs.existsSync(w.worktreePath) && w.status !== 'error' && w.status !== 'deletion_failed' && (await git.isWorktreeOf(w.repoRoot, w.worktreePath))) {
    throw new UserError(`The worktree of "${w.branch}" still exists at ${w.worktreePath}; delete the workspace instead.`);
  }
  // Item 15: forgetting would strand a half-removed folder that only this row's delete can finish.
  if (interruptedRemoval(w)) {
    throw new UserError(`Deleting "${w.branch}" stopped halfway through removing ${w.worktreePath}; retry the delete to finish it.`);
  }
  await ctx.guards.inTurn(`workspace:${id}`, async () => {
    try {
      await stopAllSessions(ctx, w, { forgetRows: false });
    } catch (e) {
      // Forgetting is the way out: its sessions carry our marker and are reaped as orphans (R3) once tmux works again.
      if (!(e instanceof SessionsBeyondReachError)) throw e;
      logger.warn(`Forgetting ${w.branch} without stopping its sessions: ${e.message}`);
    }
    await store.write((tx) => tx.deleteWorkspace(id));
    if (!fs.existsSync(w.worktreePath)) await git.pruneWorktrees(w.repoRoot).catch(() => undefined);
  });
  logger.info(`Forgot workspace ${w.branch} (${id}).`);
  await ctx.reconcile();
}
