import fs from 'node:fs';
import type { Exec } from '../process/runner';
import { UserError, type WorkspaceRecord } from '../model';
import { gitOk, gitRun, isObjectId, nulFields } from './gitCalls';

export type ChangeKind = 'added' | 'modified' | 'deleted' | 'renamed' | 'untracked';

export interface ChangedFile {
  /** Relative to the worktree, with `/`. */
  path: string;
  kind: ChangeKind;
  /** For a rename: where the file was at the merge-base. */
  originalPath?: string;
}

export interface Review {
  /** The base ref as the workspace records it. */
  baseRef: string;
  /** The commit the changes are compared with: the merge-base of the base and the workspace's HEAD. */
  mergeBase: string;
  files: ChangedFile[];
}

export interface AheadBehind {
  /** Commits on the workspace's branch that the base does not have. */
  ahead: number;
  /** Commits on the base that the branch does not have. */
  behind: number;
}

/** Parses `git diff --name-status -z` (with rename detection). Pure; fixture-tested. */
export function parseNameStatus(stdout: string): ChangedFile[] {
  const fields = nulFields(stdout);
  const out: ChangedFile[] = [];
  for (let i = 0; i < fields.length; i++) {
    const code = fields[i];
    const letter = code.charAt(0);
    if (letter === 'R' || letter === 'C') {
      const from = fields[++i];
      const to = fields[++i];
      if (to === undefined) break;
      // A copy leaves its source in place: the new file is what changed.
      out.push(letter === 'R' ? { path: to, kind: 'renamed', originalPath: from } : { path: to, kind: 'added' });
      continue;
    }
    const file = fields[++i];
    if (file === undefined) break;
    out.push({ path: file, kind: letter === 'A' ? 'added' : letter === 'D' ? 'deleted' : 'modified' });
  }
  return out;
}

/** Parses `git rev-list --left-right --count <base>...HEAD`: "behind<TAB>ahead". */
export function parseLeftRight(stdout: string): AheadBehind | undefined {
  const m = /^(\d+)\s+(\d+)\s*$/.exec(stdout);
  return m ? { behind: Number(m[1]), ahead: Number(m[2]) } : undefined;
}

/**
 * The commit the base ref names. "HEAD" means the main worktree's HEAD (in a
 * linked worktree it would be the worktree's own), so every ref is resolved in
 * the main worktree.
 */
export async function baseCommit(exec: Exec, w: Pick<WorkspaceRecord, 'repoRoot' | 'baseRef' | 'branch'>): Promise<string> {
  if (!w.baseRef || w.baseRef.startsWith('-')) throw new UserError(`"${w.branch}" has no usable base ref ("${w.baseRef}").`);
  const r = await gitRun(exec, w.repoRoot, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${w.baseRef}^{commit}`]);
  const commit = r.stdout.trim();
  if (r.exitCode !== 0 || !isObjectId(commit)) throw new UserError(`The base "${w.baseRef}" of "${w.branch}" no longer names a commit in ${w.repoRoot}.`);
  return commit;
}

/**
 * Every change of the workspace since the merge-base with its base: committed,
 * staged, unstaged and untracked (ignored files are not changes).
 */
export async function reviewChanges(exec: Exec, w: Pick<WorkspaceRecord, 'repoRoot' | 'worktreePath' | 'baseRef' | 'branch'>): Promise<Review> {
  if (!fs.existsSync(w.worktreePath)) throw new UserError(`The worktree of "${w.branch}" is missing (${w.worktreePath}); there is nothing to review.`);
  const base = await baseCommit(exec, w);
  const mb = await gitRun(exec, w.worktreePath, ['merge-base', base, 'HEAD']);
  const mergeBase = mb.stdout.trim();
  if (mb.exitCode !== 0 || !isObjectId(mergeBase)) throw new UserError(`"${w.branch}" and its base "${w.baseRef}" have no common history to compare with.`);
  const [tracked, untracked] = await Promise.all([
    // Against a commit and no second tree: the working tree, staged changes included.
    gitOk(exec, w.worktreePath, ['diff', '--name-status', '-z', '-M', '--no-ext-diff', '--ignore-submodules=none', mergeBase, '--']),
    gitOk(exec, w.worktreePath, ['ls-files', '-z', '--others', '--exclude-standard']),
  ]);
  const files = parseNameStatus(tracked);
  for (const p of nulFields(untracked)) files.push({ path: p, kind: 'untracked' });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { baseRef: w.baseRef, mergeBase, files };
}

/** Commits ahead of and behind the base; undefined when either side cannot be resolved. */
export async function aheadBehind(exec: Exec, w: Pick<WorkspaceRecord, 'repoRoot' | 'worktreePath' | 'baseRef' | 'branch'>): Promise<AheadBehind | undefined> {
  if (!fs.existsSync(w.worktreePath)) return undefined;
  // Refs are shared by every worktree, HEAD is not: only "HEAD" needs resolving in the main worktree.
  const base = w.baseRef === 'HEAD' ? await baseCommit(exec, w).catch(() => undefined) : w.baseRef;
  if (!base || base.startsWith('-')) return undefined;
  const r = await gitRun(exec, w.worktreePath, ['rev-list', '--left-right', '--count', `${base}...HEAD`, '--']).catch(() => undefined);
  return r && r.exitCode === 0 ? parseLeftRight(r.stdout) : undefined;
}

/** The content of `file` at `commit`, for the diff editor's left side; empty when it did not exist there. */
export async function fileAtCommit(exec: Exec, repo: string, commit: string, file: string): Promise<string> {
  if (!isObjectId(commit)) throw new UserError(`"${commit}" is not a commit id.`);
  if (!file || file.startsWith('/') || file.split('/').includes('..')) throw new UserError(`"${file}" is not a path inside the repository.`);
  // The raw blob: the right side is the raw file on disk.
  const blob = await gitRun(exec, repo, ['cat-file', 'blob', `${commit}:${file}`]);
  return blob.exitCode === 0 ? blob.stdout : '';
}
