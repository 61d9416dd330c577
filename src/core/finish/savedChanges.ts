import fs from 'node:fs';
import path from 'node:path';
import type { Exec } from '../process/runner';
import { worktreeFolderName } from '../gitParse';
import { UserError, type WorkspaceView } from '../model';
import type { LifecycleContext } from '../lifecycle/context';
import { createWorkspace } from '../lifecycle/create';
import { errorMessage, type OperationOptions } from '../lifecycle/types';
import { createdBranches } from './createdBranches';
import { gitOk, gitRun, isObjectId } from './gitCalls';
import { parseNameStatus, type ChangedFile } from './review';

/** Where D5 keeps each save: one ref per deleted dirty worktree. */
export const SAVED_PREFIX = 'refs/worktree-sessions/saved/';

export interface SavedChange {
  repoRoot: string;
  /** `refs/worktree-sessions/saved/<name>` */
  ref: string;
  name: string;
  /** The workspace's folder name the changes came from (`feature-login`). */
  label: string;
  /** When they were saved (ms since epoch). */
  savedAt: number;
  /** The commit holding the changes. */
  commit: string;
  /** The commit they were made on: the workspace's HEAD when it was deleted. */
  base: string;
  /** D5's patch file of the same changes, when it still exists. */
  patchFile?: string;
}

/** `<folder>-<ISO time with ":" and "." as "-">`, as D5 names a save. */
export function parseSavedName(name: string): { label: string; savedAt?: number } {
  const m = /^(.+)-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(name);
  if (!m) return { label: name };
  const at = Date.parse(`${m[2]}T${m[3]}:${m[4]}:${m[5]}.${m[6]}Z`);
  return { label: m[1], savedAt: Number.isNaN(at) ? undefined : at };
}

export function patchFileOf(savedChangesDir: string, name: string): string {
  return path.join(savedChangesDir, `${name.replace(/\//g, '-')}.patch`);
}

