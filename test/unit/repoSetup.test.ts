// §9 setup from the repository, part by part: approvals, the command lines an
// approval shows, the workspace's variables, the repository's commands and how
// their failures read, and the shared-folder links (never out of either tree).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LifecycleContext } from '../../src/core/lifecycle/context';
import {
  commandLines, isApproved, linkSharedFolders, listApprovals, ourLinks, recordLinks, revokeApproval, runRepoCommand, setupProcessRecorder, workspaceEnv,
} from '../../src/core/lifecycle/repoSetup';
import type { WorkspaceRecord } from '../../src/core/model';
import type { LoadedRepoConfig, RepoConfig } from '../../src/core/repoConfig';
import type { StoreTx } from '../../src/core/store';
import { makeCore, runCleanups, tempDir, testEnv, type TestCore } from '../support/fixtures';

const workspace = (worktreePath = '/trees/feat', ports?: { first: number; count: number }): WorkspaceRecord => ({
  id: 'aaaaaaaaaaaaaaaa', repoRoot: '/repo', worktreePath, branch: 'feat/x', baseRef: 'main', createdBranch: true,
  baseSession: 'wts-aaaaaaaaaaaaaaaa', status: 'creating', createdAt: 1, updatedAt: 1, ...(ports ? { ports } : {}),
});

const loaded = (config: Partial<RepoConfig>): LoadedRepoConfig => ({
  file: '/repo/.worktree-sessions.json', hash: 'h1',
  config: { copy: [], symlink: [], setup: [], teardown: [], ports: 0, env: {}, launch: [], ...config },
});

function contextOf(core: TestCore): LifecycleContext {
  return new LifecycleContext({
    store: core.store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger,
    savedChangesDir: path.join(core.storageDir, 'saved-changes'), storageDir: core.storageDir, env: testEnv(),
  });
}

