import fs from 'node:fs';
import path from 'node:path';
import type { Exec, ExecResult } from './exec';
import {
  branchNamePrecheck,
  parseRefList,
  parseShortStat,
  parseStatusPorcelain,
  parseWorktreeList,
  type ShortStat,
  type WorktreeEntry,
} from './gitParse';
import { UserError } from './model';

export class GitError extends Error {
  constructor(readonly args: readonly string[], readonly result: ExecResult) {
    super(`git ${args[0] === '-C' ? args.slice(2).join(' ') : args.join(' ')} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ') || `exit ${result.exitCode}`}`);
    this.name = 'GitError';
  }
}

export interface SavedChanges {
  /** The ref that keeps the changes: restore with `git checkout <ref> -- .` or `git stash apply <commit>`. */
  ref: string;
  commit: string;
  /** A patch of the same changes (`git apply --binary <file>`). */
  patchFile: string;
  files: string[];
}

const SAVE_IDENTITY = {
  GIT_AUTHOR_NAME: 'Worktree Sessions',
  GIT_AUTHOR_EMAIL: 'worktree-sessions@localhost',
  GIT_COMMITTER_NAME: 'Worktree Sessions',
  GIT_COMMITTER_EMAIL: 'worktree-sessions@localhost',
};

/** The git commands the lifecycle needs, each an argv array through the one exec adapter. */
export class Git {
  constructor(private readonly exec: Exec, private readonly gitPath = 'git') {}

  private async git(cwd: string, args: readonly string[], options: { signal?: AbortSignal; env?: Record<string, string> } = {}): Promise<ExecResult> {
    const r = await this.exec.run(this.gitPath, ['-C', cwd, ...args], { signal: options.signal, extraEnv: options.env });
    if (r.spawnError) throw new UserError(`git could not be started (${r.spawnError}). Install git and make sure it is on PATH.`);
    return r;
  }

  private async ok(cwd: string, args: readonly string[], options: { signal?: AbortSignal; env?: Record<string, string> } = {}): Promise<string> {
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
    const r = await this.git(repo, ['check-ref-format', '--branch', name]);
    if (r.exitCode !== 0) return `"${name}" is not a valid branch name (git check-ref-format).`;
    return undefined;
  }

  async localBranches(repo: string): Promise<string[]> {
    return parseRefList(await this.ok(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/heads']));
  }

  async remoteBranches(repo: string): Promise<string[]> {
    return parseRefList(await this.ok(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/remotes']));
  }

  async refExists(repo: string, ref: string): Promise<boolean> {
    if (ref.startsWith('-')) return false;
    const r = await this.git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    return r.exitCode === 0;
  }

  async localBranchExists(repo: string, branch: string): Promise<boolean> {
    const r = await this.git(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
    return r.exitCode === 0;
  }

  /** The branch checked out in the main worktree: the default base for new branches. */
  async currentBranch(worktree: string): Promise<string | undefined> {
    const r = await this.git(worktree, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
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
    await this.ok(repo, args, { signal });
  }

  async removeWorktree(repo: string, worktreePath: string, force: boolean): Promise<void> {
    // Twice --force also removes a locked worktree; we only pass it after D5 saved the changes.
    await this.ok(repo, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), '--', worktreePath]);
  }

  async pruneWorktrees(repo: string): Promise<void> {
    await this.ok(repo, ['worktree', 'prune']);
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
    const r = await this.git(repo, ['merge-base', '--is-ancestor', `refs/heads/${branch}`, base]);
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
      const dotGit = fs.readFileSync(path.join(worktree, '.git'), 'utf8');
      const m = /^gitdir:\s*(.+)$/m.exec(dotGit);
      const commonOfRepo = path.join(repo, '.git');
      if (m && fs.statSync(commonOfRepo).isDirectory()) {
        const gitDir = path.resolve(worktree, m[1].trim());
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
    try {
      const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(path.join(worktree, '.git'), 'utf8'));
      if (m) {
        const dir = path.resolve(worktree, m[1].trim());
        if (fs.statSync(dir).isDirectory()) return dir;
      }
    } catch {
      // A main worktree (`.git` is a folder) or an unusual layout: ask git.
    }
    return (await this.ok(worktree, ['rev-parse', '--path-format=absolute', '--git-dir'])).trim();
  }

  /**
   * D5: saves every uncommitted change (tracked and untracked) as a commit on
   * `refs/worktree-sessions/saved/<name>` and as a patch file in `patchDir`,
   * without touching the worktree, its index or the user's stash.
   */
  async saveChanges(worktree: string, name: string, patchDir: string): Promise<SavedChanges> {
    const files = await this.dirtyFiles(worktree);
    const gitDir = await this.gitDir(worktree);
    const tmpIndex = path.join(gitDir, `wts-save-index-${process.pid}-${Date.now()}`);
    const realIndex = path.join(gitDir, 'index');
    if (fs.existsSync(realIndex)) fs.copyFileSync(realIndex, tmpIndex);
    const env = { GIT_INDEX_FILE: tmpIndex };
    try {
      await this.ok(worktree, ['add', '--all', '--', '.'], { env });
      const tree = (await this.ok(worktree, ['write-tree'], { env })).trim();
      const head = (await this.ok(worktree, ['rev-parse', '--verify', 'HEAD'])).trim();
      const commitArgs = ['commit-tree', tree, '-p', head, '-m', `Worktree Sessions: changes saved before deleting ${name}`];
      let made = await this.git(worktree, commitArgs);
      if (made.exitCode !== 0 && /tell me who you are|unable to auto-detect|empty ident/i.test(made.stderr)) {
        // Saving must not fail for want of a configured identity.
        made = await this.git(worktree, commitArgs, { env: SAVE_IDENTITY });
      }
      if (made.exitCode !== 0) throw new GitError(['-C', worktree, ...commitArgs], made);
      const commit = made.stdout.trim();
      const ref = `refs/worktree-sessions/saved/${name}`;
      await this.ok(worktree, ['update-ref', '-m', 'worktree-sessions: save before delete', ref, commit]);
      fs.mkdirSync(patchDir, { recursive: true });
      const patchFile = path.join(patchDir, `${name.replace(/\//g, '-')}.patch`);
      const patch = await this.ok(worktree, ['diff', '--binary', '--full-index', head, commit]);
      fs.writeFileSync(patchFile, patch);
      return { ref, commit, patchFile, files };
    } finally {
      fs.rmSync(tmpIndex, { force: true });
    }
  }

  /** Files git ignores in the main worktree that match the copyFiles patterns. */
  async ignoredFilesMatching(repo: string, patterns: readonly string[]): Promise<string[]> {
    if (!patterns.length) return [];
    const specs = patterns.map((p) => `:(glob)${p}`);
    const out = await this.ok(repo, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...specs]);
    return out.split('\0').filter(Boolean);
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
