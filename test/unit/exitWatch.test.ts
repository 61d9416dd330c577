// S2 without polling: the tmux server's session-closed hook wakes the service
// (found by `npm run bench`: a 1 s poll put exit detection at ~550 ms median).
import assert from 'node:assert/strict';
import { LifecycleService } from '../../src/core/lifecycle';
import { makeCore, makeRepo, runCleanups, tmux, waitFor, onCleanup, type TestCore } from '../support/fixtures';

/** A lifecycle on the test core whose poll is too slow to be what notices anything. */
function withoutPolling(core: TestCore): LifecycleService {
  const lifecycle = new LifecycleService({
    store: core.store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger,
    savedChangesDir: `${core.storageDir}/saved-changes`, pollIntervalMs: 60_000,
  });
  onCleanup(() => lifecycle.dispose());
  return lifecycle;
}

describe('exit watch (S2 through tmux hooks)', () => {
  afterEach(runCleanups);

  it('notices a session that exits by itself within a fraction of a second, with a one-minute poll', async () => {
    const core = await makeCore();
    const lifecycle = withoutPolling(core);
    const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/watch' });
    await lifecycle.start();
    for (let round = 0; round < 2; round++) {
      const s = await lifecycle.launch(w.id, 'shell');
      // The watch is armed just after start(), and again after each wake-up.
      await waitFor(() => tmux(core.socket, 'show-hooks', '-g').includes('wait-for -S'), 'the session-closed hook');
      const started = Date.now();
      tmux(core.socket, 'kill-session', '-t', `=${s.name}`);
      await waitFor(() => lifecycle.workspace(w.id)!.sessions.length === 0, 'the session to leave the view', 1500);
      assert.ok(Date.now() - started < 1500);
      await waitFor(() => core.store.sessions(w.id).length === 0, 'its row to be removed', 1500);
    }
  });

  it('shows a bell (an agent waiting for input) at once, with a one-minute poll', async () => {
    const core = await makeCore();
    const lifecycle = withoutPolling(core);
    const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/bell' });
    await lifecycle.start();
    const s = await lifecycle.launch(w.id, 'shell');
    await waitFor(() => tmux(core.socket, 'show-hooks', '-g').includes('alert-bell'), 'the alert-bell hook');
    tmux(core.socket, 'send-keys', '-t', `=${s.name}:`, "printf '\\a'", 'Enter');
    await waitFor(() => lifecycle.workspace(w.id)!.sessions[0]?.state === 'waiting', 'the session to show as waiting', 1500);
  });

  it('stops waiting when disposed', async () => {
    const core = await makeCore();
    const lifecycle = withoutPolling(core);
    await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/dispose' });
    await lifecycle.start();
    await waitFor(() => tmux(core.socket, 'show-hooks', '-g').includes('wait-for -S'), 'the watch to start');
    lifecycle.dispose();
    await waitFor(() => core.logger.lines.some((l) => /wait-for wts-sessions-changed → cancelled/.test(l)), 'the waiting tmux process to be stopped');
  });

  it('launch checks the new session through its pane process and shows it at once (L3), one tmux call in all', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/l3' });
    const before = core.exec.calls('tmux');
    const s = await core.lifecycle.launch(w.id, 'shell');
    assert.equal(core.exec.calls('tmux') - before, 1);
    assert.deepEqual(core.lifecycle.workspace(w.id)!.sessions.map((x) => x.name), [s.name]);
    assert.equal(s.state, 'running');
  });
});
