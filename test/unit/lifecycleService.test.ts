// The lifecycle facade: what it answers, and how it hears of changes it did not
// make — another window's writes (the store's watcher, or the poll re-reading the
// store) and exits when the tmux hook is not there (S2's poll fallback).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceRecord } from '../../src/core/model';
import type { Tmux } from '../../src/core/tmux';
import { makeCore, makeRepo, rebuildLifecycle, runCleanups, tmux, waitFor } from '../support/fixtures';

const row = (id: string, worktreePath: string): WorkspaceRecord => ({
  id, repoRoot: '/repo', worktreePath, branch: `feat/${id}`, baseRef: 'main', createdBranch: true,
  baseSession: `wts-${id}`, status: 'ready', createdAt: 1, updatedAt: 1,
});

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

    it("with nothing to show, re-reads the store and tells the view of another window's write", async () => {
      const core = await makeCore({ watchStore: false, pollIntervalMs: 100 });
      const otherWindow = await makeCore({ storageDir: core.storageDir, socket: core.socket });
      await core.lifecycle.start();
      let changes = 0;
      core.lifecycle.onDidChange(() => changes++);
      await otherWindow.store.write((tx) => tx.insertWorkspace(row('bbbbbbbbbbbbbbbb', core.storageDir)));
      await waitFor(() => changes > 0, 'the view to be told');
      assert.deepEqual(core.lifecycle.list().map((v) => v.id), ['bbbbbbbbbbbbbbbb']);
    });
  });
});
