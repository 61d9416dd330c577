// §8 signals beyond the listing (src/core/lifecycle/agentSignals.ts): what a screen rule writes back
// and when it does not, the conversation id kept with its row, saved scrollback and its sweep.
// Real tmux panes on a private socket; a second LifecycleService on the same store and
// socket stands for the same window later (its clock moved on).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LifecycleService } from '../../src/core/lifecycle';
import { isCurrent } from '../../src/core/lifecycle/agentSignals';
import { HookedTmux } from '../support/faults';
import { makeCore, makeRepo, onCleanup, runCleanups, testEnv, tmux, waitFor, type TestCore } from '../support/fixtures';

const RULES = { probe: [{ pattern: 'Proceed\\?', state: 'waiting' as const }] };

function type(core: TestCore, name: string, line: string): void {
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, '-l', line);
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, 'Enter');
}

const option = (core: TestCore, name: string, key: string) => tmux(core.socket, 'show-options', '-qv', '-t', `=${name}:`, key).replace(/\n$/, '');

/** The same store, socket and tmux, with its own clock and (optionally) its own tmux. */
function later(core: TestCore, clock: () => number, tmuxOf = core.tmux): LifecycleService {
  const lifecycle = new LifecycleService({
    store: core.store, tmux: tmuxOf, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger,
    savedChangesDir: path.join(core.storageDir, 'saved-changes'), storageDir: core.storageDir, pollIntervalMs: 0, clock,
  });
  onCleanup(() => lifecycle.dispose());
  return lifecycle;
}

async function probeSession(core: TestCore) {
  const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/signals' });
  const s = await core.lifecycle.launch(w.id, 'probe');
  return { w, s };
}