/** The saved changes of each repository, newest first. */
export async function listSavedChanges(exec: Exec, repos: readonly string[], savedChangesDir: string): Promise<SavedChange[]> {
  const lists = await Promise.all([...new Set(repos)].map(async (repo) => {
    const r = await gitRun(exec, repo, ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(creatordate:unix)%00%(parent)', SAVED_PREFIX]).catch(() => undefined);
    if (!r || r.exitCode !== 0) return [];
    const out: SavedChange[] = [];
    for (const line of r.stdout.split('\n')) {
      const [ref, commit, created, parents] = line.split('\0');
      if (!ref || !isObjectId(commit ?? '')) continue;
      const base = (parents ?? '').split(' ')[0];
      if (!isObjectId(base)) continue;
      const name = ref.slice(SAVED_PREFIX.length);
      const { label, savedAt } = parseSavedName(name);
      const patchFile = patchFileOf(savedChangesDir, name);
      out.push({
        repoRoot: repo, ref, name, label, commit, base,
        savedAt: savedAt ?? Number(created) * 1000,
        ...(fs.existsSync(patchFile) ? { patchFile } : {}),
      });
    }
    return out;
  }));
  return lists.flat().sort((a, b) => b.savedAt - a.savedAt);
}

/** The files a save holds, compared with the commit it was made on. */
export async function savedChangeFiles(exec: Exec, saved: Pick<SavedChange, 'repoRoot' | 'base' | 'commit'>): Promise<ChangedFile[]> {
  return parseNameStatus(await gitOk(exec, saved.repoRoot, ['diff', '--name-status', '-z', '-M', '--no-ext-diff', saved.base, saved.commit, '--']));
}

/** The one save `ref` names among `repos`; refuses a ref outside our namespace. */
export async function findSavedChange(ctx: LifecycleContext, ref: unknown, repos: readonly string[]): Promise<SavedChange> {
  if (typeof ref !== 'string' || !ref.startsWith(SAVED_PREFIX) || ref.length === SAVED_PREFIX.length || ref.split('/').includes('..')) {
    throw new UserError(`"${String(ref)}" is not a saved-changes ref (${SAVED_PREFIX}…).`);
  }
  const all = await listSavedChanges(ctx.deps.exec, repos, ctx.deps.savedChangesDir);
  const found = all.filter((s) => s.ref === ref);
  if (!found.length) throw new UserError(`No saved changes ${ref} in ${repos.length === 1 ? repos[0] : 'the known repositories'}; they may have been restored or dropped already.`);
  if (found.length > 1) throw new UserError(`${ref} exists in ${found.map((s) => s.repoRoot).join(' and ')}; say which repository with repoRoot.`);
  return found[0];
}

/** Deletes the ref (only while it still holds the same commit) and its patch file. */
export async function dropSavedChange(ctx: LifecycleContext, saved: SavedChange): Promise<void> {
  await gitOk(ctx.deps.exec, saved.repoRoot, ['update-ref', '-d', saved.ref, saved.commit]);
  if (saved.patchFile) fs.rmSync(saved.patchFile, { force: true });
  ctx.deps.logger.info(`Dropped the saved changes ${saved.ref} (${saved.commit}) of ${saved.repoRoot}.`);
}

/**
 * SPEC §10: a new workspace on the commit the changes were saved on, with the
 * changes applied as uncommitted changes; the save is dropped once they are
 * in. The branch is the original one when it still ends at that commit and
 * nothing uses it, else a new `<folder>-restored`.
 */
export async function restoreSavedChange(ctx: LifecycleContext, saved: SavedChange, options: OperationOptions = {}): Promise<WorkspaceView> {
  const { exec, git, store, logger } = ctx.deps;
  const repo = saved.repoRoot;
  const original = await originalBranch(ctx, saved);
  let workspace: WorkspaceView;
  if (original) {
    workspace = await createWorkspace(ctx, { repoRoot: repo, branch: original, existingBranch: true }, options);
    // D6 treats the branch as ours again when we had made it.
    const createdFrom = (await createdBranches(exec, repo)).get(original);
    if (createdFrom !== undefined) await store.write((tx) => tx.updateWorkspace(workspace.id, { createdBranch: true, baseRef: createdFrom }));
  } else {
    const branch = await freeBranchName(ctx, repo, `${saved.label}-restored`);
    workspace = await createWorkspace(ctx, { repoRoot: repo, branch, baseRef: saved.base, existingBranch: false }, options);
    // Review and merge compare with the repository's branch, not with a bare commit.
    const current = await git.currentBranch(repo);
    if (current && current !== branch) await store.write((tx) => tx.updateWorkspace(workspace.id, { baseRef: current }));
  }
  const wt = workspace.worktreePath;
  try {
    const head = await git.commitOf(wt, 'HEAD');
    if (head !== saved.base) throw new UserError(`its HEAD is ${head ?? 'unknown'}, not ${saved.base}`);
    const dirty = await git.dirtyFiles(wt);
    if (dirty.length) throw new UserError(`it already has changes (${dirty.slice(0, 5).join(', ')})`);
    // The saved tree is exactly the worktree to restore: put it in place, then unstage it all.
    await gitOk(exec, wt, ['read-tree', '-u', '--reset', saved.commit]);
    await gitOk(exec, wt, ['reset', '--quiet']);
  } catch (e) {
    throw new UserError(`The workspace "${workspace.branch}" is ready, but the saved changes could not be applied to it (${errorMessage(e)}). They are still saved at ${saved.ref}.`);
  }
  await dropSavedChange(ctx, saved).catch((e: unknown) => logger.warn(`Restored ${saved.ref}, but could not drop it: ${errorMessage(e)}`));
  logger.info(`Restored ${saved.ref} into ${workspace.branch} (${workspace.id}).`);
  ctx.live.forgetStats(workspace.id);
  ctx.live.emitIfChanged(true);
  return ctx.live.workspace(workspace.id) ?? workspace;
}

/** The branch the save came from, when it still ends at the save's base and no worktree or workspace has it. */
async function originalBranch(ctx: LifecycleContext, saved: SavedChange): Promise<string | undefined> {
  const { exec, git, store } = ctx.deps;
  const r = await gitRun(exec, saved.repoRoot, ['for-each-ref', '--format=%(refname:short)', '--points-at', saved.base, 'refs/heads/']);
  if (r.exitCode !== 0) return undefined;
  const worktrees = await git.worktrees(saved.repoRoot);
  return r.stdout.split('\n').map((b) => b.trim()).find((b) =>
    b && worktreeFolderName(b) === saved.label
    && !worktrees.some((e) => e.branch === b)
    && !store.workspaces().some((x) => x.repoRoot === saved.repoRoot && x.branch === b));
}

async function freeBranchName(ctx: LifecycleContext, repo: string, wanted: string): Promise<string> {
  const { git } = ctx.deps;
  for (let i = 1; i < 100; i++) {
    const name = i === 1 ? wanted : `${wanted}-${i}`;
    if (await git.localBranchExists(repo, name)) continue;
    if ((await git.branchNameProblem(repo, name)) || (await git.branchNamespaceClash(repo, name))) continue;
    return name;
  }
  throw new UserError(`No free branch name like "${wanted}" in ${repo}.`);
}

/**
 * The tree asks for saved changes on every repaint; a listing is a git
 * process per repository, so one is reused for a few seconds, and forgotten
 * at once when this window changes the saves, or when the workspaces change
 * (a forced delete is what makes a save).
 */
export class SavedChangesCache {
  private readonly entries = new Map<string, { at: number; value: Promise<SavedChange[]> }>();
  private workspacesSeen = '';

  constructor(private readonly exec: Exec, private readonly savedChangesDir: string, private readonly clock: () => number, private readonly ttlMs = 5_000) {}

  /** `workspaces`: a key of the current workspaces; a different one lists again. */
  async list(repos: readonly string[], workspaces = ''): Promise<SavedChange[]> {
    if (workspaces !== this.workspacesSeen) {
      this.workspacesSeen = workspaces;
      this.entries.clear();
    }
    const now = this.clock();
    const lists = await Promise.all([...new Set(repos)].map((repo) => {
      const cached = this.entries.get(repo);
      if (cached && now - cached.at < this.ttlMs) return cached.value;
      const value = listSavedChanges(this.exec, [repo], this.savedChangesDir);
      this.entries.set(repo, { at: now, value });
      return value;
    }));
    return lists.flat().sort((a, b) => b.savedAt - a.savedAt);
  }

  invalidate(): void {
    this.entries.clear();
  }
}
