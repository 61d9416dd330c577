import fs from 'node:fs';
import path from 'node:path';
import { parseStatusPorcelain, parseStatusV2, type StatusV2 } from '../gitParse';
import { nulList, type GitCalls } from './calls';

/** Where a worktree's HEAD is. */
export type HeadState =
  | { kind: 'branch'; branch: string; commit: string }
  | { kind: 'detached'; commit: string }
  /** HEAD names a branch whose ref was deleted behind our back; `lastCommit` is where this worktree's own history last saw it. */
  | { kind: 'missing-branch'; branch: string; lastCommit?: string };

/** An initialised submodule (or a repository nested untracked in the worktree); `problem` is why its work cannot be kept. */
export interface SubmoduleState {
  path: string;
  problem?: string;
}

/** D1/D5: everything in a worktree that removing it would lose, and what stands in the way. */
export interface WorktreeWork {
  head: HeadState;
  /** Uncommitted changes, untracked files included (against the last known commit when the branch is gone). */
  dirtyFiles: string[];
  /** Commits that only this worktree's HEAD holds: a detached HEAD, or the tip of a branch deleted behind our back. */
  detachedCommits: string[];
  submodules: SubmoduleState[];
  /** Set when `git worktree lock` was used on it. */
  locked?: { reason?: string };
}

/** Refs that keep commits alive once the worktree is gone. */
const HOLDING_REFS = ['--branches', '--tags', '--remotes', '--glob=refs/worktree-sessions/saved/*'];
const LISTED_COMMITS = 1000;
const SUBMODULE_DEPTH = 4;

/** `gitDir` is the worktree's private git folder (`.git/worktrees/<name>`). Changes nothing. */
export async function inspectWorktree(run: GitCalls, worktree: string, gitDir: string): Promise<WorktreeWork> {
  // Issue 14: one `git status` answers HEAD's commit and branch with the changes; the index
  // (for submodules) is read beside it. Status, the longer of the two, starts first.
  const statusText = run.ok(worktree, STATUS_ARGS);
  const index = run.ok(worktree, INDEX_ARGS);
  // Awaited below; an answer not needed must not go unhandled.
  index.catch(() => undefined);
  const status = parseStatusV2(await statusText);
  const head = await headState(run, worktree, gitDir, status);
  const [changes, detachedCommits] = await Promise.all([changedFiles(run, worktree, head, status), unheldCommits(run, worktree, head)]);
  const submodules = await submoduleStates(run, worktree, changes.nestedRepos, '', 0, index);
  const work: WorktreeWork = { head, dirtyFiles: changes.files, detachedCommits, submodules };
  try {
    work.locked = { reason: fs.readFileSync(path.join(gitDir, 'locked'), 'utf8').trim() || undefined };
  } catch {
    // Not locked.
  }
  return work;
}

/**
 * The branch HEAD names, from the worktree's own HEAD file (exact, whatever the
 * branch is called: a branch named "(detached)" is still a branch); status's
 * header when the file says neither.
 */
function headBranch(gitDir: string, status: StatusV2): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
  } catch {
    return status.branch;
  }
  // A reftable repository keeps "refs/heads/.invalid" there and the real HEAD in its tables.
  if (text.startsWith('ref: refs/heads/') && text !== 'ref: refs/heads/.invalid') return text.slice('ref: refs/heads/'.length);
  if (/^[0-9a-f]{40,64}$/.test(text)) return undefined;
  return status.branch;
}

async function headState(run: GitCalls, worktree: string, gitDir: string, status: StatusV2): Promise<HeadState> {
  const branch = headBranch(gitDir, status);
  if (status.oid) return branch === undefined ? { kind: 'detached', commit: status.oid } : { kind: 'branch', branch, commit: status.oid };
  if (branch === undefined) throw new Error(`git cannot read HEAD in ${worktree}: no commit and no branch`);
  return { kind: 'missing-branch', branch, lastCommit: await lastHeadCommit(run, worktree, gitDir) };
}

/**
 * The commit HEAD last pointed to, from the worktree's own reflog: git cannot
 * resolve `HEAD@{0}` once the branch HEAD names is gone, but the log is still there.
 */
async function lastHeadCommit(run: GitCalls, worktree: string, gitDir: string): Promise<string | undefined> {
  let log: string;
  try {
    log = fs.readFileSync(path.join(gitDir, 'logs', 'HEAD'), 'utf8');
  } catch {
    return undefined;
  }
  const last = log.trimEnd().split('\n').pop() ?? '';
  const sha = last.split(' ')[1];
  if (!sha || !/^[0-9a-f]{40,64}$/.test(sha) || /^0+$/.test(sha)) return undefined;
  const r = await run.git(worktree, ['cat-file', '-e', `${sha}^{commit}`]);
  return r.exitCode === 0 ? sha : undefined;
}

