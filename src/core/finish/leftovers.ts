import fs from 'node:fs';
import path from 'node:path';
import { worktreeFolderName, type WorktreeEntry } from '../gitParse';
import type { SavedChanges } from '../git';
import { UserError, type WorkspaceRecord } from '../model';
import type { LifecycleContext } from '../lifecycle/context';
import { deleteWorkspace } from '../lifecycle/delete';
import { samePath } from '../lifecycle/paths';
import { errorMessage } from '../lifecycle/types';
import { createdBranches } from './createdBranches';
import { diskUsages } from './diskUsage';
import { gitOk, gitRun } from './gitCalls';
import { SCRATCH_PREFIX } from './merge';
import { dropSavedChange, listSavedChanges } from './savedChanges';

export type LeftoverKind = 'merged-workspace' | 'unmanaged-worktree' | 'missing-worktree' | 'created-branch' | 'saved-changes';

/** Something that may be left over from finished work (SPEC §10). */
export interface Leftover {
  kind: LeftoverKind;
  repoRoot: string;
  path?: string;
  branch?: string;
  ref?: string;
  bytes?: number;
  /** Why it is listed, and what removing it would do. */
  reason: string;
  /** True only when removing it loses nothing. */
  safe: boolean;
  /** The managed workspace, for the kinds that have one. */
  workspaceId?: string;
}

export interface FindLeftoversOptions {
  /** Measure disk usage (a `du` process per folder); default true. */
  measure?: boolean;
  signal?: AbortSignal;
}

/** Finds the leftovers of each repository; one that cannot be read is skipped (and logged). */
export async function findLeftovers(ctx: LifecycleContext, repos: readonly string[], options: FindLeftoversOptions = {}): Promise<Leftover[]> {
  ctx.deps.store.refresh();
  const found: Leftover[] = [];
  for (const repo of new Set(repos)) {
    if (options.signal?.aborted) break;
    try {
      found.push(...(await leftoversOf(ctx, repo)));
    } catch (e) {
      ctx.deps.logger.warn(`Could not look for leftovers in ${repo}: ${errorMessage(e)}`);
    }
  }
  return options.measure === false ? found : measureLeftovers(ctx, found, options.signal);
}

/** The leftovers with the disk usage of their folders, measured until `signal` fires. */
export async function measureLeftovers(ctx: LifecycleContext, leftovers: readonly Leftover[], signal?: AbortSignal): Promise<Leftover[]> {
  const folders = leftovers.filter((l) => l.path && l.kind !== 'missing-worktree').map((l) => l.path!);
  const sizes = await diskUsages(ctx.deps.exec, folders, signal);
  return leftovers.map((l) => (l.path && sizes.has(l.path) ? { ...l, bytes: sizes.get(l.path) } : l));
}

async function leftoversOf(ctx: LifecycleContext, repo: string): Promise<Leftover[]> {
  const { git } = ctx.deps;
  const worktrees = await git.worktrees(repo);
  const rows = ctx.deps.store.workspaces().filter((w) => w.repoRoot === repo);
  const [merged, unmanaged, branches, saved] = await Promise.all([
    mergedWorkspaces(ctx, repo, rows),
    unmanagedWorktrees(ctx, repo, worktrees.slice(1), rows),
    createdBranchesUnused(ctx, repo, worktrees, rows),
    savedChanges(ctx, repo),
  ]);
  return [...merged, ...missingWorktrees(repo, rows), ...unmanaged, ...branches, ...saved];
}

/**
 * Workspaces whose branch is merged into its base and has moved since it was
 * made. (A fresh branch is "merged" too, having nothing of its own: it is work
 * about to start, not a leftover.)
 */
