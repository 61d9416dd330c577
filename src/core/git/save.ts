import fs from 'node:fs';
import path from 'node:path';
import { nulList, TREE_DEADLINE_MS, type GitCalls } from './calls';

/** D5: where a force delete put the work it saved; every field is what the saved commit actually holds. */
export interface SavedChanges {
  /** The ref that keeps the changes: restore with `git checkout <ref> -- .` (or `git stash apply --index <ref>`). */
  ref: string;
  commit: string;
  /** A patch of the same changes (`git apply --binary <file>`). */
  patchFile: string;
  /** Every path whose saved version differs from the commit the worktree was on. */
  files: string[];
  /**
   * Files whose staged version differed from both the commit and the file on
   * disk: the staged versions are the saved commit's second parent.
   */
  staged?: { ref: string; files: string[] };
  /**
   * Commits that only the worktree's HEAD held (a detached HEAD, or a branch
   * deleted behind our back): the saved commit's first parent keeps them.
   */
  commits?: number;
}

export interface SaveRequest {
  /** The saved ref's last part. */
  name: string;
  patchDir: string;
  /** The commit the changes are relative to (HEAD, or the lost tip of a deleted branch); none when unknown. */
  base?: string;
  /** Ignored files to save as well (copies the extension made that changed since). */
  extraFiles?: readonly string[];
  /** Passed through to the result: how many commits only `base` holds. */
  commits?: number;
}

const SAVE_IDENTITY = {
  GIT_AUTHOR_NAME: 'Worktree Sessions',
  GIT_AUTHOR_EMAIL: 'worktree-sessions@localhost',
  GIT_COMMITTER_NAME: 'Worktree Sessions',
  GIT_COMMITTER_EMAIL: 'worktree-sessions@localhost',
};

/**
 * D5: saves the worktree's work as a commit laid out like a stash (first
 * parent the base, second the staged versions, tree everything on disk,
 * untracked and `extraFiles` included) on `refs/worktree-sessions/saved/<name>`,
 * plus a patch file; touches neither the worktree, its index nor the stash.
 */
export async function saveWork(run: GitCalls, worktree: string, gitDir: string, req: SaveRequest): Promise<SavedChanges> {
  const tmpIndex = path.join(gitDir, `wts-save-index-${process.pid}-${Date.now()}`);
  const realIndex = path.join(gitDir, 'index');
  if (fs.existsSync(realIndex)) fs.copyFileSync(realIndex, tmpIndex);
  const env = { GIT_INDEX_FILE: tmpIndex };
  try {
    // The staged versions first, before the files on disk are added over them. An index with conflicts has no tree to write.
    const stagedTree = await run.git(worktree, ['write-tree'], { env });
    await run.ok(worktree, ['add', '--all', '--', '.'], { env, timeoutMs: TREE_DEADLINE_MS });
    if (req.extraFiles?.length) await run.ok(worktree, ['add', '--force', '--', ...req.extraFiles], { env });
    const tree = (await run.ok(worktree, ['write-tree'], { env })).trim();
    const base = req.base ? ['-p', req.base] : [];
    const indexCommit = stagedTree.exitCode === 0 && req.base
      ? await commitTree(run, worktree, [stagedTree.stdout.trim(), ...base, '-m', `Worktree Sessions: staged changes of ${req.name}`])
      : undefined;
    const commit = await commitTree(run, worktree, [tree, ...base, ...(indexCommit ? ['-p', indexCommit] : []), '-m', `Worktree Sessions: changes saved before deleting ${req.name}`]);
    const ref = `refs/worktree-sessions/saved/${req.name}`;
    // The empty old value: an earlier save under the same name is never overwritten.
    await run.ok(worktree, ['update-ref', '-m', 'worktree-sessions: save before delete', ref, commit, '']);

    const changed = (from: string, to: string) => run.ok(worktree, ['diff-tree', '-r', '--no-renames', '--name-only', '-z', from, to]).then(nulList);
    const files = req.base ? await changed(req.base, commit) : nulList(await run.ok(worktree, ['ls-tree', '-r', '--name-only', '-z', commit]));
    const result: SavedChanges = { ref, commit, patchFile: '', files };
    if (indexCommit && req.base) {
      const [stagedChanges, differsOnDisk] = await Promise.all([changed(req.base, indexCommit), changed(indexCommit, commit)]);
      const onDisk = new Set(differsOnDisk);
      const both = stagedChanges.filter((f) => onDisk.has(f));
      if (both.length) result.staged = { ref: `${ref}^2`, files: both };
    }
    if (req.commits) result.commits = req.commits;

    fs.mkdirSync(req.patchDir, { recursive: true });
    result.patchFile = path.join(req.patchDir, `${req.name.replace(/\//g, '-')}.patch`);
    const patch = await run.ok(worktree, ['diff-tree', '-p', '--binary', '--full-index', ...(req.base ? [req.base, commit] : ['--root', '--no-commit-id', commit])]);
    fs.writeFileSync(result.patchFile, patch);
    return result;
  } finally {
    fs.rmSync(tmpIndex, { force: true });
  }
}

async function commitTree(run: GitCalls, worktree: string, args: string[]): Promise<string> {
  const commitArgs = ['commit-tree', ...args];
  const made = await run.git(worktree, commitArgs);
  if (made.exitCode === 0) return made.stdout.trim();
  // Saving must not fail for want of a configured identity.
  if (/tell me who you are|unable to auto-detect|empty ident/i.test(made.stderr)) return (await run.ok(worktree, commitArgs, { env: SAVE_IDENTITY })).trim();
  return (await run.ok(worktree, commitArgs)).trim();
}
