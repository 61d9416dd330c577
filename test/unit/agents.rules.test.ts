// §8 screen rules, staleness and process state, against real tmux panes.
import assert from 'node:assert/strict';
import { LifecycleService } from '../../src/core/lifecycle';
import type { SessionView } from '../../src/core/model';
import { STALE_WORKING_MS } from '../../src/core/agents/state';
import { fakeAgents } from '../support/fakeAgents';
import { makeCore, makeRepo, onCleanup, runCleanups, testEnv, tmux, waitFor, type TestCore } from '../support/fixtures';

const RULES = { probe: [{ pattern: 'Proceed\\?', state: 'waiting' as const }, { pattern: 'crunching', state: 'working' as const }] };

function type(core: TestCore, name: string, line: string): void {
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, '-l', line);
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, 'Enter');
}

/** Reconciles until the session matches. */
function until(lifecycle: LifecycleService, workspaceId: string, name: string, ok: (s: SessionView) => boolean, what: string): Promise<SessionView> {
  return waitFor(async () => {
    await lifecycle.reconcile();
    const s = sessionOf(lifecycle, workspaceId, name);
    return s && ok(s) ? s : undefined;
  }, what);
}

function sessionOf(lifecycle: LifecycleService, workspaceId: string, name: string): SessionView | undefined {
  return lifecycle.workspace(workspaceId)?.sessions.find((s) => s.name === name);
}

async function ruleCore(): Promise<{ core: TestCore; workspaceId: string; name: string }> {
  // Not started: no poll runs, each test reconciles when it looks (and counts tmux calls).
  const core = await makeCore({ settings: { agents: [{ key: 'probe', label: 'Probe', command: ['/bin/sh'] }], stateRules: RULES } });
  const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/rules' });
  const s = await core.lifecycle.launch(w.id, 'probe');
  return { core, workspaceId: w.id, name: s.name };
}

describe('agent awareness: screen rules, staleness, process (§8)', () => {
  afterEach(runCleanups);

  it('a screen rule sets waiting, then working, and leaves when the screen no longer says so; every window sees it from the listing', async () => {
    const { core, workspaceId, name } = await ruleCore();
    // The typed command line itself must not match: printf assembles the words.
    type(core, name, "printf 'Pro%sceed?\\n' ''");
    const waiting = await until(core.lifecycle, workspaceId, name, (s) => s.state === 'waiting', 'the waiting rule');
    assert.equal(waiting.stateSource, 'rule');
    // Written back to the session: the one listing carries it.
    assert.equal(tmux(core.socket, 'show-options', '-qv', '-t', `=${name}:`, '@wts_state_source'), 'rule\n');
    type(core, name, "clear; printf 'crun%sching\\n' ''");
    await until(core.lifecycle, workspaceId, name, (s) => s.state === 'working', 'the working rule');
    type(core, name, 'clear');
    const plain = await until(core.lifecycle, workspaceId, name, (s) => s.stateSource === 'process', 'the rule state to go');
    assert.equal(plain.state, 'running');
  });

  it('rules are checked only for panes that wrote something since their last check: no capture while all is quiet', async () => {
    const { core, workspaceId, name } = await ruleCore();
    type(core, name, "printf 'Pro%sceed?\\n' ''");
    await until(core.lifecycle, workspaceId, name, (s) => s.state === 'waiting', 'the waiting rule');
    // tmux keeps output times in seconds: a look in the second after the last output is the last one needed.
    await new Promise((r) => setTimeout(r, 1100));
    await core.lifecycle.reconcile();
    const before = core.exec.calls('tmux');
    for (let i = 0; i < 3; i++) await core.lifecycle.reconcile();
    assert.equal(core.exec.calls('tmux') - before, 3, 'one listing per reconciliation, no capture');
    type(core, name, 'true');
    await waitFor(async () => {
      const calls = core.exec.calls('tmux');
      await core.lifecycle.reconcile();
      return core.exec.calls('tmux') - calls === 2;
    }, 'new output to bring one capture');
  });

  it('a hook state outranks a screen rule', async () => {
    const { core, workspaceId, name } = await ruleCore();
    type(core, name, `"$WTS_STATE_HOOK" done; printf 'Pro%sceed?\\n' ''`);
    await until(core.lifecycle, workspaceId, name, (s) => s.stateSource === 'hook', 'the hook state');
    for (let i = 0; i < 3; i++) await core.lifecycle.reconcile();
    assert.equal(sessionOf(core.lifecycle, workspaceId, name)!.state, 'done');
  });

  it('a hook\'s working with no output for ten minutes is re-checked by the rules, and written back for every window', async () => {
    const fake = fakeAgents();
    const core = await makeCore({ env: fake.env(testEnv()) });
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/stale' });
    const s = await core.lifecycle.launch(w.id, 'claude');
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('fake claude ready'), 'claude to be ready');
    type(core, s.name, 'prompt a long job');
    await waitFor(async () => (await core.lifecycle.reconcile(), sessionOf(core.lifecycle, w.id, s.name)?.state === 'working'), 'working from the hook');
    // Its last tool hook (PostToolUse) has run once the output is there, and its second is over.
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('working on a long job'), 'the job output');
    await new Promise((r) => setTimeout(r, 1100));
    // The same installation ten minutes later, with nothing written since.
    let skew = 0;
    const later = new LifecycleService({
      store: core.store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger,
      savedChangesDir: `${core.storageDir}/saved-changes`, pollIntervalMs: 0, clock: () => Date.now() + skew,
    });
    onCleanup(() => later.dispose());
    await later.reconcile();
    assert.equal(sessionOf(later, w.id, s.name)!.state, 'working', 'fresh: the hook holds');
    skew = STALE_WORKING_MS + 60_000;
    await later.reconcile();
    const rechecked = sessionOf(later, w.id, s.name)!;
    assert.equal(rechecked.state, 'idle');
    assert.equal(rechecked.stateSource, 'process');
    // The re-check cleared the stale report on the session itself.
    assert.equal(tmux(core.socket, 'show-options', '-qv', '-t', `=${s.name}:`, '@wts_state'), '\n');
    // Now the claude screen shows its busy line: the built-in rule finds it.
    type(core, s.name, 'say esc to interrupt');
    await waitFor(async () => (await later.reconcile(), sessionOf(later, w.id, s.name)?.state === 'working'), 'the built-in rule');
    assert.equal(sessionOf(later, w.id, s.name)!.stateSource, 'rule');
  });
});
