import fs from 'node:fs';
import path from 'node:path';

export type CopyOutcome = { copied: true } | { copied: false; refused?: string };

/**
 * Whether `child` is `parent` or lies below it (both already resolved). Only a whole
 * `..` step leaves `parent`: a name that merely starts with dots (`..env`) is inside.
 */
export function within(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
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

  const realWorktree = fs.realpathSync(worktree);
  const made = makeFoldersWithin(realWorktree, relative);
  if ('refused' in made) return { copied: false, refused: made.refused };
  const { folder, parts } = made;
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

/**
 * Makes the folders of `relative` below `root` one at a time, so none of them
 * can be a link elsewhere; returns the last one, or why not.
 */
export function makeFoldersWithin(root: string, relative: string): { folder: string; parts: string[] } | { refused: string } {
  let folder = root;
  // Stryker disable next-line MethodExpression: an empty part (a doubled or trailing slash) joins to the same folder, so dropping it changes nothing
  const parts = relative.split(/[\\/]/).filter(Boolean);
  for (const part of parts.slice(0, -1)) {
    folder = path.join(folder, part);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(folder);
    } catch {
      fs.mkdirSync(folder);
      continue;
    }
    if (stat.isSymbolicLink() || !stat.isDirectory()) {
      return { refused: `${relative}: its folder ${path.relative(root, folder)} in the new worktree is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}` };
    }
  }
  return { folder, parts };
}
