import fs from 'node:fs';
import path from 'node:path';

export type CopyOutcome = { copied: true } | { copied: false; refused?: string };

/** Whether `child` is `parent` or lies below it (both already resolved). */
function within(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Copies one git-ignored file from the main worktree into a new worktree,
 * never following a link out of either tree (issue 8: a branch that commits
 * `conf` as a symlink to an outside folder must not receive the user's
 * secrets there). Refusals name the path and why.
 */
export function copyIgnoredFile(repoRoot: string, worktree: string, relative: string): CopyOutcome {
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) return { copied: false, refused: `${relative}: not a path inside the repository` };
  const source = path.join(repoRoot, relative);
  let sourceStat: fs.Stats;
  try {
    sourceStat = fs.lstatSync(source);
  } catch {
    return { copied: false };
  }
  if (sourceStat.isSymbolicLink()) return { copied: false, refused: `${relative}: a symbolic link in the main worktree; only regular files are copied` };
  if (!sourceStat.isFile()) return { copied: false, refused: `${relative}: not a regular file` };
  const realRepo = fs.realpathSync(repoRoot);
  if (!within(realRepo, fs.realpathSync(source))) return { copied: false, refused: `${relative}: resolves outside the main worktree` };

  // The destination's folders are made one at a time, so none of them can be a link elsewhere.
  const realWorktree = fs.realpathSync(worktree);
  let folder = realWorktree;
  const parts = relative.split(/[\\/]/).filter(Boolean);
  for (const part of parts.slice(0, -1)) {
    folder = path.join(folder, part);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(folder);
    } catch {
      fs.mkdirSync(folder);
      continue;
    }
    if (stat.isSymbolicLink()) return { copied: false, refused: `${relative}: its folder ${path.relative(realWorktree, folder)} in the new worktree is a symbolic link` };
    if (!stat.isDirectory()) return { copied: false, refused: `${relative}: ${path.relative(realWorktree, folder)} in the new worktree is not a folder` };
  }
  const destination = path.join(folder, parts[parts.length - 1]);
  try {
    // EXCL: an existing file (the branch's own) is kept, and a dangling link is not followed.
    fs.copyFileSync(source, destination, fs.constants.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      return fs.lstatSync(destination).isSymbolicLink() ? { copied: false, refused: `${relative}: a symbolic link in the new worktree` } : { copied: false };
    }
    throw e;
  }
  return { copied: true };
}
