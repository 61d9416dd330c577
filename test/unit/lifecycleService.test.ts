// The lifecycle facade: what it answers, and how it hears of changes it did not
// make — another window's writes (the store's watcher, or the poll re-reading the
// store) and exits when the tmux hook is not there (S2's poll fallback).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceRecord } from '../../src/core/model';
import type { Tmux } from '../../src/core/tmux';
import { LifecycleService } from '../../src/core/lifecycle';
import type { WorkspaceStore } from '../../src/core/store';
import { InterceptingStore } from '../support/faults';
import { git, makeCore, makeRepo, onCleanup, privateSocket, rebuildLifecycle, runCleanups, tempDir, tmux, waitFor, type TestCore } from '../support/fixtures';

const row = (id: string, worktreePath: string): WorkspaceRecord => ({
  id, repoRoot: '/repo', worktreePath, branch: `feat/${id}`, baseRef: 'main', createdBranch: true,
  baseSession: `wts-${id}`, status: 'ready', createdAt: 1, updatedAt: 1,
});

/** The core's tmux counting its listings (each reconciliation lists once), with a hook into each. */
function counting(real: Tmux, onList?: () => void): Tmux & { listings: number } {
  const counted = Object.create(real) as Tmux & { listings: number };
  counted.listings = 0;
  counted.list = () => {
    counted.listings++;
    onList?.();
    return real.list();
  };
  return counted;
}

/** A lifecycle on the core's parts with the poll interval as given (undefined: the default). */
function service(core: TestCore, parts: { tmux?: Tmux; store?: WorkspaceStore; pollIntervalMs: number | undefined }): LifecycleService {
  const lifecycle = new LifecycleService({
    store: parts.store ?? core.store, tmux: parts.tmux ?? core.tmux, git: core.git, exec: core.exec, settings: () => core.settings,
    logger: core.logger, savedChangesDir: path.join(core.storageDir, 'saved-changes'), pollIntervalMs: parts.pollIntervalMs,
  });
  onCleanup(() => lifecycle.dispose());
  return lifecycle;
}

/** A store whose next re-read fails once, when asked to. */
class RefreshFailingStore extends InterceptingStore {
  failNext = false;
  override refresh(): boolean {
    if (!this.failNext) return super.refresh();
    this.failNext = false;
    throw new Error('disk gone');
  }
}

/** The core's tmux whose exit hook never fires (as if the server could not run it). */
function withoutHook(real: Tmux): Tmux {
  const hookless = Object.create(real) as Tmux;
  hookless.waitForChange = (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(false)));
  return hookless;
}