async function mergedWorkspaces(ctx: LifecycleContext, repo: string, rows: readonly WorkspaceRecord[]): Promise<Leftover[]> {
  const { exec, git } = ctx.deps;
  const ready = rows.filter((w) => w.status === 'ready' && fs.existsSync(w.worktreePath));
  const out: Leftover[] = [];
  // One listing per base, whatever the number of workspaces.
  for (const base of new Set(ready.map((w) => w.baseRef))) {
    if (base.startsWith('-')) continue;
    const r = await gitRun(exec, repo, ['for-each-ref', `--merged=${base}`, '--format=%(refname:short)%00%(committerdate:unix)', 'refs/heads/']);
    if (r.exitCode !== 0) continue;
    const tips = new Map(r.stdout.split('\n').filter(Boolean).map((l) => {
      const [name, time] = l.split('\0');
      return [name, Number(time) * 1000] as const;
    }));
    for (const w of ready.filter((x) => x.baseRef === base)) {
      const committedAt = tips.get(w.branch);
      if (committedAt === undefined || w.branch === base || !(await movedSinceCreated(ctx, repo, w.branch, committedAt, w.createdAt))) continue;
      const dirty = await git.dirtyFiles(w.worktreePath).catch(() => ['(unreadable)']);
      const sessions = ctx.live.workspace(w.id)?.sessions.length ?? 0;
      const problems = [
        dirty.length ? `${dirty.length} uncommitted ${dirty.length === 1 ? 'change' : 'changes'} (saved before removal)` : '',
        sessions ? `${sessions} running ${sessions === 1 ? 'session' : 'sessions'}` : '',
      ].filter(Boolean);
      out.push({
        kind: 'merged-workspace', repoRoot: repo, path: w.worktreePath, branch: w.branch, workspaceId: w.id,
        reason: `"${w.branch}" is merged into ${base}${problems.length ? `; ${problems.join(', ')}` : ''}`,
        safe: problems.length === 0,
      });
    }
  }
  return out;
}

/**
 * Whether the branch moved (a commit, a reset, a rebase) since it was made:
 * its reflog has more than the entry that made it. Without a reflog
 * (core.logAllRefUpdates off), a tip committed well after the workspace was made.
 */
async function movedSinceCreated(ctx: LifecycleContext, repo: string, branch: string, committedAt: number, createdAt: number): Promise<boolean> {
  const r = await gitRun(ctx.deps.exec, repo, ['reflog', 'show', '--format=%H', `refs/heads/${branch}`, '--']);
  const entries = r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean).length : 0;
  return entries ? entries > 1 : committedAt > createdAt + 1000;
}

/** R4: workspaces whose worktree folder is gone; removing the row deletes no file. */
function missingWorktrees(repo: string, rows: readonly WorkspaceRecord[]): Leftover[] {
  return rows
    .filter((w) => w.status !== 'creating' && w.status !== 'deleting' && !fs.existsSync(w.worktreePath))
    .map((w) => ({
      kind: 'missing-worktree' as const, repoRoot: repo, path: w.worktreePath, branch: w.branch, workspaceId: w.id,
      reason: `The worktree folder of "${w.branch}" is gone; removing the workspace deletes no file and keeps the branch unless it is merged`,
      safe: true,
    }));
}

/** Worktrees of the repository that no workspace manages (offered for adoption or removal). */
async function unmanagedWorktrees(ctx: LifecycleContext, repo: string, linked: readonly WorktreeEntry[], rows: readonly WorkspaceRecord[]): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const e of linked) {
    if (e.bare || rows.some((w) => samePath(w.worktreePath, e.path))) continue;
    const base = { kind: 'unmanaged-worktree' as const, repoRoot: repo, path: e.path, ...(e.branch ? { branch: e.branch } : {}) };
    if (path.basename(e.path).startsWith(SCRATCH_PREFIX)) {
      out.push({ ...base, reason: 'A scratch worktree left by an interrupted merge', safe: true });
    } else if (e.prunable || !fs.existsSync(e.path)) {
      out.push({ ...base, reason: 'Its folder is gone; git still lists it', safe: true });
    } else if (e.locked) {
      out.push({ ...base, reason: 'Not managed by Worktree Sessions, and locked (git worktree unlock to allow removing it)', safe: false });
    } else {
      const dirty = await ctx.deps.git.dirtyFiles(e.path).catch(() => ['(unreadable)']);
      const detached = e.detached && !(await reachableElsewhere(ctx, repo, e.head));
      const problems = [
        dirty.length ? `${dirty.length} uncommitted ${dirty.length === 1 ? 'change' : 'changes'}` : '',
        detached ? 'commits only its detached HEAD holds' : '',
      ].filter(Boolean);
      out.push({
        ...base,
        reason: `Not managed by Worktree Sessions (${e.branch ? `branch "${e.branch}", which is kept` : 'detached HEAD'}); adopt it, or remove it${problems.length ? `; ${problems.join(', ')}` : ''}`,
        safe: problems.length === 0,
      });
    }
  }
  return out;
}

