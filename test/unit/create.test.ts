// C1–C4 in detail: where worktrees go, which branch and base a create uses, what
// reopening and retrying do in each state, and the setup steps as recorded —
// progress, outcomes, failures, cancellation and what a failure leaves behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LifecycleContext } from '../../src/core/lifecycle/context';
import { worktreeRoot } from '../../src/core/lifecycle/create';
import type { CreateRequest } from '../../src/core/lifecycle';
import { UserError } from '../../src/core/model';
import { HookedGit, InterceptingStore } from '../support/faults';
import { git, makeCore, makeRepo, rebuildLifecycle, rejects, runCleanups, tempDir, tmux, tmuxSessions, type TestCore } from '../support/fixtures';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A repository cloned from an origin that has the given branches (besides main). */
function cloneWith(branches: string[]): string {
  const origin = makeRepo({ name: 'origin' });
  for (const b of branches) git(origin, 'branch', b);
  const parent = tempDir();
  git(parent, 'clone', '-q', origin, path.join(parent, 'clone'));
  return path.join(parent, 'clone');
}

function commit(repo: string, file: string): string {
  fs.writeFileSync(path.join(repo, file), `${file}\n`);
  git(repo, 'add', file);
  git(repo, 'commit', '-q', '-m', file);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

const events = (core: TestCore, id: string) => core.store.events(id).map((e) => `${e.step}:${e.outcome}${e.message ? `: ${e.message}` : ''}`);

describe('creating workspaces (C1–C4)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  describe('where worktrees go', () => {
    async function rootFor(setting: string, env: NodeJS.ProcessEnv = { HOME: '/home/tester' }): Promise<string> {
      const core = await makeCore({ settings: { worktreeRoot: setting } });
      const ctx = new LifecycleContext({
        store: core.store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger, savedChangesDir: core.storageDir, env,
      });
      return worktreeRoot(ctx, '/work/repo');
    }

    it('next to the repository unless set', async () => {
      assert.equal(await rootFor(''), '/work/repo.worktrees');
      assert.equal(await rootFor('   '), '/work/repo.worktrees');
    });

    it('"~" is the home folder; "~user" is refused; a "~" inside a path is just a character', async () => {
      assert.equal(await rootFor('~'), '/home/tester');
      assert.equal(await rootFor('~/worktrees'), '/home/tester/worktrees');
      assert.equal(await rootFor(' ~/worktrees '), '/home/tester/worktrees');
      await rejects(rootFor('~tester/worktrees'), /worktreeRoot \("~tester\/worktrees"\): "~user" paths are not supported/);
      assert.equal(await rootFor('/data/odd~name/~/trees'), '/data/odd~name/~/trees');
    });

    it('absolute paths are normalised; relative ones start at the repository and must leave it', async () => {
      assert.equal(await rootFor('/data/x/../trees'), '/data/trees');
      assert.equal(await rootFor('../trees'), '/work/trees');
      await rejects(rootFor('trees'), /worktreeRoot \("trees"\) is inside the repository \/work\/repo; worktrees there would show up as its untracked files/);
      await rejects(rootFor('/work/repo'), /is inside the repository/);
      // A folder whose name starts with two dots is still inside; only a whole ".." step leaves.
      await rejects(rootFor('..trees'), /worktreeRoot \("\.\.trees"\) is inside the repository/);
      await rejects(rootFor('/work/repo/..trees'), /is inside the repository/);
      assert.equal(await rootFor('/work/repo..trees'), '/work/repo..trees');
      // Without HOME, "~" is not expanded to anything.
      await rejects(rootFor('~/x', {}), /is inside the repository/);
    });
  });

  describe('what is asked for', () => {
    it('a request without a repository or a branch is refused', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      for (const req of [undefined, {}, { repoRoot: '' }, { repoRoot: 42 }]) {
        await rejects(core.lifecycle.createWorkspace(req as unknown as CreateRequest), /^Choose a repository: repoRoot is missing\.$/);
      }
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo } as CreateRequest), /^Choose a branch: branch is missing\.$/);
      assert.deepEqual(core.store.workspaces(), []);
    });

    it('C1: a remote branch by its short name gets a local branch that tracks it, nested names too', async () => {
      const core = await makeCore();
      const repo = cloneWith(['remote-only', 'feat/deep']);
      const a = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'remote-only', existingBranch: true });
      assert.deepEqual([a.branch, a.createdBranch, a.baseRef], ['remote-only', true, 'origin/remote-only']);
      assert.equal(git(a.worktreePath, 'rev-parse', '--abbrev-ref', '@{upstream}').trim(), 'origin/remote-only');
      const b = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/deep', existingBranch: true });
      assert.deepEqual([b.branch, b.createdBranch], ['feat/deep', true]);
      assert.equal(git(b.worktreePath, 'rev-parse', '--abbrev-ref', '@{upstream}').trim(), 'origin/feat/deep');
    });

    it('C1: a remote branch whose local branch exists uses that one, which we did not create', async () => {
      const core = await makeCore();
      const repo = cloneWith(['shared']);
      git(repo, 'branch', 'shared', 'origin/shared');
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'origin/shared', existingBranch: true });
      assert.deepEqual([w.branch, w.createdBranch], ['shared', false]);
    });

    it('C1: a remote branch whose local name would clash with a local branch folder is refused', async () => {
      const core = await makeCore();
      const repo = cloneWith(['clash']);
      git(repo, 'branch', 'clash/mine');
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'origin/clash', existingBranch: true }), /A branch "clash\/mine" exists, so "clash" cannot be a branch too/);
      assert.deepEqual(core.store.workspaces(), []);
    });

    it('C1: a new branch starts at the base asked for (trimmed), else the current branch, else HEAD, and never tracks it', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      git(repo, 'checkout', '-q', '-b', 'dev');
      const devCommit = commit(repo, 'dev.txt');
      const main = git(repo, 'rev-parse', 'main').trim();

      const fromMain = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/from-main', baseRef: '  main ' });
      assert.equal(fromMain.baseRef, 'main');
      assert.equal(git(fromMain.worktreePath, 'rev-parse', 'HEAD').trim(), main);
      assert.throws(() => git(fromMain.worktreePath, 'rev-parse', '--abbrev-ref', '@{upstream}'), 'a new branch does not track its base');

      const fromCurrent = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/from-dev', baseRef: '   ' });
      assert.equal(fromCurrent.baseRef, 'dev');
      assert.equal(git(fromCurrent.worktreePath, 'rev-parse', 'HEAD').trim(), devCommit);

      git(repo, 'checkout', '-q', '--detach');
      const fromHead = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/from-head' });
      assert.equal(fromHead.baseRef, 'HEAD');
      assert.equal(git(fromHead.worktreePath, 'rev-parse', 'HEAD').trim(), devCommit);
    });

    it('C1: an existing branch keeps the base asked for, else the current branch, for D6 later', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      git(repo, 'branch', 'old-a');
      git(repo, 'branch', 'old-b');
      const a = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'old-a', baseRef: ' release ' });
      assert.deepEqual([a.baseRef, a.createdBranch], ['release', false]);
      const b = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'old-b' });
      assert.deepEqual([b.baseRef, b.createdBranch], ['main', false]);
      git(repo, 'checkout', '-q', '--detach');
      git(repo, 'branch', 'old-c');
      const c = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'old-c' });
      assert.equal(c.baseRef, 'HEAD');
    });
  });

  describe('C2: one workspace per branch', () => {
    it('per repository: the same branch name in another repository is another workspace', async () => {
      const core = await makeCore();
      const one = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/same' });
      const two = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/same' });
      assert.notEqual(one.id, two.id);
      assert.equal(core.store.workspaces().length, 2);
    });

    it('a row another window wrote for the branch meanwhile wins: no second row, no worktree', async () => {
      const core = await makeCore();
      const store = new InterceptingStore(core.store);
      const lifecycle = rebuildLifecycle(core, { store });
      const repo = makeRepo();
      store.beforeWrite = () => core.store.write((tx) => tx.insertWorkspace({
        id: 'eeeeeeeeeeeeeeee', repoRoot: repo, worktreePath: path.join(`${repo}.worktrees`, 'feat-raced'), branch: 'feat/raced', baseRef: 'main',
        createdBranch: true, baseSession: 'wts-eeeeeeeeeeeeeeee', status: 'creating', opPid: process.pid, createdAt: 1, updatedAt: 1,
      }));
      await rejects(lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/raced' }), /The workspace for "feat\/raced" is being created in another window/);
      assert.deepEqual(core.store.workspaces().map((w) => w.id), ['eeeeeeeeeeeeeeee']);
      assert.equal(fs.existsSync(path.join(`${repo}.worktrees`, 'feat-raced')), false);
    });

    it('reopening a workspace being deleted, or half deleted, is refused', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/going' });
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'deletion_failed', error: 'removing the worktree: busy' }));
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/going' }), /^The workspace for "feat\/going" is being deleted \(the last attempt failed\); finish the delete first\.$/);
      await rejects(core.lifecycle.retrySetup(w.id), /^"feat\/going" is being deleted; retry the delete instead\.$/);
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'deleting' }));
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/going' }), /^The workspace for "feat\/going" is being deleted; finish the delete first\.$/);
    });

    it('reopening brings back the base terminal while other sessions run, and works without tmux', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/again' });
      const s = await core.lifecycle.launch(w.id, 'shell');
      tmux(core.socket, 'kill-session', '-t', `=${w.baseSession.name}`);
      await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/again' });
      assert.deepEqual(tmuxSessions(core.socket).sort(), [w.baseSession.name, s.name].sort());
      core.settings.tmuxPath = path.join(tempDir(), 'no-tmux-here');
      core.tmux.forgetProbe();
      const again = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/again' });
      assert.equal(again.id, w.id);
    });
  });

  describe('C3: the setup steps', () => {
    it('reports progress and records each step with its outcome', async () => {
      const core = await makeCore({ settings: { copyFiles: ['.env', 'missing.local'], setupCommand: ['sh', '-c', 'echo set up'] } });
      const repo = makeRepo({ files: { 'README.md': 'x\n', '.gitignore': '.env\n*.local\n' } });
      fs.writeFileSync(path.join(repo, '.env'), 'A=1\n');
      const progress: string[] = [];
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/steps' }, { onProgress: (m) => progress.push(m) });
      assert.deepEqual(progress, ['Creating the worktree for feat/steps…', 'Copying files…', 'Running sh -c echo set up…', 'Starting the base terminal…']);
      assert.deepEqual(events(core, w.id), [
        'worktree:ok', 'copy-files:ok: 1 file(s) copied', 'setup-command:started: sh -c echo set up', 'setup-command:ok', 'base-terminal:ok',
      ]);
    });

    it('records what was skipped and why: no patterns, no command, an untrusted workspace, no tmux', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const plain = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/plain' });
      assert.deepEqual(events(core, plain.id), ['worktree:ok', 'copy-files:skipped: no copyFiles patterns', 'setup-command:skipped: no setup command', 'base-terminal:ok']);

      core.settings.setupCommand = ['sh', '-c', 'touch ran'];
      const untrusted = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/untrusted' }, { trusted: false });
      assert.ok(events(core, untrusted.id).includes('setup-command:skipped: the workspace is not trusted, so the setup command was not run'));
      assert.equal(fs.existsSync(path.join(untrusted.worktreePath, 'ran')), false);

      core.settings.setupCommand = [];
      core.settings.tmuxPath = path.join(tempDir(), 'no-tmux-here');
      const noTmux = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/no-tmux' });
      assert.equal(noTmux.status, 'ready');
      assert.match(events(core, noTmux.id).at(-1)!, /^base-terminal:skipped: .*tmux/i);
    });

    it('counts copies and names refusals', async () => {
      const core = await makeCore({ settings: { copyFiles: ['*.local'] } });
      const repo = makeRepo({ files: { 'README.md': 'x\n', '.gitignore': '*.local\n' } });
      fs.writeFileSync(path.join(repo, 'a.local'), 'a\n');
      fs.writeFileSync(path.join(repo, 'b.local'), 'b\n');
      fs.symlinkSync(path.join(repo, 'a.local'), path.join(repo, 'link.local'));
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/copies' });
      assert.ok(events(core, w.id).includes('copy-files:ok: 2 file(s) copied; refused link.local: a symbolic link in the main worktree; only regular files are copied'), events(core, w.id).join('\n'));
    });

    it('a setup command that cannot start, or fails, is named with the end of its output', async () => {
      const core = await makeCore({ settings: { setupCommand: ['definitely-not-a-command-xyz', '--flag'] } });
      const repo = makeRepo();
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/nocmd' }), /failed at the setup-command step: The setup command: definitely-not-a-command-xyz was not found on PATH/);
      core.settings.setupCommand = ['sh', '-c', 'for i in 1 2 3 4 5 6 7; do echo line$i; done; exit 4'];
      const err = await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/fails' }), /setup-command step/);
      assert.match(err.message, /: The setup command exited with code 4: line3\nline4\nline5\nline6\nline7 Retry setup/);
      core.settings.setupCommand = ['sh', '-c', 'echo oops >&2; exit 6'];
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/stderr' }), /: The setup command exited with code 6: oops Retry setup/);
      core.settings.setupCommand = ['sh', '-c', 'exit 5'];
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/quiet' }), /: The setup command exited with code 5\. Retry setup/);
    });

    it('C3: a failed setup command is named with the lines a terminal would show: no escape remnant, overwritten progress or blank line', async () => {
      // Coloured scripts end lines with `tput sgr0` (ESC ( B ESC [ m); progress bars rewrite a line after a carriage return.
      const script = [
        'printf "\\033]0;installing\\007fetching\\n"',
        'printf "10%%\\r55%%\\r100%%\\r\\n"',
        'printf "\\033[1;31mbuild failed\\033(B\\033[m\\n"',
        'printf "\\033(B\\033[m\\n   \\n\\t\\n" >&2',
        'exit 3',
      ].join('; ');
      const core = await makeCore({ settings: { setupCommand: ['sh', '-c', script] } });
      const repo = makeRepo();
      const err = await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/colours' }), /setup-command step/);
      assert.match(err.message, /: The setup command exited with code 3: fetching\n100%\nbuild failed Retry setup/);
      assert.equal(core.store.workspaces()[0].error, 'setup-command: The setup command exited with code 3: fetching\n100%\nbuild failed');
      // A long line is cut at 160 characters without a space before the ellipsis.
      core.settings.setupCommand = ['sh', '-c', `echo "${'x'.repeat(158)} tail of a long line"; exit 4`];
      const long = await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/long' }), /setup-command step/);
      assert.match(long.message, new RegExp(`code 4: ${'x'.repeat(158)}… Retry setup`));
    });

    it('cancelling stops at the next step and says so; a new worktree cancelled before it existed leaves nothing', async () => {
      const core = await makeCore({ settings: { copyFiles: ['*.local'], setupCommand: ['sleep', '30'] } });
      const repo = makeRepo();
      const cancelOn = (message: string) => {
        const abort = new AbortController();
        return { signal: abort.signal, onProgress: (m: string) => m.startsWith(message) && abort.abort() };
      };
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/cancel-copy' }, cancelOn('Copying files')), /failed at the copy-files step: Setup was cancelled\./);
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/cancel-setup' }, cancelOn('Running sleep 30')), /failed at the setup-command step: Setup was cancelled\./);
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/cancel-early' }, cancelOn('Creating the worktree')), /^Could not create the worktree for "feat\/cancel-early": Setup was cancelled\. Nothing was changed\.$/);
      assert.deepEqual(core.store.workspaces().map((w) => [w.branch, w.status, w.error]).sort(), [
        ['feat/cancel-copy', 'error', 'copy-files: Setup was cancelled.'],
        ['feat/cancel-setup', 'error', 'setup-command: Setup was cancelled.'],
      ]);
      assert.equal(git(repo, 'branch', '--list', 'feat/cancel-early').trim(), '');
    });

    it('a failed create of an existing branch leaves that branch alone; a new branch that moved meanwhile is kept too', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const repo = makeRepo();
      git(repo, 'branch', 'theirs');
      hooked.beforeAdd = async () => {
        throw new Error('disk full');
      };
      await rejects(lifecycle.createWorkspace({ repoRoot: repo, branch: 'theirs' }), /^Could not create the worktree for "theirs": disk full Nothing was changed\.$/);
      assert.equal(git(repo, 'branch', '--list', 'theirs').trim(), 'theirs');
      // Someone made the branch, with work on it, just before git failed.
      hooked.beforeAdd = async () => {
        git(repo, 'branch', 'feat/moved', 'main');
        const wt = path.join(tempDir(), 'moved');
        git(repo, 'worktree', 'add', '-q', wt, 'feat/moved');
        commit(wt, 'work.txt');
        git(repo, 'worktree', 'remove', wt);
        throw new Error('disk full');
      };
      await rejects(lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/moved' }), /Nothing was changed/);
      assert.equal(git(repo, 'branch', '--list', 'feat/moved').trim(), 'feat/moved', 'a branch holding more than its start point stays');
      assert.deepEqual(core.store.workspaces(), []);
    });

    it('when undoing a failed create fails too, the workspace stays, in error, for a retry or a delete', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      hooked.beforeAdd = async () => {
        throw new Error('disk full');
      };
      const faulty = Object.create(hooked) as HookedGit;
      faulty.localBranchExists = async () => {
        throw new Error('git is gone');
      };
      const lifecycle = rebuildLifecycle(core, { git: faulty });
      await rejects(lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/stuck' }), /^Setting up "feat\/stuck" failed at the worktree step: disk full Retry setup or delete the workspace\.$/);
      assert.deepEqual(core.store.workspaces().map((w) => [w.status, w.error]), [['error', 'worktree: disk full']]);
    });
  });

  describe('retry', () => {
    it('C3: a retry marks the row as being made by this window, and a failed retry never forgets the workspace', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const repo = makeRepo();
      const w = await lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/retry' });
      fs.rmSync(w.worktreePath, { recursive: true });
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'error', error: 'worktree: earlier failure' }));
      let during: unknown;
      hooked.beforeAdd = async () => {
        core.store.refresh();
        const row = core.store.workspace(w.id)!;
        during = { status: row.status, error: row.error, opPid: row.opPid };
        throw new Error('disk full');
      };
      await rejects(lifecycle.retrySetup(w.id), /^Setting up "feat\/retry" failed at the worktree step: disk full Retry setup or delete the workspace\.$/);
      assert.deepEqual(during, { status: 'creating', error: undefined, opPid: process.pid });
      core.store.refresh();
      assert.deepEqual([core.store.workspace(w.id)?.status, core.store.workspace(w.id)?.error], ['error', 'worktree: disk full']);
    });

    it('R4: recreating a worktree whose branch is gone too makes the branch again from its base', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/both-gone' });
      git(repo, 'worktree', 'remove', '--force', w.worktreePath);
      git(repo, 'branch', '-D', 'feat/both-gone');
      const again = await core.lifecycle.retrySetup(w.id);
      assert.equal(again.status, 'ready');
      assert.equal(git(w.worktreePath, 'rev-parse', '--abbrev-ref', 'HEAD').trim(), 'feat/both-gone');
      assert.equal(git(w.worktreePath, 'rev-parse', 'HEAD').trim(), git(repo, 'rev-parse', 'main').trim());
    });

    it('R1: a create left by a window that is gone can be retried before any reconcile', async () => {
      const core = await makeCore();
      const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/orphaned' });
      const dead = spawn('true');
      await new Promise((r) => dead.on('exit', r));
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'creating', opPid: dead.pid }));
      assert.equal((await core.lifecycle.retrySetup(w.id)).status, 'ready');
    });
  });

  describe('the base terminal', () => {
    it('opens for a ready or failed workspace with its folder; not while it is made or deleted, nor when its folder is gone', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/terminal' });
      tmux(core.socket, 'kill-session', '-t', `=${w.baseSession.name}`);
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'error', error: 'setup-command: exit 1' }));
      assert.equal(await core.lifecycle.ensureBaseSession(w.id), w.baseSession.name);
      assert.deepEqual(tmuxSessions(core.socket), [w.baseSession.name]);
      for (const status of ['creating', 'deleting', 'deletion_failed'] as const) {
        await core.store.write((tx) => tx.updateWorkspace(w.id, { status }));
        await rejects(core.lifecycle.ensureBaseSession(w.id), new RegExp(`^"feat/terminal" is ${status}; its terminal cannot be opened now\\.$`));
      }
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'ready' }));
      fs.rmSync(w.worktreePath, { recursive: true });
      const err = await rejects(core.lifecycle.ensureBaseSession(w.id), new RegExp(`^The worktree ${escape(w.worktreePath)} is missing\\. Recreate it or forget the workspace\\.$`));
      assert.ok(err instanceof UserError);
    });
  });
});
