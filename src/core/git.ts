import fs from 'node:fs';
import path from 'node:path';
import { describeOutcome, type Exec, type ExecResult } from './process/runner';
import {
  branchNamePrecheck,
  parseRefList,
  parseShortStat,
  parseStatusPorcelain,
  parseWorktreeList,
  type ShortStat,
  type WorktreeEntry,
} from './gitParse';
import { TREE_DEADLINE_MS, type GitCallOptions, type GitCalls } from './git/calls';
import { inspectWorktree, type WorktreeWork } from './git/inspect';
import { saveWork, type SaveRequest, type SavedChanges } from './git/save';
import { UserError } from './model';

export type { SavedChanges, SaveRequest } from './git/save';
export type { HeadState, SubmoduleState, WorktreeWork } from './git/inspect';

/** git's words when a worktree record it reads is still being written by another `git worktree add`. */
const ANOTHER_ADD_UNDER_WAY = /failed to read .*worktrees\/[^/\s]+\/(?:commondir|gitdir)/;

export class GitError extends Error {
  constructor(readonly args: readonly string[], readonly result: ExecResult) {
    super(`git ${args[0] === '-C' ? args.slice(2).join(' ') : args.join(' ')} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ') || `exit ${result.exitCode}`}`);
    this.name = 'GitError';
  }
}

/** A git call that reads or writes a few files. */
const GIT_DEADLINE_MS = 60_000;

/** The git commands the lifecycle needs, each an argv array through the one exec adapter. */
export class Git {
  /** Lent to the worktree inspection and save modules (git/inspect.ts, git/save.ts). */
  private readonly calls: GitCalls = { git: (cwd, args, o) => this.git(cwd, args, o), ok: (cwd, args, o) => this.ok(cwd, args, o) };

  constructor(private readonly exec: Exec, private readonly gitPath = 'git') {}

  private async git(cwd: string, args: readonly string[], options: GitCallOptions = {}): Promise<ExecResult> {
    const answers = options.answers;
    const r = await this.exec.run(this.gitPath, ['-C', cwd, ...args], {
      signal: options.signal, extraEnv: options.env, timeoutMs: options.timeoutMs ?? GIT_DEADLINE_MS,
      isAnswer: answers === undefined ? undefined : (x) => x.exitCode === answers,
    });
    if (r.kind === 'ok' || r.kind === 'exit') return r;
    // Only a missing program is a reason to install git; a timeout or a signal is not.
    if (r.kind === 'not-found') throw new UserError(`${describeOutcome(this.gitPath, r)}. Install git, or make sure it is on PATH.`);
    throw new UserError(`git ${args[0]} in ${cwd}: ${describeOutcome(this.gitPath, r)}.`);
  }

  private async ok(cwd: string, args: readonly string[], options: GitCallOptions = {}): Promise<string> {
    const r = await this.git(cwd, args, options);
    if (r.exitCode !== 0) throw new GitError(['-C', cwd, ...args], r);
    return r.stdout;
  }

