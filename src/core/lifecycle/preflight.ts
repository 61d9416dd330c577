import fs from 'node:fs';
import { linkedGitDir, type SubmoduleState, type WorktreeWork } from '../git';
import { UserError, type WorkspaceRecord } from '../model';
import type { LifecycleContext } from './context';
import { changedCopies, differingFromMain } from './copies';
import { interruptedRemoval } from './removal';
import { ourLinks } from './repoSetup';
import { sessionsBeyondReach } from './stop';
import type { DeleteOptions, DeletePreflight } from './types';

/** A worktree that exists and is ours, as a delete sees it. */
export interface WorktreeCheck {
  work: WorktreeWork;
  changedCopies: string[];
}

/** D1/D5: looks at the worktree; changes nothing. */
export async function checkWorktree(ctx: LifecycleContext, w: WorkspaceRecord): Promise<WorktreeCheck> {
  const { git, settings } = ctx.deps;
  const inspected = await git.inspect(w.worktreePath);
  // §9: the links `symlink` made are the workspace's setup, not the user's work.
  const links = new Set(ourLinks(w.worktreePath, linkedGitDir(w.worktreePath)));
  const work = links.size ? { ...inspected, dirtyFiles: inspected.dirtyFiles.filter((f) => !links.has(f.replace(/\/$/, ''))) } : inspected;
  let copies = changedCopies(w.worktreePath);
  if (copies === undefined) {
    // Made before copies were recorded: the copyFiles patterns, against the main worktree's files.
    const patterns = settings().copyFiles;
    copies = patterns.length ? differingFromMain(w.repoRoot, w.worktreePath, await git.ignoredFilesMatching(w.worktreePath, patterns)) : [];
  }
  const dirty = new Set(work.dirtyFiles);
  return { work, changedCopies: copies.filter((f) => !dirty.has(f)) };
}

/** D5: work that only a save keeps, which the user's force allows. */
export function workAtRisk(p: Pick<DeletePreflight, 'dirtyFiles' | 'changedCopies' | 'detachedCommits'>): boolean {
  return p.dirtyFiles.length > 0 || p.changedCopies.length > 0 || p.detachedCommits.length > 0;
}

/** D5: what cannot be saved, each a sentence naming what to do. */
export function submoduleBlockers(submodules: readonly SubmoduleState[]): string[] {
  const stuck = submodules.filter((s) => s.problem);
  if (!stuck.length) return [];
  return [
    `${stuck.map((s) => `"${s.path}" ${s.problem}`).join('; ')}. A submodule's or nested repository's own git data goes with the worktree, so this cannot be saved: commit and push it (or discard it) first.`,
  ];
}

/** D1/D5: why a delete must not start (or go on), whatever force says; undefined when it may. */
export function deleteRefusal(w: WorkspaceRecord, p: Pick<DeletePreflight, 'blockers' | 'locked'>, options: DeleteOptions): string | undefined {
  const reasons = [...p.blockers];
  // D5: a lock is the user's statement that the worktree must stay; only they may lift it.
  if (p.locked && !options.unlock) {
    reasons.push(`Its worktree is locked (git worktree lock${p.locked.reason ? `: "${p.locked.reason}"` : ''}): unlock it with "git worktree unlock", or choose to unlock it when deleting.`);
  }
  return reasons.length ? `"${w.branch}" cannot be deleted now. ${reasons.join(' ')}` : undefined;
}

function notOurs(w: WorkspaceRecord): UserError {
  return new UserError(`${w.worktreePath} is no longer a worktree of ${w.repoRoot}; it was left untouched. Use "Forget Workspace" to remove "${w.branch}" from the list.`);
}

/** D1: what a delete would lose, refuse over, or needs the user's choice for; changes nothing. */
export async function deletePreflight(ctx: LifecycleContext, id: string): Promise<DeletePreflight> {
  const w = ctx.requireWorkspace(id);
  // Item 12: sessions that cannot be stopped would keep running in a removed folder.
  const beyondReach = await sessionsBeyondReach(ctx, w);
  const none: DeletePreflight = { dirtyFiles: [], changedCopies: [], detachedCommits: [], submodules: [], blockers: beyondReach ? [beyondReach] : [] };
  if (!fs.existsSync(w.worktreePath)) return none;
  if (!linkedGitDir(w.worktreePath)) {
    // Item 15: only a removal of ours, stopped halfway, may be finished; any other such folder is not ours to touch (SPEC §7).
    if ((w.status === 'deleting' || w.status === 'deletion_failed') && interruptedRemoval(w)) return { ...none, interruptedRemoval: true };
    throw notOurs(w);
  }
  // A folder git no longer lists as this repository's worktree is not ours to delete (nor to ask git about).
  if (!(await ctx.deps.git.isWorktreeOf(w.repoRoot, w.worktreePath))) throw notOurs(w);
  const { work, changedCopies: copies } = await checkWorktree(ctx, w);
  return {
    dirtyFiles: work.dirtyFiles,
    changedCopies: copies,
    detachedCommits: work.detachedCommits,
    submodules: work.submodules,
    ...(work.locked ? { locked: work.locked } : {}),
    ...(work.head.kind === 'missing-branch' ? { branchGone: true } : {}),
    blockers: [...none.blockers, ...submoduleBlockers(work.submodules)],
  };
}
