import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Exec } from '../process/runner';
import type { Git } from '../git';
import type { WorktreeEntry } from '../gitParse';
import { UserError, type WorkspaceRecord } from '../model';
import type { LifecycleContext } from '../lifecycle/context';
import { errorMessage } from '../lifecycle/types';
import { gitOk, gitRun, nulFields } from './gitCalls';

export type MergeMode = 'merge' | 'squash' | 'rebase';
export const MERGE_MODES: readonly MergeMode[] = ['merge', 'squash', 'rebase'];

/** The folder-name prefix of scratch worktrees; one left by a crash is a leftover, safe to remove. */
export const SCRATCH_PREFIX = 'wts-scratch-';

export interface MergeResult {
  merged: boolean;
  /** The files that conflict; nothing was changed. */
  conflicts?: string[];
  mode: MergeMode;
  /** The local branch merged into. */
  base: string;
  /** The base already held every commit of the branch: nothing was done. */
  alreadyMerged?: boolean;
  /** The base's tip after the merge. */
  commit?: string;
  /** The branch's tip that went into the base (after a rebase: the rebased tip). */
  branchTip?: string;
}

export interface MergeOptions {
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

/**
 * No hook of the user's runs in a scratch worktree, nor in the fast-forward
 * that publishes the result: a hook could install, prompt or hang where nobody
 * looks, and the commits were made (and checked) in the workspace already.
 */
const NO_HOOKS = ['-c', `core.hooksPath=${os.devNull}`];
/** A rebase here replays the branch and nothing else (no fixup reordering, no other branch moved). */
const PLAIN_REBASE = ['-c', 'rebase.autoSquash=false', '-c', 'rebase.updateRefs=false', '-c', 'rebase.autoStash=false'];
/** No editor may open, and a large file store's download waits for the real checkout. */
const SCRATCH_ENV = { GIT_EDITOR: 'true', GIT_SEQUENCE_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no', GIT_LFS_SKIP_SMUDGE: '1' };

/**
 * SPEC §10: merges the workspace's branch into its base. All or nothing: the
 * merge is made in a private scratch worktree, so a conflict (or any failure)
 * leaves every worktree, branch and index as it was; only a finished result is
 * published, by fast-forwarding the base (and, for a rebase, resetting the
 * clean workspace onto the rebased branch). Runs in the workspace's turn, so it
 * never interleaves with a delete.
 */
export async function mergeIntoBase(ctx: LifecycleContext, id: string, mode: MergeMode, options: MergeOptions = {}): Promise<MergeResult> {
  if (!MERGE_MODES.includes(mode)) throw new UserError(`"${String(mode)}" is not a merge mode; use merge, squash or rebase.`);
  ctx.requireWorkspace(id);
  if (ctx.guards.isStopping(id)) throw new UserError('The workspace is being deleted.');
  return ctx.guards.inTurn(`workspace:${id}`, () => {
    const w = ctx.requireWorkspace(id);
    return ctx.guards.whileBusy(id, 'merging', () => mergeNow(ctx, w, mode, options));
  });
}

async function mergeNow(ctx: LifecycleContext, w: WorkspaceRecord, mode: MergeMode, options: MergeOptions): Promise<MergeResult> {
  const { exec, git, logger } = ctx.deps;
  const progress = options.onProgress ?? (() => undefined);
  if (w.status !== 'ready') throw new UserError(`"${w.branch}" is ${w.status.replace('_', ' ')}; only a ready workspace can be merged.`);
  if (!fs.existsSync(w.worktreePath)) throw new UserError(`The worktree of "${w.branch}" is missing (${w.worktreePath}).`);

  progress('Checking the worktrees…');
  const base = await localBaseBranch(git, w);
  const [current, dirty] = await Promise.all([git.currentBranch(w.worktreePath), git.dirtyFiles(w.worktreePath)]);
  if (current !== w.branch) {
    throw new UserError(`The worktree of "${w.branch}" has ${current ? `"${current}"` : 'a detached HEAD'} checked out, not "${w.branch}"; switch it back before merging. Nothing was changed.`);
  }
  // §10: never touch a dirty worktree.
  if (dirty.length) throw new UserError(`"${w.branch}" has uncommitted changes (${listFiles(dirty)}); commit or discard them before merging. Nothing was changed.`);
  await refuseUnfinishedOperation(git, w.worktreePath, `The worktree of "${w.branch}"`);
  const worktrees = await git.worktrees(w.repoRoot);
  await refuseBaseBeingRebased(git, worktrees, base);
  const baseWorktree = worktrees.find((e) => e.branch === base && !e.bare && !e.prunable);
  if (baseWorktree) {
    const baseDirty = await git.dirtyFiles(baseWorktree.path);
    if (baseDirty.length) {
      throw new UserError(`"${base}" is checked out in ${baseWorktree.path}, which has uncommitted changes (${listFiles(baseDirty)}); commit or stash them before merging into it. Nothing was changed.`);
    }
    await refuseUnfinishedOperation(git, baseWorktree.path, `${baseWorktree.path} (where "${base}" is checked out)`);
  }

  const [baseTip, branchTip] = await Promise.all([git.commitOf(w.repoRoot, `refs/heads/${base}`), git.commitOf(w.repoRoot, `refs/heads/${w.branch}`)]);
  if (!baseTip || !branchTip) throw new UserError(`"${!baseTip ? base : w.branch}" no longer names a commit.`);
  if (await isAncestor(exec, w.repoRoot, branchTip, baseTip)) {
    return { merged: true, alreadyMerged: true, mode, base, commit: baseTip, branchTip };
  }

  progress(`${mode === 'rebase' ? 'Rebasing' : 'Merging'} in a scratch worktree…`);
  const scratch = await Scratch.create(exec, w.repoRoot, mode === 'rebase' ? branchTip : baseTip, options.signal);
  let result: { conflicts: string[] } | { newBase: string; newTip: string };
  try {
    result = await computeMerge(exec, scratch.path, mode, { base, baseTip, branch: w.branch, branchTip }, options.signal);
  } finally {
    await scratch.remove(logger);
  }
  if ('conflicts' in result) {
    logger.info(`${mode} of ${w.branch} into ${base} would conflict in ${result.conflicts.length} file(s); nothing was changed.`);
    return { merged: false, conflicts: result.conflicts, mode, base };
  }

  progress(`Moving "${base}"…`);
  await publish(ctx, w, base, baseWorktree?.path, { baseTip, branchTip, ...result });
  logger.info(`Merged ${w.branch} into ${base} (${mode}): ${base} is now at ${result.newBase}.`);
  ctx.live.emitIfChanged(true);
  return { merged: true, mode, base, commit: result.newBase, branchTip: result.newTip };
}

/** The base must be a local branch: a merge moves it. */
async function localBaseBranch(git: Git, w: WorkspaceRecord): Promise<string> {
  const name = w.baseRef.replace(/^refs\/heads\//, '');
  if (name && name !== w.branch && !name.startsWith('-') && (await git.localBranchExists(w.repoRoot, name))) return name;
  if (name === w.branch) throw new UserError(`"${w.branch}" is its own base; there is nothing to merge it into.`);
  throw new UserError(`The base of "${w.branch}" is "${w.baseRef}", which is not a local branch, so it cannot be merged into. Create a pull request instead, or merge by hand.`);
}

function listFiles(files: readonly string[], max = 5): string {
  return files.length > max ? `${files.slice(0, max).join(', ')} and ${files.length - max} more` : files.join(', ');
}

/** A merge, rebase, cherry-pick or revert stopped half-way in `worktree`: its owner must finish it first. */
async function refuseUnfinishedOperation(git: Git, worktree: string, what: string): Promise<void> {
  const gitDir = await git.gitDir(worktree);
  const markers: Record<string, string> = { MERGE_HEAD: 'a merge', 'rebase-merge': 'a rebase', 'rebase-apply': 'a rebase', CHERRY_PICK_HEAD: 'a cherry-pick', REVERT_HEAD: 'a revert' };
  for (const [file, operation] of Object.entries(markers)) {
    if (fs.existsSync(path.join(gitDir, file))) throw new UserError(`${what} is in the middle of ${operation}; finish or abort it first. Nothing was changed.`);
  }
}

/**
 * A branch being rebased shows in no worktree's listing (its HEAD is detached),
 * yet moving it would be overwritten when that rebase finishes.
 */
async function refuseBaseBeingRebased(git: Git, worktrees: readonly WorktreeEntry[], base: string): Promise<void> {
  for (const e of worktrees) {
    if (e.bare || !e.detached || !fs.existsSync(e.path)) continue;
    const gitDir = await git.gitDir(e.path).catch(() => undefined);
    if (!gitDir) continue;
    for (const dir of ['rebase-merge', 'rebase-apply']) {
      const headName = path.join(gitDir, dir, 'head-name');
      if (fs.existsSync(headName) && fs.readFileSync(headName, 'utf8').trim() === `refs/heads/${base}`) {
        throw new UserError(`"${base}" is being rebased in ${e.path}; finish or abort that rebase first. Nothing was changed.`);
      }
    }
  }
}

async function isAncestor(exec: Exec, repo: string, ancestor: string, of: string): Promise<boolean> {
  const r = await gitRun(exec, repo, ['merge-base', '--is-ancestor', ancestor, of]);
  if (r.exitCode > 1 || r.exitCode < 0) throw new UserError(`git merge-base failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return r.exitCode === 0;
}

interface Sides {
  base: string;
  baseTip: string;
  branch: string;
  branchTip: string;
}

/** Makes the merge in the scratch worktree; the user's worktrees are not involved. */
async function computeMerge(
  exec: Exec,
  scratch: string,
  mode: MergeMode,
  s: Sides,
  signal: AbortSignal | undefined,
): Promise<{ conflicts: string[] } | { newBase: string; newTip: string }> {
  const run = (args: readonly string[]) => gitRun(exec, scratch, [...NO_HOOKS, ...args], { env: SCRATCH_ENV, signal });
  const stopped = async (r: { exitCode: number; stdout: string; stderr: string }, what: string) => {
    const conflicts = nulFields(await gitOk(exec, scratch, ['diff', '--name-only', '--diff-filter=U', '-z'], { signal }));
    if (conflicts.length) return { conflicts };
    throw explain(what, r);
  };
  const head = async () => (await gitOk(exec, scratch, ['rev-parse', '--verify', 'HEAD'], { signal })).trim();

  if (mode === 'merge') {
    // --no-ff: the user asked for a merge (not a rebase), so the base records one.
    const r = await run(['merge', '--no-ff', '--no-edit', '-m', `Merge branch '${s.branch}' into ${s.base}`, '--end-of-options', s.branchTip]);
    if (r.exitCode !== 0) return stopped(r, 'The merge');
    return { newBase: await head(), newTip: s.branchTip };
  }
  if (mode === 'squash') {
    const r = await run(['merge', '--squash', '--end-of-options', s.branchTip]);
    if (r.exitCode !== 0) return stopped(r, 'The squash merge');
    const staged = await run(['diff', '--cached', '--quiet']);
    // The base already has every change of the branch: nothing to commit.
    if (staged.exitCode === 0) return { newBase: s.baseTip, newTip: s.branchTip };
    const log = await gitOk(exec, scratch, ['log', '--reverse', '--no-merges', '--format=%B%x00', `${s.baseTip}..${s.branchTip}`], { signal });
    const c = await run(['commit', '--quiet', '--no-verify', '-m', squashMessage(s.branch, nulFields(log))]);
    if (c.exitCode !== 0) throw explain('The squash commit', c);
    return { newBase: await head(), newTip: s.branchTip };
  }
  const r = await run([...PLAIN_REBASE, 'rebase', '--quiet', s.baseTip]);
  if (r.exitCode !== 0) return stopped(r, 'The rebase');
  const tip = await head();
  return { newBase: tip, newTip: tip };
}

/** Why git refused, in words users act on. */
function explain(what: string, r: { exitCode: number; stdout: string; stderr: string }): UserError {
  const out = `${r.stderr}\n${r.stdout}`;
  if (/tell me who you are|identity unknown|empty ident|unable to auto-detect email/i.test(out)) {
    return new UserError(`${what} needs your name and email: set user.name and user.email (git config --global user.name "…"). Nothing was changed.`);
  }
  const last = out.trim().split('\n').filter(Boolean).slice(-2).join(' ');
  return new UserError(`${what} failed${last ? `: ${last}` : ` (exit ${r.exitCode})`}. Nothing was changed.`);
}

/**
 * A squash commit's message from the branch's commits: the one message as it
 * is, or a subject naming the branch and each commit as a bullet.
 */
export function squashMessage(branch: string, messages: readonly string[]): string {
  const all = messages.map((m) => m.trim()).filter(Boolean);
  if (all.length === 1) return all[0];
  if (!all.length) return `Squashed '${branch}'`;
  const bullets = all.map((m) => {
    const [subject, ...rest] = m.split('\n');
    const body = rest.join('\n').trim();
    return body ? `* ${subject}\n\n${body.split('\n').map((l) => (l ? `  ${l}` : '')).join('\n')}` : `* ${subject}`;
  });
  return `Squashed '${branch}' (${all.length} commits)\n\n${bullets.join('\n')}`;
}

/**
 * Publishes a finished merge: for a rebase, the clean workspace is reset onto
 * the rebased tip first; then the base moves, by a fast-forward in the
 * worktree where it is checked out (so that worktree stays clean) or by a
 * compare-and-swap of the ref. A base that moved meanwhile undoes the first step.
 */
async function publish(
  ctx: LifecycleContext,
  w: WorkspaceRecord,
  base: string,
  baseWorktree: string | undefined,
  c: { baseTip: string; branchTip: string; newBase: string; newTip: string },
): Promise<void> {
  const { exec, git, logger } = ctx.deps;
  const env = { GIT_REFLOG_ACTION: 'worktree-sessions merge' };
  const rebased = c.newTip !== c.branchTip;
  if (rebased) {
    if ((await git.commitOf(w.repoRoot, `refs/heads/${w.branch}`)) !== c.branchTip) {
      throw new UserError(`"${w.branch}" got new commits while it was being rebased; nothing was changed. Merge again.`);
    }
    // --keep refuses, changing nothing, if a file changed since the clean check.
    await gitOk(exec, w.worktreePath, [...NO_HOOKS, 'reset', '--keep', '--quiet', c.newTip], { env });
  }
  if (c.newBase === c.baseTip) return;
  try {
    if (baseWorktree) {
      await gitOk(exec, baseWorktree, [...NO_HOOKS, 'merge', '--ff-only', '--quiet', '--end-of-options', c.newBase], { env });
    } else {
      await gitOk(exec, w.repoRoot, ['update-ref', '-m', `worktree-sessions: merge ${w.branch}`, `refs/heads/${base}`, c.newBase, c.baseTip]);
    }
  } catch (e) {
    if (rebased) {
      await gitOk(exec, w.worktreePath, [...NO_HOOKS, 'reset', '--keep', '--quiet', c.branchTip], { env }).catch((undo: unknown) => {
        logger.error(`Could not put ${w.branch} back to ${c.branchTip} after a failed merge: ${errorMessage(undo)}`);
        throw new UserError(`"${base}" could not be moved (${errorMessage(e)}), and "${w.branch}" could not be put back to ${c.branchTip}: it is at the rebased ${c.newTip}. Run "git reset --keep ${c.branchTip}" in ${w.worktreePath} to undo the rebase.`);
      });
    }
    throw new UserError(`"${base}" changed while merging, or its worktree did (${errorMessage(e)}); nothing was changed. Merge again.`);
  }
}

/** A private, detached worktree in the temporary folder, removed after use. */
class Scratch {
  private constructor(private readonly exec: Exec, private readonly repo: string, readonly path: string) {}

  static async create(exec: Exec, repo: string, commit: string, signal?: AbortSignal): Promise<Scratch> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), SCRATCH_PREFIX));
    const scratch = new Scratch(exec, repo, dir);
    try {
      await gitOk(exec, repo, [...NO_HOOKS, 'worktree', 'add', '--detach', '--quiet', '--', dir, commit], { env: SCRATCH_ENV, signal });
    } catch (e) {
      await scratch.remove();
      throw e;
    }
    return scratch;
  }

  async remove(logger?: { warn(m: string): void }): Promise<void> {
    const r = await gitRun(this.exec, this.repo, ['worktree', 'remove', '--force', '--force', '--', this.path]).catch(() => undefined);
    if (!r || r.exitCode !== 0 || fs.existsSync(this.path)) {
      // The folder is ours (mkdtemp); git's record of it goes with a prune.
      fs.rmSync(this.path, { recursive: true, force: true });
      await gitRun(this.exec, this.repo, ['worktree', 'prune']).catch((e: unknown) => logger?.warn(`Could not prune the scratch worktree ${this.path}: ${errorMessage(e)}`));
    }
  }
}

