import fs from 'node:fs';
import { worktreeFolderName } from '../gitParse';
import { UserError, type BranchPolicy, type WorkspaceRecord } from '../model';
import type { LifecycleContext } from './context';
import { stopAllSessions } from './stop';
import { errorMessage, type BranchChoice, type DeleteOptions, type DeleteResult } from './types';

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

/** D1: what a delete would refuse over; changes nothing. */
export async function deletePreflight(ctx: LifecycleContext, id: string): Promise<{ dirtyFiles: string[] }> {
  const w = ctx.requireWorkspace(id);
  if (!fs.existsSync(w.worktreePath)) return { dirtyFiles: [] };
  // A folder git no longer lists as this repository's worktree is not ours to delete (nor to ask git about).
  if (!(await ctx.deps.git.isWorktreeOf(w.repoRoot, w.worktreePath))) {
    throw new UserError(`${w.worktreePath} is no longer a worktree of ${w.repoRoot}; it was left untouched. Use "Forget Workspace" to remove "${w.branch}" from the list.`);
  }
  return { dirtyFiles: await ctx.deps.git.dirtyFiles(w.worktreePath) };
}

/** D1–D6: refuse a dirty worktree unless forced, then stop, save, remove, apply the branch policy, forget. */
export async function deleteWorkspace(ctx: LifecycleContext, id: string, options: DeleteOptions = {}): Promise<DeleteResult> {
  const w = ctx.requireWorkspace(id);
  if (w.status === 'creating' && ctx.guards.operationAlive(w)) throw new UserError(`"${w.branch}" is still being set up; wait for it to finish or fail.`);
  if (w.status === 'deleting' && ctx.guards.operationAlive(w)) throw new UserError(`"${w.branch}" is already being deleted.`);
  return ctx.guards.inTurn(`workspace:${id}`, async () => {
    // D1: refuse a dirty worktree before anything is stopped.
    const { dirtyFiles } = await deletePreflight(ctx, id);
    if (dirtyFiles.length && !options.force) return { deleted: false, dirtyFiles };
    // D3: the stopping marker spans the whole delete.
    return ctx.guards.whileStopping(id, () => ctx.guards.whileBusy(id, 'deleting', () => deleteNow(ctx, w, options, dirtyFiles.length > 0)));
  });
}

async function deleteNow(ctx: LifecycleContext, w: WorkspaceRecord, options: DeleteOptions, dirtyAtPreflight: boolean): Promise<DeleteResult> {
  const { git, store, logger } = ctx.deps;
  const progress = options.onProgress ?? (() => undefined);
  let step = 'recording the deletion';
  try {
    // D2: intent first.
    await store.write((tx) => tx.updateWorkspace(w.id, { status: 'deleting', error: undefined, opPid: ctx.pid }));
    ctx.live.emitIfChanged(true);
    // D3: launches already in flight finish, and are stopped below with the rest.
    await ctx.guards.launchesSettled(w.id);

    step = 'stopping its sessions';
    progress('Stopping sessions…');
    await stopAllSessions(ctx, w, { forgetRows: true });

    const result: DeleteResult = { deleted: true };
    if (fs.existsSync(w.worktreePath)) {
      // The preflight proved the folder is this repository's worktree (D1).
      const save = async () => {
        // D5: never destroy work silently.
        step = 'saving uncommitted changes';
        progress('Saving uncommitted changes…');
        const name = `${worktreeFolderName(w.branch)}-${new Date(ctx.now).toISOString().replace(/[:.]/g, '-')}`;
        result.savedChanges = await git.saveChanges(w.worktreePath, name, ctx.deps.savedChangesDir);
        logger.info(`Saved ${result.savedChanges.files.length} changed file(s) of ${w.branch} to ${result.savedChanges.ref} and ${result.savedChanges.patchFile}.`);
      };
      if (dirtyAtPreflight) await save();
      step = 'removing the worktree';
      progress('Removing the worktree…');
      try {
        await git.removeWorktree(w.repoRoot, w.worktreePath, dirtyAtPreflight);
      } catch (e) {
        // git refuses to remove a worktree that changed since the preflight: save those changes too, then remove.
        if (dirtyAtPreflight || !/modified or untracked files|contains modified/i.test(errorMessage(e))) throw e;
        await save();
        step = 'removing the worktree';
        await git.removeWorktree(w.repoRoot, w.worktreePath, true);
      }
    } else {
      step = 'pruning the missing worktree';
      await git.pruneWorktrees(w.repoRoot);
    }

    step = 'applying the branch policy';
    const choice = options.branch ?? defaultBranchChoice(ctx.deps.settings().deleteBranch);
    // D6: only a branch we made, and only when merged unless the user said otherwise.
    const merge = w.createdBranch && choice !== 'never'
      ? await git.mergeState(w.repoRoot, w.branch, w.baseRef)
      : (await git.localBranchExists(w.repoRoot, w.branch)) ? 'unmerged' : 'missing';
    const fate = branchFate(w, choice, merge);
    // git refuses to delete a branch checked out in another worktree; it is then kept, and named.
    if (fate === 'delete' && (await git.deleteBranch(w.repoRoot, w.branch).then(() => true, () => false))) result.deletedBranch = w.branch;
    else if (fate !== 'gone') result.keptBranch = w.branch;

    step = 'forgetting the workspace';
    // D3: a launch from another window may have slipped in after the first sweep;
    // its row goes with the workspace's.
    await stopAllSessions(ctx, w, { forgetRows: false });
    await store.write((tx) => tx.deleteWorkspace(w.id));
    ctx.live.forgetStats(w.id);
    logger.info(`Deleted workspace ${w.branch} (${w.id}).`);
    ctx.live.emitIfChanged(true);
    return result;
  } catch (e) {
    // D4: the row says what failed; a retry resumes.
    const msg = `${step}: ${errorMessage(e)}`;
    await store.write((tx) => {
      if (tx.workspace(w.id)) tx.updateWorkspace(w.id, { status: 'deletion_failed', error: msg, opPid: undefined });
    }).catch(() => undefined);
    logger.error(`Deleting ${w.branch} failed while ${msg}`);
    throw new UserError(`Deleting "${w.branch}" failed while ${msg} Retry the delete to finish it.`, e instanceof Error ? e.stack : undefined);
  }
}

/** R4: forgets a workspace whose worktree is gone (or cannot be finished): stops its sessions, deletes no file, keeps the branch. */
export async function forgetWorkspace(ctx: LifecycleContext, id: string): Promise<void> {
  const { git, store, logger } = ctx.deps;
  const w = ctx.requireWorkspace(id);
  // A half-made or half-deleted workspace may be forgotten too, and so may one whose folder is no longer its worktree.
  if (fs.existsSync(w.worktreePath) && w.status !== 'error' && w.status !== 'deletion_failed' && (await git.isWorktreeOf(w.repoRoot, w.worktreePath))) {
    throw new UserError(`The worktree of "${w.branch}" still exists at ${w.worktreePath}; delete the workspace instead.`);
  }
  await ctx.guards.inTurn(`workspace:${id}`, async () => {
    await stopAllSessions(ctx, w, { forgetRows: false });
    await store.write((tx) => tx.deleteWorkspace(id));
    if (!fs.existsSync(w.worktreePath)) await git.pruneWorktrees(w.repoRoot).catch(() => undefined);
  });
  logger.info(`Forgot workspace ${w.branch} (${id}).`);
  await ctx.reconcile();
}
