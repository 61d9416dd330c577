import fs from 'node:fs';
import path from 'node:path';
import { linkedGitDir, type SubmoduleState, type WorktreeWork } from '../git';
import { UserError, type WorkspaceRecord } from '../model';
import type { LifecycleContext } from './context';
import { changedCopies, differingFromMain } from './copies';
import { interruptedRemoval } from './removal';
import { ourLinks } from './repoSetup';
import { sessionsBeyondReach } from './stop';
import type { SessionListing } from '../tmuxParse';
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

/**
 * D5, issue 14: whether the worktree can still be as clean as `before` found it, asked
 * without git: HEAD's file names the same branch and no copied file changed.
 * What git would count (changes, untracked files, submodules, a lock) makes
 * `git worktree remove` refuse, and the full check follows.
 */
export function stillClean(w: WorkspaceRecord, before: WorktreeCheck | undefined): before is WorktreeCheck {
  if (!before || before.work.head.kind !== 'branch' || before.work.locked || before.work.submodules.length) return false;
  if (workAtRisk({ ...before.work, changedCopies: before.changedCopies })) return false;
  const gitDir = linkedGitDir(w.worktreePath);
  if (!gitDir || changedCopies(w.worktreePath)?.length !== 0) return false;
  try {
    return fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim() === `ref: refs/heads/${before.work.head.branch}`;
  } catch {
    return false;
  }
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

/** D1: the worktree as a delete finds it: gone, half removed by an earlier delete of ours, or ours to check. */
async function lookAtWorktree(ctx: LifecycleContext, w: WorkspaceRecord): Promise<WorktreeCheck | 'missing' | 'interrupted'> {
  if (!fs.existsSync(w.worktreePath)) return 'missing';
  if (!linkedGitDir(w.worktreePath)) {
    // Item 15: only a removal of ours, stopped halfway, may be finished; any other such folder is not ours to touch (SPEC §7).
    if ((w.status === 'deleting' || w.status === 'deletion_failed') && interruptedRemoval(w)) return 'interrupted';
    throw notOurs(w);
  }
  // A folder git no longer lists as this repository's worktree is not ours to delete (nor to ask git about).
  if (!(await ctx.deps.git.isWorktreeOf(w.repoRoot, w.worktreePath))) throw notOurs(w);
  return checkWorktree(ctx, w);
}

/** Resolves once the event loop has run what is due, the process starts asked for so far included. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** D1: what a delete would lose, refuse over, or needs the user's choice for; changes nothing. */
export async function deletePreflight(ctx: LifecycleContext, id: string): Promise<DeletePreflight> {
  return (await lookBeforeDelete(ctx, id)).preflight;
}

/**
 * deletePreflight, with the tmux listing it took (the delete's first stop needs
 * no other) and the worktree as it found it (a clean one is removed without a second look).
 */
export async function lookBeforeDelete(ctx: LifecycleContext, id: string): Promise<{ preflight: DeletePreflight; listing?: SessionListing; check?: WorktreeCheck }> {
  const w = ctx.requireWorkspace(id);
  // Item 12: sessions that cannot be stopped would keep running in a removed folder. Both looks change nothing: they run
  // together, git's first (issue 14: each process start holds the event loop for a while, and git status takes longest).
  const [look, tmux] = await Promise.all([lookAtWorktree(ctx, w), nextTurn().then(() => sessionsBeyondReach(ctx, w))]);
  const none: DeletePreflight = { dirtyFiles: [], changedCopies: [], detachedCommits: [], submodules: [], blockers: tmux.reason ? [tmux.reason] : [] };
  const preflight = (): DeletePreflight => {
    if (look === 'missing') return none;
    if (look === 'interrupted') return { ...none, interruptedRemoval: true };
    const { work, changedCopies: copies } = look;
    return {
      dirtyFiles: work.dirtyFiles,
      changedCopies: copies,
      detachedCommits: work.detachedCommits,
      submodules: work.submodules,
      ...(work.locked ? { locked: work.locked } : {}),
      ...(work.head.kind === 'missing-branch' ? { branchGone: true } : {}),
      blockers: [...none.blockers, ...submoduleBlockers(work.submodules)],
    };
  };
  return { preflight: preflight(), listing: tmux.listing, ...(typeof look === 'object' ? { check: look } : {}) };
}
