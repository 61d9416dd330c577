// Faults and bad input (issue 3): each changes nothing it should not, and says why.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InterceptingStore, SessionWriteFailingStore } from '../support/faults';
import {
  deleteInChildUntilRemoving, git, makeCore, makeRepo, projectRoot, rebuildLifecycle, rejects, runCleanups, tempDir, testEnv, tmux, tmuxSessions, waitFor,
} from '../support/fixtures';

describe('lifecycle faults and bad input', function () {
  this.timeout(60_000);
  afterEach(runCleanups);

  it('a failing store write during launch: the new tmux session is killed and the error names the write (L2)', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/fail' });
    const lifecycle = rebuildLifecycle(core, { store: new SessionWriteFailingStore(core.store) });
    await rejects(lifecycle.launch(w.id, 'shell'), /could not record the session in the database \(ENOSPC: no space left on device, write worktree-sessions\.db\)\. The tmux session was stopped/);
    assert.deepEqual(tmuxSessions(core.socket), [w.baseSession.name]);
    assert.deepEqual(core.store.sessions(), []);
  });

  it('the tmux server killed from outside: reconciliation prunes the live list; opening the base terminal recreates it', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/killed' });
    await core.lifecycle.launch(w.id, 'shell');
    await core.lifecycle.launch(w.id, 'shell');
    tmux(core.socket, 'kill-server');
    await core.lifecycle.reconcile();
    const view = core.lifecycle.workspace(w.id)!;
    assert.deepEqual(view.sessions, []);
    assert.equal(view.baseSession.running, false);
    assert.equal(view.lostSessions.length, 2);
    const name = await core.lifecycle.ensureBaseSession(w.id);
    assert.equal(name, w.baseSession.name);
    assert.deepEqual(tmuxSessions(core.socket), [name]);
    assert.equal(core.lifecycle.workspace(w.id)!.baseSession.running, true);
    assert.equal(tmux(core.socket, 'display-message', '-p', '-t', `=${name}:`, '#{pane_current_path}').trim(), fs.realpathSync(w.worktreePath));
  });

  it('a garbage database is moved aside, a fresh one started, and live worktrees and owned sessions re-adopted', async () => {
    const first = await makeCore();
    const repo = makeRepo();
    const w = await first.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/survivor' });
    const s = await first.lifecycle.launch(w.id, 'shell');
    first.dispose();
    fs.writeFileSync(path.join(first.storageDir, 'worktree-sessions.db'), 'this is not a database, just garbage '.repeat(200));

    const second = await makeCore({ storageDir: first.storageDir, socket: first.socket });
    assert.ok(second.recovered, 'the caller is told');
    assert.match(second.recovered.movedTo, /worktree-sessions\.db\.unreadable-/);
    assert.match(fs.readFileSync(second.recovered.movedTo, 'utf8'), /^this is not a database/, 'moved, never deleted');
    assert.deepEqual(second.store.workspaces(), []);

    const adopted = await second.lifecycle.readopt([repo]);
    assert.deepEqual(adopted, [w.id]);
    const view = second.lifecycle.workspace(w.id)!;
    assert.equal(view.status, 'ready');
    assert.equal(view.branch, 'feat/survivor');
    assert.equal(view.worktreePath, w.worktreePath);
    assert.deepEqual(view.sessions.map((x) => x.name), [s.name]);
    assert.equal(view.baseSession.running, true);
    // Nothing was reaped as an orphan once re-adopted.
    const report = await second.lifecycle.reconcile();
    assert.deepEqual(report.orphansKilled, []);
  });

  it('work kept: after a garbage database, no session is reaped as an orphan before re-adoption has run', async () => {
    const first = await makeCore();
    const repo = makeRepo();
    const w = await first.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/old' });
    const s = await first.lifecycle.launch(w.id, 'shell');
    first.dispose();
    fs.writeFileSync(path.join(first.storageDir, 'worktree-sessions.db'), 'garbage '.repeat(500));

    // Every session is older than the grace period: only the hold keeps them alive.
    const second = await makeCore({ storageDir: first.storageDir, socket: first.socket, orphanGraceMs: 0 });
    assert.ok(second.recovered);
    const report = await second.lifecycle.start();
    assert.deepEqual(report.orphansKilled, []);
    assert.ok(tmuxSessions(first.socket).includes(s.name), 'the agent still runs');

    assert.deepEqual(await second.lifecycle.readopt([repo]), [w.id]);
    assert.deepEqual(second.lifecycle.workspace(w.id)!.sessions.map((x) => x.name), [s.name]);
  });

  it('work kept, then tidied: a re-adoption that failed keeps the hold; once one has run, a marked session nothing adopted is reaped (R3)', async () => {
    const first = await makeCore();
    const repo = makeRepo();
    const w = await first.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/tidied' });
    first.dispose();
    // Marked by this installation and stamped long ago, in no workspace a marker names: orphans once re-adoption is done.
    const orphans = ['wts-0123456789abcdef-shell', 'wts-fedcba9876543210-shell'];
    for (const o of orphans) tmux(first.socket, 'new-session', '-d', '-s', o, ';', 'set-option', '-t', `=${o}:`, '@wts_owner', first.tmux.ownerId, ';', 'set-option', '-t', `=${o}:`, '@wts_created', '1');
    fs.writeFileSync(path.join(first.storageDir, 'worktree-sessions.db'), 'garbage '.repeat(500));
    const second = await makeCore({ storageDir: first.storageDir, socket: first.socket, orphanGraceMs: 0, pollIntervalMs: 0 });
    assert.ok(second.recovered);
    const everything = [w.baseSession.name, ...orphans].sort();

    // A re-adoption whose write fails adopted nothing: the base terminal is as unclaimed as the orphans, so all stay.
    const failing = new InterceptingStore(second.store);
    failing.beforeWrite = () => Promise.reject(new Error('ENOSPC: no space left on device, write worktree-sessions.db'));
    const window = rebuildLifecycle(second, { store: failing, orphanGraceMs: 0, pollIntervalMs: 0 });
    window.holdOrphansUntilReadopted();
    await rejects(window.readopt([repo]), /ENOSPC/);
    assert.deepEqual((await window.reconcile()).orphansKilled, []);
    assert.deepEqual(tmuxSessions(first.socket).sort(), everything);

    // Once it has run, what it did not adopt is an orphan.
    assert.deepEqual(await window.readopt([repo]), [w.id]);
    await window.reconcile();
    assert.deepEqual(tmuxSessions(first.socket), [w.baseSession.name]);
  });

  it('two store instances in two Node processes, 200 interleaved launches and stops each: every row that should exist exists', async () => {
    const dir = tempDir('wts-store-');
    const core = await makeCore({ storageDir: dir });
    await core.store.write((tx) => tx.insertWorkspace({
      id: 'ws', repoRoot: '/r', worktreePath: '/r.w', branch: 'b', baseRef: 'main', createdBranch: true, baseSession: 'wts-ws', status: 'ready', createdAt: 1, updatedAt: 1,
    }));
    const goFile = path.join(dir, 'go');
    const child = (tag: string) => new Promise<number>((resolve) => {
      const p = spawn(process.execPath, [path.join(projectRoot, 'out/test/support/storeChild.js'), dir, tag, '200', goFile], { stdio: ['ignore', 'inherit', 'inherit'] });
      p.on('exit', (code) => resolve(code ?? -1));
    });
    const a = child('a');
    const b = child('b');
    fs.writeFileSync(goFile, '');
    assert.deepEqual(await Promise.all([a, b]), [0, 0]);
    core.store.refresh();
    const names = new Set(core.store.sessions('ws').map((s) => s.name));
    const expected: string[] = [];
    for (const tag of ['a', 'b']) for (let i = 0; i < 200; i++) if (i % 3 !== 0) expected.push(`wts-${tag}-${i}`);
    assert.equal(names.size, expected.length);
    for (const n of expected) assert.ok(names.has(n), `missing row ${n}`);
    assert.equal(fs.existsSync(`${core.store.file}.lock`), false, 'no lock left behind');
  });

  it('killed (SIGKILL) between stopping sessions and removing the worktree: the next start shows deletion_failed and a retry completes', async () => {
    const first = await makeCore();
    const repo = makeRepo();
    const w = await first.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/sigkill' });
    await first.lifecycle.launch(w.id, 'shell');
    first.dispose();

    const { child, exited } = await deleteInChildUntilRemoving(first, w.id);
    assert.deepEqual(tmuxSessions(first.socket), [], 'sessions were stopped before the kill');
    assert.equal(child.exitCode, null, 'the child is still inside the delete');
    child.kill('SIGKILL');
    await exited;

    const second = await makeCore({ storageDir: first.storageDir, socket: first.socket });
    await second.lifecycle.start();
    assert.equal(second.lifecycle.workspace(w.id)!.status, 'deletion_failed');
    assert.ok(fs.existsSync(w.worktreePath), 'the worktree was not removed yet');
    const result = await second.lifecycle.deleteWorkspace(w.id);
    assert.equal(result.deleted, true);
    assert.equal(fs.existsSync(w.worktreePath), false);
    assert.deepEqual(second.store.workspaces(), []);
    assert.equal(fs.existsSync(`${second.store.file}.lock`), false);
  });

  it('tmux absent from PATH: delete still works; launch fails with a clear message', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/no-tmux' });
    tmux(core.socket, 'kill-server');
    // Same storage, a PATH without tmux (git stays reachable).
    const bin = tempDir('wts-bin-');
    fs.symlinkSync(fs.realpathSync('/usr/bin/git'), path.join(bin, 'git'));
    const env = { ...testEnv(), PATH: bin };
    const noTmux = await makeCore({ storageDir: core.storageDir, socket: core.socket, env });
    const probe = await noTmux.lifecycle.tmuxStatus();
    assert.equal(probe.ok, false);
    assert.match(probe.ok ? '' : probe.message, /tmux cannot be run: .* Install tmux 3\.2 or later/);
    await rejects(noTmux.lifecycle.launch(w.id, 'shell'), /tmux cannot be run/);
    assert.deepEqual(noTmux.store.sessions(), []);
    const report = await noTmux.lifecycle.reconcile();
    assert.match(report.tmuxError ?? '', /could not be started/);
    const result = await noTmux.lifecycle.deleteWorkspace(w.id);
    assert.equal(result.deleted, true);
    assert.equal(fs.existsSync(w.worktreePath), false);
  });

  it('a tmux that is too old is reported clearly', async () => {
    const bin = tempDir('wts-bin-');
    const fake = path.join(bin, 'tmux');
    fs.writeFileSync(fake, '#!/bin/sh\necho "tmux 2.9"\n', { mode: 0o755 });
    const core = await makeCore({ settings: { tmuxPath: fake } });
    const probe = await core.lifecycle.tmuxStatus();
    assert.equal(probe.ok, false);
    assert.match(probe.ok ? '' : probe.message, /tmux 2\.9 is too old: Worktree Sessions needs tmux 3\.2 or later/);
  });

  describe('bad input changes nothing and says why', () => {
    it('branch names "..", "a b", "-x", "a~b", "HEAD" and a 300-character name are refused; "feat/ünïcödé" works', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const reasons: string[] = [];
      for (const bad of ['..', 'a b', '-x', 'a~b', 'HEAD', 'b'.repeat(300)]) {
        reasons.push((await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: bad }), /./)).message);
      }
      assert.match(reasons[0], /"\.\." is not a valid branch name/);
      assert.match(reasons[1], /"a b" is not a valid branch name/);
      assert.match(reasons[2], /cannot start with "-"/);
      assert.match(reasons[3], /"a~b" is not a valid branch name/);
      assert.match(reasons[4], /"HEAD" is not allowed/);
      assert.match(reasons[5], /300 characters long; the limit is 200/);
      assert.deepEqual(core.store.workspaces(), []);
      assert.equal(fs.existsSync(`${repo}.worktrees`), false);

      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/ünïcödé' });
      assert.equal(w.status, 'ready');
      assert.equal(path.basename(w.worktreePath), 'feat-ünïcödé');
      assert.equal(git(w.worktreePath, 'rev-parse', '--abbrev-ref', 'HEAD').trim(), 'feat/ünïcödé');
      const s = await core.lifecycle.launch(w.id, 'shell');
      assert.ok(tmuxSessions(core.socket).includes(s.name));
      assert.equal((await core.lifecycle.deleteWorkspace(w.id)).deleted, true);
    });

    it('paths with spaces, quotes, $(touch pwned) and non-ASCII characters work, and nothing is executed', async () => {
      const parent = tempDir('wts-weird-');
      const name = `my repo 'q' "dq" $(touch pwned) \`touch pwned2\` ünï`;
      const repo = makeRepo({ parent, name });
      const core = await makeCore({ settings: { worktreeRoot: path.join(parent, `trees $(touch pwned) 'x'`) } });
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/weird' });
      assert.equal(w.status, 'ready');
      assert.ok(fs.existsSync(path.join(w.worktreePath, 'README.md')));
      const s = await core.lifecycle.launch(w.id, 'shell');
      tmux(core.socket, 'send-keys', '-t', `=${s.name}:`, 'pwd > here.txt', 'Enter');
      await waitFor(() => fs.existsSync(path.join(w.worktreePath, 'here.txt')), 'the shell to run in the worktree');
      assert.match(core.lifecycle.attachCommandLine(s.name), /attach-session -t =wts-/);
      fs.rmSync(path.join(w.worktreePath, 'here.txt'));
      fs.writeFileSync(path.join(w.worktreePath, `dirty $(touch pwned).txt`), 'x');
      const result = await core.lifecycle.deleteWorkspace(w.id, { force: true });
      assert.equal(result.deleted, true);
      assert.ok(fs.existsSync(result.savedChanges!.patchFile));
      const found: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          if (/^pwned2?$/.test(e.name)) found.push(path.join(dir, e.name));
          if (e.isDirectory() && e.name !== '.git') walk(path.join(dir, e.name));
        }
      };
      walk(parent);
      walk(core.storageDir);
      assert.deepEqual(found, []);
      assert.equal(fs.existsSync(path.join(process.cwd(), 'pwned')), false);
    });

    it('a folder that is not a git repository is refused', async () => {
      const core = await makeCore();
      const plain = tempDir('wts-plain-');
      await rejects(core.lifecycle.createWorkspace({ repoRoot: plain, branch: 'feat/x' }), /is not inside a git repository/);
      await rejects(core.lifecycle.createWorkspace({ repoRoot: path.join(plain, 'nope'), branch: 'feat/x' }), /does not exist/);
      assert.deepEqual(fs.readdirSync(plain), []);
      assert.deepEqual(core.store.workspaces(), []);
    });

    it('a repository given by one of its subfolders or linked worktrees resolves to the main worktree', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await core.lifecycle.createWorkspace({ repoRoot: path.join(repo, 'src'), branch: 'feat/sub' });
      assert.equal(w.repoRoot, repo);
      const v = await core.lifecycle.createWorkspace({ repoRoot: w.worktreePath, branch: 'feat/from-linked' });
      assert.equal(v.repoRoot, repo);
    });
  });
});
