// §8: resume of the exact conversation, scrollback across a server loss, and one notifier per event.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { LifecycleService } from '../../src/core/lifecycle';
import { fakeAgents } from '../support/fakeAgents';
import { killTmuxServer, makeCore, makeRepo, onCleanup, runCleanups, testEnv, tmux, waitFor, type TestCore } from '../support/fixtures';

function type(core: TestCore, name: string, line: string): void {
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, '-l', line);
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, 'Enter');
}

function secondWindow(core: TestCore): LifecycleService {
  const lifecycle = new LifecycleService({
    store: core.store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger,
    savedChangesDir: `${core.storageDir}/saved-changes`, pollIntervalMs: 0,
  });
  onCleanup(() => lifecycle.dispose());
  return lifecycle;
}

describe('agent awareness: resume, scrollback, one notifier (§8)', () => {
  afterEach(runCleanups);

  it('relaunching a lost Claude Code session resumes that very conversation, with its scrollback above it', async () => {
    const fake = fakeAgents();
    const core = await makeCore({ env: fake.env(testEnv()) });
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/resume' });
    const s = await core.lifecycle.launch(w.id, 'claude');
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('fake claude ready'), 'claude to be ready');
    type(core, s.name, 'say remember the milk');
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('\nremember the milk'), 'the output');
    const id = await waitFor(async () => (await core.lifecycle.reconcile(), core.store.sessions(w.id)[0]?.agentSessionId), 'the conversation id in the row');
    await core.lifecycle.saveScrollback({ force: true });

    // A reboot: the server and every session are gone.
    killTmuxServer(core.socket);
    await core.lifecycle.reconcile();
    const lost = core.lifecycle.workspace(w.id)!.lostSessions[0];
    assert.equal(lost.agentSessionId, id);
    assert.deepEqual(lost.relaunchCommand, ['claude', '--resume', id]);

    const again = await core.lifecycle.relaunchLost(w.id, s.name);
    const resumed = await waitFor(() => fake.starts().filter((x) => x.agent === 'claude')[1], 'the relaunch');
    assert.deepEqual(resumed.argv.filter((a) => a !== resumed.argv[resumed.argv.indexOf('--settings') + 1]), ['--settings', '--resume', id]);
    // The old screen first, then the resumed agent.
    const pane = await waitFor(() => {
      const p = tmux(core.socket, 'capture-pane', '-p', '-S', '-50', '-t', `=${again.name}:`);
      return p.includes('fake claude ready') && p.lastIndexOf('fake claude ready') > p.indexOf('remember the milk') ? p : undefined;
    }, 'the replayed scrollback above the new process');
    assert.ok(pane.indexOf('remember the milk') >= 0);
    // The hook reports the same conversation again, and the row keeps it.
    await waitFor(async () => (await core.lifecycle.reconcile(), core.lifecycle.workspace(w.id)!.sessions[0]?.agentSessionId === id), 'the same id');
  });

  it('relaunching a lost Codex session resumes its thread', async () => {
    const fake = fakeAgents();
    const core = await makeCore({ env: fake.env(testEnv()) });
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/resume-codex' });
    const s = await core.lifecycle.launch(w.id, 'codex');
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('fake codex ready'), 'codex to be ready');
    type(core, s.name, 'prompt one');
    const thread = await waitFor(async () => (await core.lifecycle.reconcile(), core.store.sessions(w.id)[0]?.agentSessionId), 'the thread id in the row');
    killTmuxServer(core.socket);
    await core.lifecycle.reconcile();
    await core.lifecycle.relaunchLost(w.id, s.name);
    const resumed = await waitFor(() => fake.starts().filter((x) => x.agent === 'codex')[1], 'the relaunch');
    assert.deepEqual(resumed.argv.slice(2), ['resume', thread]);
  });

  it('scrollback is saved only for panes that changed, at most every 30 s unless forced, and removed with its row', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/scrollback' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    type(core, s.name, 'echo first words');
    await waitFor(async () => (await core.lifecycle.reconcile(), tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('\nfirst words')), 'output');
    await new Promise((r) => setTimeout(r, 1100));
    await core.lifecycle.reconcile();
    const file = `${core.storageDir}/scrollback/${s.name}.txt`;
    await core.lifecycle.saveScrollback();
    assert.equal(fs.existsSync(file), false, 'not yet: 30 s since the window started');
    await core.lifecycle.saveScrollback({ force: true });
    assert.match(fs.readFileSync(file, 'utf8'), /first words/);
    const calls = core.exec.calls('tmux');
    await core.lifecycle.saveScrollback({ force: true });
    assert.equal(core.exec.calls('tmux'), calls, 'nothing changed: no capture');
    await core.lifecycle.stopSession(w.id, s.name);
    await core.lifecycle.saveScrollback({ force: true });
    assert.equal(fs.existsSync(file), false);
  });

  it('of two windows on one store and socket, exactly one claims each state change', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/notify' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    const other = secondWindow(core);
    assert.notEqual(other.windowId, core.lifecycle.windowId);
    for (const key of ['waiting-1800000000', 'done-1800000005']) {
      const claims = await Promise.all([core.lifecycle.claimNotification(s.name, key), other.claimNotification(s.name, key)]);
      assert.equal(claims.filter(Boolean).length, 1, `${key}: ${claims}`);
      // Asking again changes nothing: the holder keeps it, the other window still does not get it.
      assert.deepEqual(await Promise.all([core.lifecycle.claimNotification(s.name, key), other.claimNotification(s.name, key)]), claims);
    }
    // The launching window is on the session, for the fallback when no window is focused.
    const listing = await core.tmux.list();
    assert.equal(listing.sessions.find((l) => l.name === s.name)!.launcher, core.lifecycle.windowId);
  });
});
