// Issue 11 / SPEC §9: setup defined by the repository. Real git, real tmux on a
// private socket, real files; the approval dialog is the only stand-in (a
// function that answers and counts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ApprovalRequest } from '../../src/core/lifecycle/types';
import { listApprovals, revokeApproval } from '../../src/core/lifecycle/repoSetup';
import { parseRepoConfig, REPO_CONFIG_FILE } from '../../src/core/repoConfig';
import type { StoreTx, WorkspaceStore } from '../../src/core/store';
import { git, makeCore, makeRepo, projectRoot, rebuildLifecycle, rejects, runCleanups, tempDir, waitFor } from '../support/fixtures';

const CONFIG = REPO_CONFIG_FILE;

/** The user's answer to the approval dialog, and what it was shown. */
class Approver {
  readonly asked: ApprovalRequest[] = [];
  constructor(private readonly answer: boolean) {}
  readonly approve = (r: ApprovalRequest) => {
    this.asked.push(r);
    return Promise.resolve(this.answer);
  };
}

function repoWith(config: unknown, extra: Record<string, string> = {}): string {
  return makeRepo({ files: { 'README.md': 'x\n', '.gitignore': '*.local\nnode_modules/\n*.out\n', [CONFIG]: JSON.stringify(config, null, 2), ...extra } });
}

/**
 * A window that has not yet seen another window's port reservation: its
 * in-memory view lacks the blocks, as between that write and the file watch.
 * Only the write that reserves a block can then keep two windows apart.
 */
class LateToSeePorts implements WorkspaceStore {
  constructor(private readonly inner: WorkspaceStore) {}
  get file() { return this.inner.file; }
  get onDidChangeExternally() { return this.inner.onDidChangeExternally; }
  get onDidRecover() { return this.inner.onDidRecover; }
  workspaces() { return this.inner.workspaces().map(({ ports: _unseen, ...w }) => w); }
  workspace(id: string) { return this.inner.workspace(id); }
  sessions(workspaceId?: string) { return this.inner.sessions(workspaceId); }
  events(workspaceId: string) { return this.inner.events(workspaceId); }
  refresh() { return this.inner.refresh(); }
  write<T>(fn: (tx: StoreTx) => T) { return this.inner.write(fn); }
  dispose() { this.inner.dispose(); }
}

const branches = (repo: string) => git(repo, 'branch', '--format=%(refname:short)').trim().split('\n').sort();