describe('setup from the repository, part by part (§9)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  describe('approvals', () => {
    it('§9: an approval file that is not a record of approvals counts as none', () => {
      const dir = tempDir();
      for (const text of ['[]', 'null', '"text"', '42', '{ half']) {
        fs.writeFileSync(path.join(dir, 'repository-approvals.json'), text);
        assert.deepEqual(listApprovals(dir), [], text);
        assert.equal(isApproved(dir, '/repo', 'h1'), false, text);
      }
    });

    it('§9: revoking what was never approved changes nothing and says so', () => {
      const dir = tempDir();
      const record = { '/repo': { repoRoot: '/repo', hash: 'h1', approvedAt: 1, commands: ['setup: make'] } };
      fs.writeFileSync(path.join(dir, 'repository-approvals.json'), JSON.stringify(record));
      const before = fs.statSync(path.join(dir, 'repository-approvals.json')).mtimeMs;
      assert.equal(revokeApproval(dir, '/other'), false);
      assert.equal(fs.statSync(path.join(dir, 'repository-approvals.json')).mtimeMs, before);
      assert.equal(isApproved(dir, '/repo', 'h1'), true);
      assert.equal(isApproved(dir, '/repo', 'h2'), false, 'another content is not approved');
      assert.equal(revokeApproval(dir, '/repo'), true);
      assert.equal(isApproved(dir, '/repo', 'h1'), false);
      // The file is the user's alone: it may name commands of their repositories.
      assert.equal(fs.statSync(path.join(dir, 'repository-approvals.json')).mode & 0o777, 0o600);
    });

    it('§9: the lines an approval shows: setup, teardown, launches on create (only those) and env', () => {
      assert.deepEqual(commandLines(loaded({
        setup: ['make setup', ['npm', 'ci']], teardown: ['make clean'],
        launch: [{ target: 'claude', onCreate: true }, { target: 'shell', onCreate: false }],
        env: { API: 'http://localhost:${WTS_PORT}' },
      })), ['setup: make setup', 'setup: npm ci', 'teardown: make clean', 'launch on create: claude', 'env: API=http://localhost:${WTS_PORT}']);
    });
  });

  describe('the workspace\'s variables', () => {
    it('§9: every session and command sees WTS_*; the ports only when it has a block; the file\'s env only when approved, and never over WTS_*', () => {
      const config = loaded({ env: { APP: 'http://127.0.0.1:${WTS_PORT}/${WTS_BRANCH}', WTS_BRANCH: 'spoofed' } });
      const own = { WTS_WORKSPACE_ID: 'aaaaaaaaaaaaaaaa', WTS_BRANCH: 'feat/x', WTS_WORKTREE: '/trees/feat', WTS_REPO: '/repo' };
      assert.deepEqual(workspaceEnv(workspace(), config, false), own);
      assert.deepEqual(workspaceEnv(workspace(), undefined, true), own);
      assert.deepEqual(workspaceEnv(workspace('/trees/feat', { first: 47000, count: 2 }), config, true), {
        ...own, WTS_PORT: '47000', WTS_PORT_COUNT: '2', APP: 'http://127.0.0.1:47000/feat/x',
      });
    });
  });

  describe('the repository\'s commands', () => {
    it('§9: a failed command is named with what happened: its exit code, a cancel, a program that cannot run; its output is kept', async () => {
      const core = await makeCore();
      const ctx = contextOf(core);
      const w = workspace(tempDir());
      assert.equal(await runRepoCommand(ctx, w, ['sh', '-c', 'exit 0'], {}, {}), undefined);
      const failed = await runRepoCommand(ctx, w, 'echo out; echo err >&2; exit 3', {}, {});
      assert.deepEqual({ ...failed, output: failed!.output.split('\n').filter(Boolean) }, { command: 'echo out; echo err >&2; exit 3', message: '"echo out; echo err >&2; exit 3" exited with code 3', output: ['out', 'err'] });
      const abort = new AbortController();
      const cancelled = runRepoCommand(ctx, w, ['sleep', '30'], {}, { signal: abort.signal, onSpawn: () => setTimeout(() => abort.abort(), 100) });
      assert.equal((await cancelled)!.message, '"sleep 30" was cancelled');
      const missing = await runRepoCommand(ctx, w, ['definitely-not-a-command-xyz'], {}, {});
      assert.match(missing!.message, /^"definitely-not-a-command-xyz" could not run: /);
      // It runs in the worktree, with the variables given.
      const out = await runRepoCommand(ctx, w, ['sh', '-c', 'echo "$PWD $WTS_BRANCH"; exit 1'], { WTS_BRANCH: 'feat/x' }, {});
      assert.equal(out!.output, `${fs.realpathSync(w.worktreePath)} feat/x`);
    });

    it('§9: a command that outlives the setup deadline is stopped and named with the setting', async () => {
      const core = await makeCore({ settings: { setupTimeoutMinutes: 0.01 } });
      const failure = await runRepoCommand(contextOf(core), workspace(tempDir()), ['sleep', '30'], {}, {});
      assert.equal(failure!.message, '"sleep 30" did not finish within 0.01 min (worktreeSessions.setupTimeoutMinutes) and was stopped with everything it started');
    });

    it('issue 8: a running repository command is recorded as the setup process, pid and start time, once it has one', async () => {
      const written: Array<Partial<WorkspaceRecord>> = [];
      const recorder = setupProcessRecorder(workspace(), async (fn) => {
        fn({ updateWorkspace: (_id: string, patch: Partial<WorkspaceRecord>) => written.push(patch) } as unknown as StoreTx);
      });
      await recorder.done();
      assert.equal(written.length, 0, 'nothing before the command started');
      recorder.onSpawn(process.pid);
      await recorder.done();
      assert.equal(written.length, 1);
      assert.match(written[0].setupProcess!, new RegExp(`^${process.pid}:\\d+$`));
      // A pid that is gone is not recorded.
      recorder.onSpawn(2 ** 22 + 12345);
      await recorder.done();
      assert.equal(written.length, 1);
    });
  });

  describe('shared folders (symlink)', () => {
    function trees() {
      const parent = tempDir();
      const repo = path.join(parent, 'repo');
      const wt = path.join(parent, 'wt');
      fs.mkdirSync(path.join(repo, 'node_modules', 'pkg'), { recursive: true });
      fs.mkdirSync(path.join(repo, 'packages', 'a', 'node_modules'), { recursive: true });
      fs.mkdirSync(path.join(repo, 'packages', 'b', 'node_modules'), { recursive: true });
      fs.mkdirSync(path.join(repo, 'packages', 'cc', 'node_modules'), { recursive: true });
      fs.mkdirSync(path.join(repo, '.git', 'hooks'), { recursive: true });
      fs.mkdirSync(wt);
      return { parent, repo, wt };
    }
    const linkOf = (p: string) => fs.readlinkSync(p);

    it('§9: a glob matches within one folder level (* and ?), "." and empty steps are nothing, .git never; each match becomes a link to the main worktree', () => {
      const { repo, wt } = trees();
      const real = fs.realpathSync(repo);
      const { linked, refused } = linkSharedFolders(repo, wt, ['./node_modules', 'packages/?/node_modules', '.git/hooks', '*', 'nothing-here']);
      assert.deepEqual(refused, []);
      assert.deepEqual(linked, ['node_modules', 'packages/a/node_modules', 'packages/b/node_modules']);
      assert.equal(linkOf(path.join(wt, 'node_modules')), path.join(real, 'node_modules'));
      assert.equal(linkOf(path.join(wt, 'packages/a/node_modules')), path.join(real, 'packages/a/node_modules'));
      assert.ok(!fs.existsSync(path.join(wt, 'packages/cc')), '"?" is one character');
      assert.ok(!fs.existsSync(path.join(wt, '.git')), '.git is never linked');
      // "*" matched node_modules (already linked, so kept) and packages (a folder the worktree has now): neither is replaced.
      assert.ok(fs.lstatSync(path.join(wt, 'packages')).isDirectory());
    });

    it('§9: a glob that leads outside, a broken link, a match that resolves outside and a destination folder that is a link are refused', () => {
      const { parent, repo, wt } = trees();
      const outside = path.join(parent, 'outside');
      fs.mkdirSync(outside);
      fs.symlinkSync(outside, path.join(repo, 'escape'));
      fs.symlinkSync(path.join(parent, 'nowhere'), path.join(repo, 'broken'));
      fs.symlinkSync(outside, path.join(wt, 'packages'));
      const { linked, refused } = linkSharedFolders(repo, wt, ['../outside', '/etc', 'a/../../x', 'escape', 'broken', 'packages/a/node_modules']);
      assert.deepEqual(linked, []);
      assert.deepEqual(refused, [
        '../outside: leads outside the repository',
        '/etc: leads outside the repository',
        'a/../../x: leads outside the repository',
        'escape: resolves outside the repository',
        'broken: a broken link in the main worktree',
        'packages/a/node_modules: its folder packages in the new worktree is a symbolic link',
      ]);
      assert.deepEqual(fs.readdirSync(outside), []);
    });

    it('§9: the links made are recorded; only those still as made are ours (a replaced link, or a path out of the worktree, is not)', () => {
      const { repo, wt } = trees();
      const gitDir = path.join(tempDir(), 'gitdir');
      fs.mkdirSync(gitDir);
      assert.deepEqual(ourLinks(wt, undefined), []);
      assert.deepEqual(ourLinks(wt, gitDir), [], 'no record yet');
      const first = linkSharedFolders(repo, wt, ['node_modules']);
      recordLinks(gitDir, wt, first.linked);
      const second = linkSharedFolders(repo, wt, ['packages/*/node_modules']);
      recordLinks(gitDir, wt, second.linked);
      assert.deepEqual(ourLinks(wt, gitDir), ['node_modules', 'packages/a/node_modules', 'packages/b/node_modules', 'packages/cc/node_modules']);
      fs.unlinkSync(path.join(wt, 'packages/b/node_modules'));
      fs.symlinkSync(path.join(repo, 'node_modules'), path.join(wt, 'packages/b/node_modules'));
      fs.rmSync(path.join(wt, 'packages/cc/node_modules'));
      const record = JSON.parse(fs.readFileSync(path.join(gitDir, 'worktree-sessions-links.json'), 'utf8')) as Record<string, string>;
      fs.writeFileSync(path.join(gitDir, 'worktree-sessions-links.json'), JSON.stringify({ ...record, '../up': record.node_modules, '/abs': record.node_modules }));
      assert.deepEqual(ourLinks(wt, gitDir), ['node_modules', 'packages/a/node_modules']);
    });
  });
});