describe('agent awareness: signals beyond the listing (§8)', () => {
  afterEach(runCleanups);

  it('a look is current only when it came in a later second than the pane\'s last output, and saw that output', () => {
    const l = { activityAt: 5_000 };
    assert.equal(isCurrent(undefined, l), false, 'never looked');
    assert.equal(isCurrent({ activityAt: 5_000, at: 5_999 }, l), false, 'looked within the output\'s second: more may have followed');
    assert.equal(isCurrent({ activityAt: 5_000, at: 6_000 }, l), true);
    assert.equal(isCurrent({ activityAt: 4_000, at: 9_000 }, l), false, 'output since the look');
  });

  it('a rule writes its state back with the generation and without an older note, and does not write it again while it holds', async () => {
    const core = await makeCore({ settings: { agents: [{ key: 'probe', label: 'Probe', command: ['/bin/sh'] }], stateRules: RULES } });
    const { w, s } = await probeSession(core);
    // An earlier rule state with a note, left on the session.
    const set = (k: string, v: string) => [';', 'set-option', '-t', `=${s.name}:`, k, v];
    tmux(core.socket, ...set('@wts_state', 'working').slice(1), ...set('@wts_state_at', String(Math.floor(Date.now() / 1000) - 100)),
      ...set('@wts_state_source', 'rule'), ...set('@wts_state_note', 'an older note'));
    type(core, s.name, "printf 'Pro%sceed?\\n' ''");
    let skew = 0;
    const window = later(core, () => Date.now() + skew);
    await waitFor(async () => (await window.reconcile(), window.workspace(w.id)?.sessions.find((x) => x.name === s.name)?.state === 'waiting'), 'the waiting rule');
    assert.deepEqual(
      ['@wts_state', '@wts_state_source', '@wts_state_note', '@wts_gen'].map((k) => option(core, s.name, k)),
      ['waiting', 'rule', '', String(core.store.sessions(w.id).find((x) => x.name === s.name)!.createdAt)],
    );
    const at = option(core, s.name, '@wts_state_at');
    assert.match(at, /^\d+$/);
    // More output that still says the same, looked at a minute later: the state stands as written.
    type(core, s.name, "printf 'Pro%sceed?\\n' ''");
    skew = 60_000;
    const captures = core.exec.calls('tmux');
    await waitFor(async () => {
      await window.reconcile();
      return core.exec.calls('tmux') - captures >= 2 && tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).split('Proceed?').length > 2;
    }, 'the new output to be looked at');
    await window.reconcile();
    assert.equal(option(core, s.name, '@wts_state_at'), at, 'not written again');
    // The screen no longer says so: the rule's state, its time and any note go from the session.
    tmux(core.socket, 'set-option', '-t', `=${s.name}:`, '@wts_state_note', 'a note');
    // tmux keeps output times in seconds: output in a later second is output the last look did not see.
    await new Promise((r) => setTimeout(r, 1100));
    type(core, s.name, 'clear');
    await waitFor(async () => (await window.reconcile(), window.workspace(w.id)?.sessions.find((x) => x.name === s.name)?.stateSource === 'process'), 'the rule state to go');
    assert.deepEqual(['@wts_state', '@wts_state_at', '@wts_state_note'].map((k) => option(core, s.name, k)), ['', '', '']);
  });

  it('panes of targets without rules are never captured for them', async () => {
    const core = await makeCore();
    const counted = HookedTmux.of(core.tmux, testEnv(), core.exec);
    const window = later(core, Date.now, counted);
    const w = await window.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/no-rules' });
    const s = await window.launch(w.id, 'shell');
    type(core, s.name, 'echo some output');
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('\nsome output'), 'the output');
    for (let i = 0; i < 3; i++) await window.reconcile();
    assert.equal(counted.captures, 0);
  });

  it('a failing capture is logged and the rest still happens: the conversation id is kept with its row', async () => {
    const core = await makeCore({ settings: { agents: [{ key: 'probe', label: 'Probe', command: ['/bin/sh'] }], stateRules: RULES } });
    const { w, s } = await probeSession(core);
    const failing = HookedTmux.of(core.tmux, testEnv(), core.exec);
    failing.captureFault = new Error('capture refused');
    const window = later(core, Date.now, failing);
    type(core, s.name, "printf 'Pro%sceed?\\n' ''");
    tmux(core.socket, 'set-option', '-t', `=${s.name}:`, '@wts_agent_session', 'conv-42.a:b');
    await waitFor(async () => (await window.reconcile(), failing.captures > 0), 'a capture to be tried');
    await waitFor(async () => (await window.reconcile(), core.store.sessions(w.id).find((x) => x.name === s.name)?.agentSessionId === 'conv-42.a:b'), 'the id in the row');
    assert.ok(core.logger.lines.some((l) => /Screen rules could not be checked: capture refused/.test(l)));
  });

  it('a conversation id that could be read as a flag or as shell or tmux syntax is never kept', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/hostile-id' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    for (const hostile of ['--resume', '-x', 'a b', 'id;rm -rf ~', '$(touch x)', 'a'.repeat(129), '#{pane_pid}', '']) {
      tmux(core.socket, 'set-option', '-t', `=${s.name}:`, '@wts_agent_session', hostile);
      await core.lifecycle.reconcile();
      assert.equal(core.store.sessions(w.id)[0].agentSessionId, undefined, JSON.stringify(hostile));
    }
    tmux(core.socket, 'set-option', '-t', `=${s.name}:`, '@wts_agent_session', 'a'.repeat(128));
    await core.lifecycle.reconcile();
    assert.equal(core.store.sessions(w.id)[0].agentSessionId, 'a'.repeat(128));
    // The same id again writes nothing.
    const file = core.store.file;
    const before = fs.statSync(file).mtimeMs;
    await core.lifecycle.reconcile();
    assert.equal(fs.statSync(file).mtimeMs, before);
  });

  it('a conversation id goes to the row of its own session: an unstamped session counts, a sibling session\'s row is left alone', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/ids' });
    const first = await core.lifecycle.launch(w.id, 'shell');
    const second = await core.lifecycle.launch(w.id, 'shell');
    // Made by a version that did not stamp sessions: the id still counts.
    tmux(core.socket, 'set-option', '-u', '-t', `=${second.name}:`, '@wts_created');
    tmux(core.socket, 'set-option', '-t', `=${second.name}:`, '@wts_agent_session', 'conv-second');
    await waitFor(async () => (await core.lifecycle.reconcile(), core.store.sessions(w.id).find((x) => x.name === second.name)?.agentSessionId === 'conv-second'), 'the id in its row');
    assert.equal(core.store.sessions(w.id).find((x) => x.name === first.name)!.agentSessionId, undefined);
  });

  it('scrollback is saved thirty seconds after the last save at the earliest, and two saves at once capture once', async () => {
    const core = await makeCore();
    const counted = HookedTmux.of(core.tmux, testEnv(), core.exec);
    let now = Date.now();
    const start = now;
    const window = later(core, () => now, counted);
    const w = await window.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/interval' });
    const s = await window.launch(w.id, 'shell');
    type(core, s.name, 'echo saved words');
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('\nsaved words'), 'the output');
    const file = path.join(core.storageDir, 'scrollback', `${s.name}.txt`);
    await window.reconcile();
    now = start + 29_999;
    await window.saveScrollback();
    assert.equal(fs.existsSync(file), false, 'not yet');
    now = start + 30_000;
    await window.reconcile();
    await window.saveScrollback();
    assert.match(fs.readFileSync(file, 'utf8'), /saved words/);
    // New output, in a later second than the last save looked.
    await new Promise((r) => setTimeout(r, 1100));
    type(core, s.name, 'echo more words');
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('\nmore words'), 'more output');
    await new Promise((r) => setTimeout(r, 1100));
    now = Date.now();
    await window.reconcile();
    const before = counted.captures;
    await Promise.all([window.saveScrollback({ force: true }), window.saveScrollback({ force: true })]);
    assert.match(fs.readFileSync(file, 'utf8'), /more words/);
    assert.equal(counted.captures - before, 1, 'the second save joined the first');
  });

  it('saved scrollback: an empty pane saves an empty file; the sweep removes only .txt files without a row', async () => {
    // A program that clears its screen and prints nothing more: no prompt either.
    const core = await makeCore({ settings: { agents: [{ key: 'blank', label: 'Blank', command: ['/bin/sh', '-c', 'printf "\\033[2J\\033[H"; exec sleep 1000'] }] } });
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/sweep' });
    const s = await core.lifecycle.launch(w.id, 'blank');
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).trim() === '', 'an empty pane');
    await core.lifecycle.reconcile();
    const dir = path.join(core.storageDir, 'scrollback');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'wts-0000000000000000.txt'), 'a session with no row\n');
    fs.writeFileSync(path.join(dir, 'wts-0000000000000000.replay'), 'a relaunch printing it\n');
    fs.writeFileSync(path.join(dir, 'notes.md'), 'not ours to judge\n');
    await core.lifecycle.saveScrollback({ force: true });
    assert.equal(fs.readFileSync(path.join(dir, `${s.name}.txt`), 'utf8'), '');
    assert.deepEqual(fs.readdirSync(dir).sort(), [`${s.name}.txt`, 'notes.md', 'wts-0000000000000000.replay'].sort());
  });
});