describe('setup from the repository (issue 11, SPEC §9)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  describe('the file is checked whole, and a bad one names the key', () => {
    it('accepts every key of §9', () => {
      const c = parseRepoConfig({
        copy: ['.env'], symlink: ['node_modules'], setup: [['npm', 'ci'], 'npm run build'], teardown: ['docker compose down'],
        ports: 3, env: { API_URL: 'http://localhost:${WTS_PORT}' }, launch: [{ target: 'claude', onCreate: true }, { target: 'shell' }],
      });
      assert.deepEqual(c.setup, [['npm', 'ci'], 'npm run build']);
      assert.equal(c.ports, 3);
      assert.deepEqual(c.launch, [{ target: 'claude', onCreate: true }, { target: 'shell', onCreate: false }]);
    });

    const cases: [string, unknown, RegExp][] = [
      ['an unknown key', { copy: [], setupp: [] }, /"setupp" is not a key of this file/],
      ['copy not a list', { copy: '.env' }, /"copy" must be a list/],
      ['a copy glob leading outside', { copy: ['../secrets/*'] }, /"copy" has "\.\.\/secrets\/\*", which leads outside the repository/],
      ['an absolute symlink glob', { symlink: ['/etc'] }, /"symlink" has "\/etc", which leads outside/],
      ['a setup command that is a number', { setup: [42] }, /"setup" must be a list of commands/],
      ['an empty argv', { teardown: [[]] }, /"teardown" must be a list of commands/],
      ['ports negative', { ports: -1 }, /"ports" must be a whole number/],
      ['ports fractional', { ports: 1.5 }, /"ports" must be a whole number/],
      ['an env value not a string', { env: { PORT: 3000 } }, /"env\.PORT" must be a string/],
      ['an env name of ours', { env: { WTS_PORT: '1' } }, /"env\.WTS_PORT" uses the WTS_ prefix/],
      ['a launch entry without target', { launch: [{ onCreate: true }] }, /"launch\[0\]\.target" must be a launch target key/],
      ['a launch entry with an unknown key', { launch: [{ target: 'shell', when: 'x' }] }, /"launch\[0\]\.when" is not a key of a launch entry/],
      ['onCreate not a boolean', { launch: [{ target: 'shell', onCreate: 'yes' }] }, /"launch\[0\]\.onCreate" must be true or false/],
    ];
    for (const [what, raw, re] of cases) {
      it(`refuses ${what}`, () => assert.throws(() => parseRepoConfig(raw), re));
    }

    it('the JSON schema contributed for the file knows exactly the same keys, and is shipped', () => {
      const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { contributes: { jsonValidation: { fileMatch: string; url: string }[] } };
      const entry = manifest.contributes.jsonValidation.find((j) => j.fileMatch === CONFIG);
      assert.ok(entry, 'package.json contributes a schema for the file');
      const schema = JSON.parse(fs.readFileSync(path.join(projectRoot, entry.url), 'utf8')) as { properties: Record<string, unknown>; additionalProperties: boolean };
      assert.deepEqual(Object.keys(schema.properties).sort(), ['copy', 'env', 'launch', 'ports', 'setup', 'symlink', 'teardown']);
      assert.equal(schema.additionalProperties, false);
      assert.match(fs.readFileSync(path.join(projectRoot, '.vscodeignore'), 'utf8'), /^!schemas\/\*\*$/m);
    });

    it('a create with a bad file fails with the key named and makes nothing', async () => {
      const repo = repoWith({ ports: 'many' });
      const core = await makeCore();
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/bad' }, { trusted: true }), /"ports" must be a whole number.*nothing was created/);
      assert.deepEqual(core.store.workspaces(), []);
      assert.deepEqual(branches(repo), ['main']);
      assert.equal(fs.existsSync(path.join(path.dirname(repo), 'repo.worktrees')), false);
    });
  });

  describe('approval (§9): commands run only trusted, and after that exact content was approved', () => {
    const config = (marker: string) => ({
      setup: [['sh', '-c', `echo "$WTS_BRANCH $GREETING" > ${marker}`]],
      env: { GREETING: 'hello from ${WTS_BRANCH}' },
    });

    it('an untrusted workspace runs nothing from the file, and does not ask', async () => {
      const marker = path.join(tempDir('wts-marker-'), 'ran');
      const repo = repoWith(config(marker));
      const core = await makeCore();
      const approver = new Approver(true);
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/untrusted' }, { trusted: false, approve: approver.approve });
      assert.equal(w.status, 'ready');
      assert.equal(fs.existsSync(marker), false, 'the setup command did not run');
      assert.equal(approver.asked.length, 0);
      assert.match(core.lifecycle.events(w.id).filter((e) => e.step === 'setup-command').map((e) => e.message).join('\n'), /not trusted/);
      assert.deepEqual(listApprovals(core.storageDir), []);
    });

    it('a trusted create asks once, runs the approved commands with the WTS_ variables and the file\'s env, and a changed file asks again', async () => {
      const folder = tempDir('wts-marker-');
      const marker = path.join(folder, 'ran');
      const repo = repoWith(config(marker));
      const core = await makeCore();
      const approver = new Approver(true);

      const first = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/one' }, { trusted: true, approve: approver.approve });
      assert.equal(first.status, 'ready');
      assert.equal(fs.readFileSync(marker, 'utf8'), 'feat/one hello from feat/one\n');
      assert.equal(approver.asked.length, 1);
      assert.match(approver.asked[0].commands.join('\n'), /setup: sh -c/);
      assert.match(approver.asked[0].commands.join('\n'), /env: GREETING=/);
      // Remembered in the extension's storage, never in the repository.
      assert.equal(listApprovals(core.storageDir)[0]?.repoRoot, repo);
      assert.equal(git(repo, 'status', '--porcelain').trim(), '');

      await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/two' }, { trusted: true, approve: approver.approve });
      assert.equal(approver.asked.length, 1, 'the same content is not asked about again');
      assert.equal(fs.readFileSync(marker, 'utf8'), 'feat/two hello from feat/two\n');

      fs.writeFileSync(path.join(repo, CONFIG), JSON.stringify({ ...config(marker), ports: 0 }));
      const declining = new Approver(false);
      const third = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/three' }, { trusted: true, approve: declining.approve });
      assert.equal(declining.asked.length, 1, 'a changed file asks again');
      assert.equal(third.status, 'ready');
      assert.equal(fs.readFileSync(marker, 'utf8'), 'feat/two hello from feat/two\n', 'declined: nothing ran');

      assert.ok(revokeApproval(core.storageDir, repo));
      assert.deepEqual(listApprovals(core.storageDir), []);
    });

    it('a failing setup command leaves the workspace in error with the command named', async () => {
      const repo = repoWith({ setup: ['echo broken >&2; exit 4'] });
      const core = await makeCore();
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/fails' }, { trusted: true, approve: new Approver(true).approve }),
        /setup-command step: The repository's setup command "echo broken >&2; exit 4" exited with code 4: broken/);
      assert.equal(core.store.workspaces()[0].status, 'error');
    });

    it('cancel ends the repository\'s setup command with everything it started, and the workspace is in error', async () => {
      const folder = tempDir('wts-cancel-');
      const pidFile = path.join(folder, 'child.pid');
      const repo = repoWith({ setup: [`sleep 120 & echo $! > ${pidFile}; wait`] });
      const core = await makeCore();
      const controller = new AbortController();
      const creating = core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/cancel' }, { trusted: true, approve: new Approver(true).approve, signal: controller.signal });
      const pid = Number(await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim(), 'the setup command started its child'));
      controller.abort();
      await rejects(creating, /cancelled/i);
      await waitFor(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 'the child of the setup command ended', 10_000);
      assert.equal(core.store.workspaces()[0].status, 'error');
    });

    it('setup output is handed out live as it arrives', async () => {
      const repo = repoWith({ setup: [['sh', '-c', 'echo first; echo second >&2']] });
      const core = await makeCore();
      const chunks: string[] = [];
      await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/live' }, { trusted: true, approve: new Approver(true).approve, onOutput: (c) => chunks.push(c) });
      assert.match(chunks.join(''), /first/);
      assert.match(chunks.join(''), /second/);
    });
  });

  describe('teardown (§9)', () => {
    it('runs before the worktree is removed; a failing one is reported and the delete goes on', async () => {
      const folder = tempDir('wts-teardown-');
      const repo = repoWith({ teardown: [['sh', '-c', `ls "$WTS_WORKTREE" > ${folder}/seen`], 'exit 9'] });
      const core = await makeCore();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/down' }, { trusted: true, approve: new Approver(true).approve });
      const result = await core.lifecycle.deleteWorkspace(w.id, { trusted: true });
      assert.equal(result.deleted, true);
      assert.match(result.teardownError ?? '', /"exit 9" exited with code 9/);
      assert.match(fs.readFileSync(path.join(folder, 'seen'), 'utf8'), /README\.md/, 'it ran while the worktree was still there');
      assert.equal(fs.existsSync(w.worktreePath), false);
      assert.deepEqual(core.store.workspaces(), []);
    });

    it('an untrusted delete does not run it', async () => {
      const folder = tempDir('wts-teardown-');
      const repo = repoWith({ teardown: [['touch', `${folder}/ran`]] });
      const core = await makeCore();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/down2' }, { trusted: true, approve: new Approver(true).approve });
      await core.lifecycle.deleteWorkspace(w.id, { trusted: false });
      assert.equal(fs.existsSync(path.join(folder, 'ran')), false);
    });
  });

  describe('copies and links (§9)', () => {
    it('copies ignored files named by .worktreeinclude, git.worktreeIncludeFiles and `copy`', async () => {
      const repo = repoWith({ copy: ['c.local'] }, { '.worktreeinclude': '# secrets\na.local\n' });
      for (const f of ['a.local', 'b.local', 'c.local', 'd.local']) fs.writeFileSync(path.join(repo, f), `${f}\n`);
      const core = await makeCore({ settings: { worktreeIncludeFiles: ['b.local'] } });
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/copies' });
      assert.deepEqual(['a.local', 'b.local', 'c.local', 'd.local'].filter((f) => fs.existsSync(path.join(w.worktreePath, f))), ['a.local', 'b.local', 'c.local']);
    });

    it('.worktreeinclude never copies a file that is not ignored, nor through a link out', async () => {
      const outside = tempDir('wts-outside-');
      fs.writeFileSync(path.join(outside, 'id_rsa'), 'KEY\n');
      const repo = repoWith({}, { '.worktreeinclude': '*.local\n' });
      fs.symlinkSync(path.join(outside, 'id_rsa'), path.join(repo, 'key.local'));
      const core = await makeCore();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/include' });
      assert.equal(fs.existsSync(path.join(w.worktreePath, 'key.local')), false);
      assert.match(core.lifecycle.events(w.id).find((e) => e.step === 'copy-files')?.message ?? '', /refused key\.local: a symbolic link/);
    });

    it('symlink links the main worktree\'s folder into the new worktree, and refuses one that resolves outside', async () => {
      const outside = tempDir('wts-outside-');
      const repo = repoWith({ symlink: ['node_modules', 'packages/*/node_modules', 'cache.out'] });
      fs.mkdirSync(path.join(repo, 'node_modules', 'left-pad'), { recursive: true });
      fs.mkdirSync(path.join(repo, 'packages', 'a', 'node_modules'), { recursive: true });
      fs.symlinkSync(outside, path.join(repo, 'cache.out'));
      const core = await makeCore();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/links' });
      assert.equal(fs.realpathSync(path.join(w.worktreePath, 'node_modules')), fs.realpathSync(path.join(repo, 'node_modules')));
      assert.ok(fs.existsSync(path.join(w.worktreePath, 'node_modules', 'left-pad')));
      assert.equal(fs.realpathSync(path.join(w.worktreePath, 'packages/a/node_modules')), fs.realpathSync(path.join(repo, 'packages/a/node_modules')));
      assert.equal(fs.existsSync(path.join(w.worktreePath, 'cache.out')), false);
      assert.match(core.lifecycle.events(w.id).find((e) => e.step === 'copy-files')?.message ?? '', /refused cache\.out: resolves outside the repository/);
      // The links are not work at risk; deleting removes them, never the main worktree's folders.
      assert.deepEqual((await core.lifecycle.deletePreflight(w.id)).dirtyFiles, []);
      const result = await core.lifecycle.deleteWorkspace(w.id);
      assert.equal(result.deleted, true);
      assert.equal(result.savedChanges, undefined);
      assert.ok(fs.existsSync(path.join(repo, 'node_modules', 'left-pad')));
    });
  });

  describe('ports and the environment (§9)', () => {
    it('every session sees WTS_* and the file\'s env; launch entries with onCreate start after create', async () => {
      const repo = repoWith({ ports: 2, env: { APP_URL: 'http://127.0.0.1:${WTS_PORT}/${WTS_BRANCH}' }, launch: [{ target: 'printenv', onCreate: true }] });
      const core = await makeCore({
        settings: { portBase: 47100, agents: [{ key: 'printenv', command: ['sh', '-c', 'env > "$WTS_WORKTREE/session.env.out"; sleep 60'] }] },
      });
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/env' }, { trusted: true, approve: new Approver(true).approve });
      assert.ok(w.ports && w.ports.count === 2 && w.ports.first >= 47100);
      const envFile = path.join(w.worktreePath, 'session.env.out');
      const text: string = await waitFor(() => (fs.existsSync(envFile) && /APP_URL/.test(fs.readFileSync(envFile, 'utf8')) ? fs.readFileSync(envFile, 'utf8') : ''), 'the session started on create');
      const env = Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      assert.equal(env.WTS_WORKSPACE_ID, w.id);
      assert.equal(env.WTS_BRANCH, 'feat/env');
      assert.equal(env.WTS_WORKTREE, w.worktreePath);
      assert.equal(env.WTS_REPO, repo);
      assert.equal(env.WTS_PORT, String(w.ports.first));
      assert.equal(env.WTS_PORT_COUNT, '2');
      assert.equal(env.APP_URL, `http://127.0.0.1:${w.ports.first}/feat/env`);
    });

    it('two windows creating at once never get the same block; a busy port is skipped; delete releases the block', async () => {
      // A port the system hands out is busy, and the base goes right below it (other test runs on this machine hold fixed ones).
      const busy = net.createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      const base = (busy.address() as net.AddressInfo).port - 1;
      try {
        const repo = repoWith({ ports: 3 });
        const one = await makeCore({ settings: { portBase: base } });
        const two = await makeCore({ settings: { portBase: base }, storageDir: one.storageDir, socket: one.socket });
        const made = await Promise.all([
          one.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/a' }),
          two.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/b' }),
          one.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/c' }),
          two.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/d' }),
        ]);
        const blocks = made.map((w) => w.ports!).sort((a, b) => a.first - b.first);
        for (let i = 1; i < blocks.length; i++) assert.ok(blocks[i].first >= blocks[i - 1].first + 3, `blocks overlap: ${JSON.stringify(blocks)}`);
        assert.ok(blocks.every((b) => b.first > base + 1 || b.first + b.count <= base + 1), 'the busy port is in no block');
        one.store.refresh();
        assert.deepEqual(one.store.workspaces().map((w) => w.ports!.first).sort(), blocks.map((b) => b.first));

        const lowest = made.find((w) => w.ports!.first === blocks[0].first)!;
        await one.lifecycle.deleteWorkspace(lowest.id);
        const again = await one.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/e' });
        assert.equal(again.ports!.first, blocks[0].first, 'the released block is handed out again');

        // A window whose view is behind still cannot take a block the store holds.
        const late = rebuildLifecycle(two, { store: new LateToSeePorts(two.store) });
        const behind = await late.createWorkspace({ repoRoot: repo, branch: 'feat/late' });
        one.store.refresh();
        const all = one.store.workspaces().map((w) => w.ports!).sort((a, b) => a.first - b.first);
        for (let i = 1; i < all.length; i++) assert.ok(all[i].first >= all[i - 1].first + 3, `blocks overlap: ${JSON.stringify(all)}`);
        assert.ok(one.store.workspace(behind.id)?.ports, 'the late window got a block of its own');
      } finally {
        busy.close();
      }
    });
  });
});