/** Whether some branch, remote branch or tag holds `commit`. */
async function reachableElsewhere(ctx: LifecycleContext, repo: string, commit: string | undefined): Promise<boolean> {
  if (!commit) return false;
  const r = await gitRun(ctx.deps.exec, repo, ['for-each-ref', '--count=1', '--format=%(refname)', `--contains=${commit}`, 'refs/heads/', 'refs/remotes/', 'refs/tags/']);
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

/** Branches the extension created that no worktree or workspace uses. */
async function createdBranchesUnused(ctx: LifecycleContext, repo: string, worktrees: readonly WorktreeEntry[], rows: readonly WorkspaceRecord[]): Promise<Leftover[]> {
  const { exec, git } = ctx.deps;
  const out: Leftover[] = [];
  for (const [branch, base] of await createdBranches(exec, repo)) {
    if (worktrees.some((e) => e.branch === branch) || rows.some((w) => w.branch === branch)) continue;
    if (!(await git.localBranchExists(repo, branch))) continue;
    const merged = await git.mergeState(repo, branch, base);
    let reason: string;
    let safe = false;
    if (merged === 'merged') {
      reason = `Created by Worktree Sessions; no worktree uses it; merged into ${base}`;
      safe = true;
    } else if (await pushedTo(ctx, repo, branch)) {
      reason = `Created by Worktree Sessions; no worktree uses it; every commit is on a remote`;
      safe = true;
    } else {
      const ahead = await gitRun(exec, repo, ['rev-list', '--count', `${base}..refs/heads/${branch}`, '--']);
      const n = ahead.exitCode === 0 ? Number(ahead.stdout.trim()) : undefined;
      reason = `Created by Worktree Sessions; no worktree uses it; ${n === undefined ? 'not merged' : `${n} ${n === 1 ? 'commit' : 'commits'} not in ${base}`}`;
    }
    out.push({ kind: 'created-branch', repoRoot: repo, branch, reason, safe });
  }
  return out;
}

/** Whether a remote-tracking ref (or a fetched pull request) holds the branch's tip. */
async function pushedTo(ctx: LifecycleContext, repo: string, branch: string): Promise<boolean> {
  const r = await gitRun(ctx.deps.exec, repo, ['for-each-ref', '--count=1', '--format=%(refname)', `--contains=refs/heads/${branch}`, 'refs/remotes/', 'refs/worktree-sessions/pull/']);
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

async function savedChanges(ctx: LifecycleContext, repo: string): Promise<Leftover[]> {
  const saved = await listSavedChanges(ctx.deps.exec, [repo], ctx.deps.savedChangesDir);
  return saved.map((s) => ({
    kind: 'saved-changes' as const, repoRoot: repo, ref: s.ref, branch: s.label,
    ...(s.patchFile ? { bytes: fs.statSync(s.patchFile).size } : {}),
    reason: `Uncommitted changes of "${s.label}", saved on ${new Date(s.savedAt).toISOString().slice(0, 16).replace('T', ' ')} when its workspace was deleted; dropping them loses them`,
    safe: false,
  }));
}

export interface RemoveOutcome {
  item: Leftover;
  removed: boolean;
  /** What happened, or why it was not removed. */
  message: string;
  savedChanges?: SavedChanges;
}

/**
 * Removes the chosen leftovers, each as found again now (never as described
 * by the caller): workspaces through the lifecycle's safe delete, worktrees
 * with git's own refusal of dirty ones, and an unsafe item only with `force`
 * (a dirty worktree's changes are then saved first, as D5 does).
 */
export async function removeLeftovers(ctx: LifecycleContext, chosen: readonly Leftover[], options: { force?: boolean; onProgress?: (m: string) => void } = {}): Promise<RemoveOutcome[]> {
  const outcomes: RemoveOutcome[] = [];
  const byRepo = new Map<string, Leftover[]>();
  for (const c of chosen) byRepo.set(c.repoRoot, [...(byRepo.get(c.repoRoot) ?? []), c]);
  for (const [repo, items] of byRepo) {
    const current = await findLeftovers(ctx, [repo], { measure: false });
    for (const wanted of items) {
      const item = current.find((l) => sameLeftover(l, wanted));
      if (!item) {
        outcomes.push({ item: wanted, removed: false, message: `${describe(wanted)} is no longer a leftover; it was left alone.` });
        continue;
      }
      if (!item.safe && !options.force) {
        outcomes.push({ item, removed: false, message: `${describe(item)} was not removed: ${item.reason}.` });
        continue;
      }
      options.onProgress?.(`Removing ${describe(item)}…`);
      try {
        outcomes.push(await removeOne(ctx, item, options.force === true));
      } catch (e) {
        outcomes.push({ item, removed: false, message: `${describe(item)} could not be removed: ${errorMessage(e)}` });
      }
    }
  }
  return outcomes;
}

function sameLeftover(a: Leftover, b: Leftover): boolean {
  return a.kind === b.kind && a.repoRoot === b.repoRoot && (a.path ?? '') === (b.path ?? '') && (a.branch ?? '') === (b.branch ?? '') && (a.ref ?? '') === (b.ref ?? '');
}

export function describe(l: Pick<Leftover, 'kind' | 'path' | 'branch' | 'ref'>): string {
  switch (l.kind) {
    case 'merged-workspace':
    case 'missing-worktree':
      return `the workspace "${l.branch}"`;
    case 'unmanaged-worktree':
      return `the worktree ${l.path}`;
    case 'created-branch':
      return `the branch "${l.branch}"`;
    case 'saved-changes':
      return `the saved changes ${l.ref}`;
  }
}

async function removeOne(ctx: LifecycleContext, item: Leftover, force: boolean): Promise<RemoveOutcome> {
  const { exec, git, logger } = ctx.deps;
  switch (item.kind) {
    case 'merged-workspace':
    case 'missing-worktree': {
      const r = await deleteWorkspace(ctx, item.workspaceId!, { force });
      if (!r.deleted) return { item, removed: false, message: `${describe(item)} has uncommitted changes (${(r.dirtyFiles ?? []).slice(0, 5).join(', ')}); it was left alone.` };
      const parts = [`Removed ${describe(item)}.`];
      if (r.deletedBranch) parts.push(`Its branch was deleted.`);
      if (r.keptBranch) parts.push(`Its branch "${r.keptBranch}" was kept.`);
      return { item, removed: true, message: parts.join(' '), ...(r.savedChanges ? { savedChanges: r.savedChanges } : {}) };
    }
    case 'unmanaged-worktree': {
      const folder = item.path!;
      return ctx.guards.inTurn(`worktree:${folder}`, async () => {
        if (!fs.existsSync(folder) || path.basename(folder).startsWith(SCRATCH_PREFIX)) {
          // Gone already, or our own scratch (it holds nothing): git forgets it.
          if (fs.existsSync(folder)) await gitOk(exec, item.repoRoot, ['worktree', 'remove', '--force', '--force', '--', folder]);
          else await gitOk(exec, item.repoRoot, ['worktree', 'prune']);
          return { item, removed: true, message: `Removed ${describe(item)}.` };
        }
        let saved: SavedChanges | undefined;
        const dirty = await git.dirtyFiles(folder);
        if (dirty.length) {
          // D5: never destroy work silently.
          // The save is relative to the worktree's HEAD, so it lists and restores like a delete's (D5).
          const head = await git.commitOf(folder, 'HEAD');
          saved = await git.saveChanges(folder, { name: `${worktreeFolderName(path.basename(folder))}-${new Date(ctx.now).toISOString().replace(/[:.]/g, '-')}`, patchDir: ctx.deps.savedChangesDir, base: head });
        }
        // Without --force git itself refuses a worktree with changes (a last check against a race).
        await gitOk(exec, item.repoRoot, ['worktree', 'remove', ...(saved ? ['--force'] : []), '--', folder]);
        logger.info(`Removed the unmanaged worktree ${folder}${saved ? `; its changes are saved at ${saved.ref}` : ''}.`);
        return { item, removed: true, message: `Removed ${describe(item)}${item.branch ? `; the branch "${item.branch}" was kept` : ''}${saved ? `; its changes were saved to ${saved.ref}` : ''}.`, ...(saved ? { savedChanges: saved } : {}) };
      });
    }
    case 'created-branch': {
      const tip = await git.commitOf(item.repoRoot, `refs/heads/${item.branch}`);
      if (await git.checkedOutAt(item.repoRoot, item.branch!)) throw new UserError('it is checked out in a worktree now');
      await git.deleteBranch(item.repoRoot, item.branch!);
      logger.info(`Deleted the branch ${item.branch} (was ${tip}) of ${item.repoRoot}.`);
      return { item, removed: true, message: `Deleted ${describe(item)}${item.safe ? '' : ` (it was at ${tip}; "git branch ${item.branch} ${tip}" brings it back)`}.` };
    }
    case 'saved-changes': {
      const [saved] = (await listSavedChanges(exec, [item.repoRoot], ctx.deps.savedChangesDir)).filter((s) => s.ref === item.ref);
      if (!saved) throw new UserError('they are gone already');
      await dropSavedChange(ctx, saved);
      return { item, removed: true, message: `Dropped ${describe(item)} (they were at ${saved.commit}).` };
    }
  }
}