describe('the lifecycle facade', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('answers the calls the tree, the terminals and the commands make', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/facade' });
    fs.writeFileSync(path.join(w.worktreePath, 'README.md'), 'changed\n');
    assert.deepEqual(core.lifecycle.list().map((v) => v.id), [w.id]);
    assert.ok(core.lifecycle.targets().targets.some((t) => t.key === 'shell'));
    assert.deepEqual(await core.lifecycle.changeStats(w.id), { files: 1, insertions: 1, deletions: 1 });
    assert.deepEqual((await core.lifecycle.deletePreflight(w.id)).dirtyFiles, ['README.md']);
    assert.ok(core.lifecycle.events(w.id).some((e) => e.step === 'worktree'));
    assert.ok(core.lifecycle.attachArgv(w.baseSession.name).args.includes(`=${w.baseSession.name}`));
    assert.match(core.lifecycle.attachCommandLine(w.baseSession.name), new RegExp(w.baseSession.name));
    assert.equal((await core.lifecycle.tmuxStatus()).ok, true);
    assert.equal(typeof (await core.lifecycle.capturePane(w.baseSession.name)), 'string');
  });

  it('answers the repository questions from git, the running sessions from one listing, and probes tmux again when asked', async () => {
    const core = await makeCore();
    const parent = tempDir();
    const origin = makeRepo({ parent, name: 'origin' });
    const repo = path.join(parent, 'clone');
    git(parent, 'clone', '-q', origin, repo);
    git(repo, 'branch', 'feat/local');
    const q = core.lifecycle.repository;
    assert.equal(fs.realpathSync(await q.root(path.join(repo, '.'))), fs.realpathSync(repo));
    assert.deepEqual((await q.localBranches(repo)).sort(), ['feat/local', 'main']);
    assert.deepEqual(await q.remoteBranches(repo), ['origin/main']);
    assert.equal(await q.currentBranch(repo), 'main');
    assert.equal(await q.refExists(repo, 'origin/main'), true);
    assert.equal(await q.commitOf(repo, 'feat/local'), git(repo, 'rev-parse', 'main').trim());
    assert.equal(await q.localBranchExists(repo, 'feat/local'), true);
    assert.match((await q.branchNameProblem(repo, 'a..b')) ?? '', /not a valid branch name/);
    assert.equal(await q.branchNameProblem(repo, 'feat/fine'), undefined);

    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/facade' });
    assert.deepEqual((await q.worktrees(repo)).map((e) => e.branch).sort(), ['feat/facade', 'main']);
    assert.deepEqual(core.lifecycle.knownRepositories(), [repo]);
    const s = await core.lifecycle.launch(w.id, 'shell');
    assert.deepEqual([...(await core.lifecycle.runningSessionNames())].sort(), [w.baseSession.name, s.name].sort());
    // A pane whose program ended but that tmux keeps is not running.
    tmux(core.socket, 'set-option', '-t', `=${s.name}:`, 'remain-on-exit', 'on');
    tmux(core.socket, 'send-keys', '-t', `=${s.name}:`, 'exit', 'Enter');
    await waitFor(async () => !(await core.lifecycle.runningSessionNames()).has(s.name), 'the dead pane to be left out');

    // Ahead/behind only for a ready workspace: not for one being set up or deleted, nor an unknown id.
    git(w.worktreePath, 'commit', '-q', '--allow-empty', '-m', 'ahead by one');
    assert.deepEqual(await core.lifecycle.aheadBehind(w.id), { ahead: 1, behind: 0 });
    await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'deleting' }));
    assert.equal(await core.lifecycle.aheadBehind(w.id), undefined);
    await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'ready' }));
    assert.equal(await core.lifecycle.aheadBehind('0123456789abcdef'), undefined);

    assert.equal((await core.lifecycle.recheckTmux()).ok, true);
    core.settings.tmuxPath = path.join(tempDir(), 'no-tmux');
    assert.equal((await core.lifecycle.recheckTmux()).ok, false, 'probed again, not the cached answer');
    core.settings.tmuxPath = 'tmux';
  });

  it("another window's write reaches this window's view at once", async () => {
    const core = await makeCore();
    const otherWindow = await makeCore({ storageDir: core.storageDir, socket: core.socket });
    let changes = 0;
    core.lifecycle.onDidChange(() => changes++);
    await otherWindow.store.write((tx) => tx.insertWorkspace(row('aaaaaaaaaaaaaaaa', core.storageDir)));
    await waitFor(() => changes > 0, 'the view to be told');
    assert.deepEqual(core.lifecycle.list().map((v) => v.id), ['aaaaaaaaaaaaaaaa']);
  });

  describe('the poll', () => {
    it('S2: without the tmux hook, the poll notices an exit', async () => {
      const core = await makeCore();
      const lifecycle = rebuildLifecycle(core, { tmux: withoutHook(core.tmux), pollIntervalMs: 100 });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/poll' });
      await lifecycle.start();
      const s = await lifecycle.launch(w.id, 'shell');
      tmux(core.socket, 'kill-session', '-t', `=${s.name}`);
      await waitFor(() => core.store.sessions(w.id).length === 0, 'the row to be removed');
      assert.deepEqual(lifecycle.workspace(w.id)!.sessions, []);
    });

    it('R1: reconciles while there are workspaces, even with no tmux server running', async () => {
      const core = await makeCore();
      const lifecycle = rebuildLifecycle(core, { tmux: withoutHook(core.tmux), pollIntervalMs: 100 });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/poll-r1' });
      tmux(core.socket, 'kill-server');
      await lifecycle.start();
      const dead = spawn('true');
      await new Promise((r) => dead.on('exit', r));
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'creating', opPid: dead.pid }));
      await waitFor(() => core.store.workspace(w.id)!.status === 'error', 'the interrupted create to be marked');
    });

    for (const tmuxInstalled of [true, false]) {
      it(`with nothing to show, re-reads the store and tells the view of another window's write (${tmuxInstalled ? 'no tmux server' : 'no tmux at all'})`, async () => {
        const core = await makeCore({ watchStore: false, pollIntervalMs: 100, settings: tmuxInstalled ? {} : { tmuxPath: path.join(tempDir(), 'no-tmux-here') } });
        const otherWindow = await makeCore({ storageDir: core.storageDir, socket: core.socket });
        await core.lifecycle.start();
        let changes = 0;
        core.lifecycle.onDidChange(() => changes++);
        await otherWindow.store.write((tx) => tx.insertWorkspace(row('bbbbbbbbbbbbbbbb', core.storageDir)));
        await waitFor(() => changes > 0, 'the view to be told');
        assert.deepEqual(core.lifecycle.list().map((v) => v.id), ['bbbbbbbbbbbbbbbb']);
      });
    }

    it('S2: by default the poll runs every two seconds', async () => {
      const core = await makeCore();
      const lifecycle = service(core, { tmux: withoutHook(core.tmux), pollIntervalMs: undefined });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/default-poll' });
      await lifecycle.start();
      const s = await lifecycle.launch(w.id, 'shell');
      tmux(core.socket, 'kill-session', '-t', `=${s.name}`);
      await waitFor(() => core.store.sessions(w.id).length === 0, 'the row to be removed', 6_000);
    });

    it('0 turns the poll off: nothing lists tmux by itself while another lifecycle polls three times', async () => {
      const core = await makeCore();
      await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/off' });
      const off = counting(withoutHook(core.tmux));
      const clock = counting(withoutHook(core.tmux));
      const quiet = service(core, { tmux: off, pollIntervalMs: 0 });
      const polling = service(core, { tmux: clock, pollIntervalMs: 50 });
      await quiet.start();
      await polling.start();
      const before = off.listings;
      await waitFor(() => clock.listings >= 4, 'three polls of the other lifecycle');
      assert.equal(off.listings, before);
    });

    it('a disposed lifecycle stops polling, even when disposed during a poll', async () => {
      const core = await makeCore();
      await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/disposed' });
      const watched = counting(withoutHook(core.tmux), () => {
        // The first poll after start: dispose while it runs.
        if (watched.listings === 2) disposing.dispose();
      });
      const clock = counting(withoutHook(core.tmux));
      const disposing = service(core, { tmux: watched, pollIntervalMs: 50 });
      const polling = service(core, { tmux: clock, pollIntervalMs: 50 });
      await disposing.start();
      await waitFor(() => watched.listings >= 2, 'the poll during which it is disposed');
      await polling.start();
      await waitFor(() => clock.listings >= 4, 'three polls of the other lifecycle');
      assert.equal(watched.listings, 2);
    });

    it('a poll whose reconciliation fails is logged, and the next one runs', async () => {
      const core = await makeCore();
      const store = new RefreshFailingStore(core.store);
      const counted = counting(withoutHook(core.tmux));
      const lifecycle = service(core, { tmux: counted, store, pollIntervalMs: 50 });
      await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/failing-poll' });
      await lifecycle.start();
      store.failNext = true;
      await waitFor(() => core.logger.lines.some((l) => l === 'warn Reconciliation failed: disk gone'), 'the failure to be logged');
      const after = counted.listings;
      await waitFor(() => counted.listings >= after + 2, 'the polls after it');
    });

    it('S2: when the socket setting changes, the exit hook moves to the new server', async () => {
      const core = await makeCore();
      await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/socket' });
      await core.lifecycle.start();
      await waitFor(() => tmux(core.socket, 'show-hooks', '-g').includes('wait-for -S'), 'the hook on the first server');
      const next = privateSocket();
      tmux(next, 'new-session', '-d', '-s', 'elsewhere');
      core.settings.socketName = next;
      await core.lifecycle.reconcile();
      await waitFor(() => tmux(next, 'show-hooks', '-g').includes('wait-for -S'), 'the hook on the new server');
    });
  });
});