  /** The main worktree of the repository that `folder` belongs to. */
  async repositoryRoot(folder: string): Promise<string> {
    if (!fs.existsSync(folder)) throw new UserError(`The folder ${folder} does not exist.`);
    const r = await this.git(folder, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    if (r.exitCode !== 0) throw new UserError(`${folder} is not inside a git repository.`);
    const commonDir = r.stdout.trim();
    // The main worktree is the folder holding the common ".git" (a listing of the
    // worktrees, one more git process, always gave the same answer).
    if (path.basename(commonDir) === '.git') return path.dirname(commonDir);
    throw new UserError(`${folder} belongs to a bare repository; Worktree Sessions needs a repository with a working tree.`);
  }

  async worktrees(repo: string): Promise<WorktreeEntry[]> {
    return parseWorktreeList(await this.ok(repo, ['worktree', 'list', '--porcelain', '-z']));
  }

  /** C1: git's own rules, plus what cannot become a folder name. Returns the reason, or undefined when valid. */
  async branchNameProblem(repo: string, name: string): Promise<string | undefined> {
    const pre = branchNamePrecheck(name);
    if (pre) return pre;
    const r = await this.git(repo, ['check-ref-format', '--branch', name], { answers: 128 });
    if (r.exitCode !== 0) return `"${name}" is not a valid branch name (git check-ref-format).`;
    return undefined;
  }

  /**
   * C1: git keeps branches as files, so "feature" and "feature/x" cannot both
   * exist; check-ref-format accepts either, and only `worktree add` would fail.
   * Returns the reason, or undefined when the name is free of such clashes.
   */
  async branchNamespaceClash(repo: string, name: string): Promise<string | undefined> {
    return (await this.branchRefs(repo, name)).clash;
  }

  /**
   * Whether the branch exists and whether its name clashes with another
   * branch's folder (branchNamespaceClash), from one process: a pattern
   * matches the ref itself and every ref below it. Only for a name
   * check-ref-format accepts (it refuses the glob characters `*?[`). When git
   * cannot answer: neither.
   */
  async branchRefs(repo: string, name: string): Promise<{ exists: boolean; clash?: string }> {
    const parts = name.split('/');
    const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    // No --count: a parent's pattern also matches its siblings, which sort before the refs that matter.
    const r = await this.git(repo, ['for-each-ref', '--format=%(refname)', `refs/heads/${name}`, ...parents.map((p) => `refs/heads/${p}`)]);
    if (r.exitCode !== 0) return { exists: false };
    const branches = parseRefList(r.stdout).map((ref) => ref.slice('refs/heads/'.length));
    const clash = (other: string, instead: string) => `A branch "${other}" exists, so "${name}" cannot be a branch too (git keeps branches as folders). Pick another name, such as "${instead}".`;
    const below = branches.find((b) => b.startsWith(`${name}/`));
    const above = branches.find((b) => parents.includes(b));
    return {
      exists: branches.includes(name),
      ...(above ? { clash: clash(above, name.replace(/\//g, '-')) } : below ? { clash: clash(below, `${name}-2`) } : {}),
    };
  }

  async localBranches(repo: string): Promise<string[]> {
    return parseRefList(await this.ok(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/heads']));
  }

  async remoteBranches(repo: string): Promise<string[]> {
    return parseRefList(await this.ok(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/remotes']));
  }

  async refExists(repo: string, ref: string): Promise<boolean> {
    if (ref.startsWith('-')) return false;
    const r = await this.git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { answers: 1 });
    return r.exitCode === 0;
  }

  /** The commit a ref points at, or undefined when it names none. */
  async commitOf(repo: string, ref: string): Promise<string | undefined> {
    if (ref.startsWith('-')) return undefined;
    const r = await this.git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { answers: 1 });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  async localBranchExists(repo: string, branch: string): Promise<boolean> {
    const r = await this.git(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { answers: 1 });
    return r.exitCode === 0;
  }

  /** The branch checked out in the main worktree: the default base for new branches. */
  async currentBranch(worktree: string): Promise<string | undefined> {
    const r = await this.git(worktree, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { answers: 1 });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  /** Where `branch` is checked out, if anywhere. */
  async checkedOutAt(repo: string, branch: string): Promise<string | undefined> {
    return (await this.worktrees(repo)).find((w) => w.branch === branch)?.path;
  }

  async addWorktree(
    repo: string,
    worktreePath: string,
    how: { newBranch: string; startPoint: string; track?: boolean } | { existingBranch: string },
    signal?: AbortSignal,
  ): Promise<void> {
    const args = 'newBranch' in how
      ? ['worktree', 'add', ...(how.track ? ['--track'] : ['--no-track']), '-b', how.newBranch, '--', worktreePath, how.startPoint]
      : ['worktree', 'add', '--', worktreePath, how.existingBranch];
    try {
      await this.ok(repo, args, { signal, timeoutMs: TREE_DEADLINE_MS });
    } catch (e) {
      // git reads every worktree's record while adding one, and fails on one another
      // window is adding that very moment ("failed to read .git/worktrees/x/commondir").
      // Once more, a moment later, when nothing of ours was made yet; the new branch
      // may already be there (git makes it first), and is then checked out as it is.
      if (!(e instanceof GitError) || !ANOTHER_ADD_UNDER_WAY.test(e.message) || fs.existsSync(worktreePath) || signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, 200));
      const retry = 'newBranch' in how && (await this.localBranchExists(repo, how.newBranch))
        ? ['worktree', 'add', '--', worktreePath, how.newBranch]
        : args;
      await this.ok(repo, retry, { signal, timeoutMs: TREE_DEADLINE_MS });
    }
  }

  /**
   * `force` once: needed for changes D5 saved first and for submodules proven
   * clean and pushed. Never twice, which would also remove a locked worktree
   * without the user's choice.
   */
  async removeWorktree(repo: string, worktreePath: string, force: boolean): Promise<void> {
    await this.ok(repo, ['worktree', 'remove', ...(force ? ['--force'] : []), '--', worktreePath], { timeoutMs: TREE_DEADLINE_MS });
  }

  /** Only on the user's explicit choice (D5). */
  async unlockWorktree(repo: string, worktreePath: string): Promise<void> {
    await this.ok(repo, ['worktree', 'unlock', '--', worktreePath]);
  }

  async pruneWorktrees(repo: string): Promise<void> {
    await this.ok(repo, ['worktree', 'prune']);
  }

  /** D1/D5: what removing the worktree would lose, and what stands in the way; changes nothing. */
  async inspect(worktree: string): Promise<WorktreeWork> {
    return inspectWorktree(this.calls, worktree, await this.gitDir(worktree));
  }

  /** D1: every uncommitted change, untracked files included; ignored files are not changes. */
  async dirtyFiles(worktree: string): Promise<string[]> {
    const out = await this.ok(worktree, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=none']);
    return parseStatusPorcelain(out).map((e) => e.path);
  }

  /**
   * Changed files and lines against HEAD, untracked files included (as D1
   * lists them): each counts as a changed file and its lines as insertions.
   */
  async changeStats(worktree: string): Promise<ShortStat> {
    const [diff, others] = await Promise.all([
      this.ok(worktree, ['diff', '--shortstat', 'HEAD']),
      this.ok(worktree, ['ls-files', '-z', '--others', '--exclude-standard']),
    ]);
    const stats = parseShortStat(diff);
    const untracked = others.split('\0').filter(Boolean);
    if (!untracked.length) return stats;
    return { files: stats.files + untracked.length, insertions: stats.insertions + (await countLines(worktree, untracked)), deletions: stats.deletions };
  }

  /** D6 in one process where possible: whether `branch` is merged into `base`, not merged, or gone. */
  async mergeState(repo: string, branch: string, base: string): Promise<'merged' | 'unmerged' | 'missing'> {
    const r = await this.git(repo, ['merge-base', '--is-ancestor', `refs/heads/${branch}`, base], { answers: 1 });
    if (r.exitCode === 0) return 'merged';
    if (r.exitCode === 1) return 'unmerged';
    // A missing branch or a missing base: only the branch's existence decides what to report.
    return (await this.localBranchExists(repo, branch)) ? 'unmerged' : 'missing';
  }

  async deleteBranch(repo: string, branch: string): Promise<void> {
    await this.ok(repo, ['branch', '-D', '--', branch]);
  }

  /**
   * Whether `worktree` is a linked worktree of `repo`, read from the files git
   * itself uses (`<worktree>/.git` → its git dir → `commondir`), without a
   * process; falls back to `git worktree list` for layouts it does not know.
   */
  async isWorktreeOf(repo: string, worktree: string): Promise<boolean> {
    try {
      const gitDir = linkedGitDir(worktree);
      const commonOfRepo = path.join(repo, '.git');
      if (gitDir && fs.statSync(commonOfRepo).isDirectory()) {
        const common = path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
        const back = path.dirname(path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'gitdir'), 'utf8').trim()));
        return fs.realpathSync(common) === fs.realpathSync(commonOfRepo) && fs.realpathSync(back) === fs.realpathSync(worktree);
      }
    } catch {
      // Not a linked worktree in the usual layout (or not one at all): let git answer.
    }
    const resolved = fs.existsSync(worktree) ? fs.realpathSync(worktree) : path.resolve(worktree);
    return (await this.worktrees(repo)).some((e) => e.path === worktree || e.path === resolved);
  }

  /** The private git folder of a linked worktree (`.git/worktrees/<name>`). */
  async gitDir(worktree: string): Promise<string> {
    // A linked worktree names its git folder in its `.git` file: no process needed.
    // A main worktree (`.git` is a folder) or an unusual layout: ask git.
    return linkedGitDir(worktree) ?? (await this.ok(worktree, ['rev-parse', '--path-format=absolute', '--git-dir'])).trim();
  }

  /** D5: see saveWork in git/save.ts. */
  async saveChanges(worktree: string, req: SaveRequest): Promise<SavedChanges> {
    return saveWork(this.calls, worktree, await this.gitDir(worktree), req);
  }

  /** Files git ignores in the main worktree that match the copyFiles patterns. */
  async ignoredFilesMatching(repo: string, patterns: readonly string[]): Promise<string[]> {
    if (!patterns.length) return [];
    const specs = patterns.map((p) => `:(glob)${p}`);
    const out = await this.ok(repo, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...specs]);
    return out.split('\0').filter(Boolean);
  }

  /** §9: ignored files that the gitignore-syntax patterns of `includeFile` (a `.worktreeinclude`) also match. */
  async ignoredFilesIncluded(repo: string, includeFile: string): Promise<string[]> {
    const list = async (args: string[]) => (await this.ok(repo, ['ls-files', '-z', '--others', '--ignored', ...args])).split('\0').filter(Boolean);
    const [included, ignored] = await Promise.all([list([`--exclude-from=${includeFile}`]), list(['--exclude-standard'])]);
    const isIgnored = new Set(ignored);
    return included.filter((f) => isIgnored.has(f));
  }
}

/**
 * The private git folder a linked worktree names in its `.git` file, when that
 * folder exists; undefined for a main worktree, a broken link or no worktree.
 * The one reader of that file.
 */
export function linkedGitDir(worktree: string): string | undefined {
  try {
    const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(path.join(worktree, '.git'), 'utf8'));
    if (!m) return undefined;
    const dir = path.resolve(worktree, m[1].trim());
    return fs.statSync(dir).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Reading untracked files to count their lines stops here: the count is for a row's description. */
const LINE_COUNT_BUDGET_BYTES = 4 * 1024 * 1024;

/** Lines of text files as `git diff` counts them (binary files have none); files past the budget are not read. */
async function countLines(dir: string, files: readonly string[]): Promise<number> {
  let budget = LINE_COUNT_BUDGET_BYTES;
  let lines = 0;
  for (const f of files) {
    try {
      const file = path.join(dir, f);
      // A FIFO would never end a read; a link's target may be anywhere.
      const st = await fs.promises.lstat(file);
      if (!st.isFile()) continue;
      if (st.size > budget) break;
      budget -= st.size;
      const data = await fs.promises.readFile(file);
      if (!data.length || data.subarray(0, 8000).includes(0)) continue;
      let n = 0;
      for (const byte of data) if (byte === 10) n++;
      lines += data[data.length - 1] === 10 ? n : n + 1;
    } catch {
      // Gone since the listing, or not a regular file: nothing to count.
    }
  }
  return lines;
}