const STATUS_ARGS = ['status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all', '--ignore-submodules=none'];
const INDEX_ARGS = ['ls-files', '--stage', '-z'];

/** `status`: `git status` of the worktree, asked already. */
async function changedFiles(run: GitCalls, worktree: string, head: HeadState, status: StatusV2): Promise<{ files: string[]; nestedRepos: string[] }> {
  if (head.kind === 'missing-branch' && head.lastCommit) {
    // Against the lost tip, not against nothing: otherwise every file of the branch would look new.
    const [tracked, untracked] = await Promise.all([
      run.ok(worktree, ['diff', '--name-only', '-z', '--no-renames', '--ignore-submodules=none', head.lastCommit, '--']),
      run.ok(worktree, ['ls-files', '-z', '--others', '--exclude-standard']),
    ]);
    const others = nulList(untracked);
    return { files: [...new Set([...nulList(tracked), ...others])], nestedRepos: others.filter((f) => f.endsWith('/')) };
  }
  const entries = status.entries;
  return { files: entries.map((e) => e.path), nestedRepos: entries.filter((e) => e.code === '??' && e.path.endsWith('/')).map((e) => e.path) };
}

async function unheldCommits(run: GitCalls, worktree: string, head: HeadState): Promise<string[]> {
  const tip = head.kind === 'detached' ? head.commit : head.kind === 'missing-branch' ? head.lastCommit : undefined;
  if (!tip) return [];
  const out = await run.ok(worktree, ['rev-list', `--max-count=${LISTED_COMMITS}`, tip, '--not', ...HOLDING_REFS]);
  return out.split('\n').filter(Boolean);
}

/**
 * D5: a submodule's git folder lives in the worktree's private git folder and
 * goes with it, so its uncommitted changes, unpushed commits and stashes would
 * be lost; none of them can be saved in the superproject. An untracked nested
 * repository (`?? dir/` with a `.git`) is the same case.
 */
/** `index`: `git ls-files --stage` of `dir`, when asked already. */
async function submoduleStates(run: GitCalls, dir: string, nestedRepos: string[], prefix: string, depth: number, index?: Promise<string>): Promise<SubmoduleState[]> {
  const out: SubmoduleState[] = [];
  for (const p of nestedRepos) {
    if (fs.existsSync(path.join(dir, p, '.git'))) {
      out.push({ path: prefix + p.replace(/\/$/, ''), problem: 'is a git repository nested in the worktree that git does not track; its files and history cannot be saved' });
    }
  }
  const links = new Set(nulList(await (index ?? run.ok(dir, INDEX_ARGS))).filter((l) => l.startsWith('160000 ')).map((l) => l.slice(l.indexOf('\t') + 1)));
  for (const p of links) {
    const sub = path.join(dir, p);
    // Not initialised: nothing of it lives in this worktree.
    if (!fs.existsSync(path.join(sub, '.git'))) continue;
    const [status, unpushed, stash] = await Promise.all([
      run.git(sub, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=none']),
      run.git(sub, ['rev-list', '--count', 'HEAD', '--branches', '--not', '--remotes']),
      run.git(sub, ['rev-parse', '--verify', '--quiet', 'refs/stash']),
    ]);
    const problems: string[] = [];
    const entries = status.exitCode === 0 ? parseStatusPorcelain(status.stdout) : [];
    if (status.exitCode !== 0) problems.push('cannot be read by git status');
    else if (entries.length) problems.push(`has uncommitted changes (${entries.length} file${entries.length === 1 ? '' : 's'})`);
    const count = Number(unpushed.stdout.trim());
    if (unpushed.exitCode !== 0) problems.push('has a history git cannot read');
    else if (count > 0) problems.push(`has ${count} commit${count === 1 ? '' : 's'} on no remote`);
    if (stash.exitCode === 0) problems.push('has stashed changes');
    out.push({ path: prefix + p, problem: problems.length ? problems.join(', ') : undefined });
    if (depth < SUBMODULE_DEPTH) {
      const nested = entries.filter((e) => e.code === '??' && e.path.endsWith('/')).map((e) => e.path);
      out.push(...(await submoduleStates(run, sub, nested, `${prefix}${p}/`, depth + 1)));
    }
  }
  return out;
}
