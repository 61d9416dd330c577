import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { UserError, type WorkspaceRecord, type WorkspaceView } from '../model';
import type { LifecycleContext } from '../lifecycle/context';
import { ensureBaseSession } from '../lifecycle/create';
import { writeMarker } from '../lifecycle/marker';
import { samePath } from '../lifecycle/paths';
import { errorMessage } from '../lifecycle/types';
import { createdBranches } from './createdBranches';

/**
 * SPEC §10: a worktree of the repository that the extension does not manage
 * becomes a workspace, where it is: a row, our marker in its git folder, and
 * a base terminal. Nothing in the worktree changes; its branch stays the
 * user's (D6 never deletes it) unless the extension created it.
 */
export async function adoptWorktree(ctx: LifecycleContext, repoRoot: string, worktreePath: string): Promise<WorkspaceView> {
  const { git, store, tmux, logger } = ctx.deps;
  if (typeof worktreePath !== 'string' || !worktreePath) throw new UserError('Choose a worktree: path is missing.');
  const repo = await git.repositoryRoot(repoRoot);
  const entry = (await git.worktrees(repo)).slice(1).find((e) => samePath(e.path, worktreePath));
  if (!entry || !fs.existsSync(entry.path)) throw new UserError(`${worktreePath} is not a worktree of ${repo}.`);
  if (!entry.branch) throw new UserError(`${entry.path} has a detached HEAD; check out a branch in it first, then adopt it.`);
  const branch = entry.branch;
  const marks = await createdBranches(ctx.deps.exec, repo);
  const baseRef = marks.get(branch) ?? (await git.currentBranch(repo)) ?? 'HEAD';

  const id = await ctx.guards.inTurn(`create:${repo}\0${branch}`, async () => {
    store.refresh();
    const existing = store.workspaces().find((w) => w.repoRoot === repo && (w.branch === branch || samePath(w.worktreePath, entry.path)));
    if (existing) throw new UserError(`"${existing.branch}" already has a workspace (${existing.worktreePath}).`);
    const newId = randomBytes(8).toString('hex');
    const now = ctx.now;
    const record: WorkspaceRecord = {
      id: newId, repoRoot: repo, worktreePath: entry.path, branch, baseRef,
      createdBranch: marks.has(branch), baseSession: `wts-${newId}`, status: 'ready', createdAt: now, updatedAt: now,
    };
    const raced = await store.write((tx) => {
      if (tx.workspaceByBranch(repo, branch)) return true;
      tx.insertWorkspace(record);
      return false;
    });
    if (raced) throw new UserError(`"${branch}" got a workspace in another window meanwhile.`);
    writeMarker(await git.gitDir(entry.path), tmux.ownerId, record);
    return newId;
  });
  logger.info(`Adopted the worktree ${entry.path} (${branch}) as workspace ${id}.`);
  if ((await tmux.probe()).ok) {
    await ensureBaseSession(ctx, id).catch((e: unknown) => logger.warn(`Adopted ${branch}, but its terminal could not start: ${errorMessage(e)}`));
  }
  ctx.live.emitIfChanged(true);
  return ctx.live.workspace(id)!;
}
