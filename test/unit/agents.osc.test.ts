// §8 source 2: OSC 9 / 777 notifications, which tmux itself drops, read from the
// pane's output (pipe-pane into the state hook's --osc mode) and shown as a bell
// with the notification's text. Real tmux, real panes, the real hook.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { watchesNotifications } from '../../src/core/agents/wiring';
import type { SessionView } from '../../src/core/model';
import { makeCore, makeRepo, runCleanups, tmux, waitFor, type TestCore } from '../support/fixtures';

function type(core: TestCore, name: string, line: string): void {
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, '-l', line);
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, 'Enter');
}

async function probeCore(): Promise<{ core: TestCore; workspaceId: string }> {
  const core = await makeCore({ settings: { agents: [{ key: 'probe', label: 'Probe', command: ['/bin/sh'] }] } });
  await core.lifecycle.start();
  const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/osc' });
  return { core, workspaceId: w.id };
}

function becomes(core: TestCore, workspaceId: string, name: string, ok: (s: SessionView) => boolean, what: string): Promise<SessionView> {
  return waitFor(async () => {
    await core.lifecycle.reconcile();
    const s = core.lifecycle.workspace(workspaceId)?.sessions.find((x) => x.name === name);
    return s && ok(s) ? s : undefined;
  }, what, 8000);
}

function option(core: TestCore, name: string, key: string): string {
  return tmux(core.socket, 'show-options', '-qv', '-t', `=${name}:`, key).replace(/\n$/, '');
}

describe('agent awareness: OSC 9 / 777 notifications (§8)', () => {
  afterEach(runCleanups);

  it('an OSC 9 notification makes the session waiting, from the bell, with its text as the note; hostile text stays text', async () => {
    const { core, workspaceId } = await probeCore();
    const s = await core.lifecycle.launch(workspaceId, 'probe');
    const marker = path.join(core.storageDir, 'expanded');
    // printf assembles the escape: the typed command line itself holds none.
    type(core, s.name, `printf '\\033]9;Approve #(touch ${marker}) #{session_name} -x;\\007'`);
    const waiting = await becomes(core, workspaceId, s.name, (x) => x.state === 'waiting', 'the notification to make it waiting');
    assert.equal(waiting.stateSource, 'bell');
    assert.equal(waiting.stateNote, `Approve #(touch ${marker}) #{session_name} -x;`);
    assert.equal(fs.existsSync(marker), false);
  });

  it('an OSC 777 notify ended by ST gives "title: body"', async () => {
    const { core, workspaceId } = await probeCore();
    const s = await core.lifecycle.launch(workspaceId, 'probe');
    type(core, s.name, "printf '\\033]777;notify;Codex;Approve the migration?\\033\\\\'");
    const waiting = await becomes(core, workspaceId, s.name, (x) => x.stateNote !== undefined, 'the notification');
    assert.equal(waiting.state, 'waiting');
    assert.equal(waiting.stateNote, 'Codex: Approve the migration?');
  });

  it('a progress report (OSC 9;4) and an OSC 777 that is not notify are not notifications', async () => {
    const { core, workspaceId } = await probeCore();
    const s = await core.lifecycle.launch(workspaceId, 'probe');
    // The hook's --osc mode run directly on those bytes: when it has exited, it has read them all.
    const bytes = '\x1b]9;4;1;50\x07 text \x1b]777;preexec\x07 \x1b]9;4;0\x1b\\';
    const socketPath = tmux(core.socket, 'display-message', '-p', '#{socket_path}').trim();
    const hook = option(core, s.name, '@wts_osc_hook');
    assert.ok(hook.startsWith(core.storageDir), hook);
    const r = spawnSync(hook, ['--osc', socketPath, s.name, 'tmux'], { input: bytes, timeout: 10_000 });
    assert.equal(r.status, 0);
    assert.equal(option(core, s.name, '@wts_bell'), '');
    // The same run with one notification after them sets exactly that one.
    spawnSync(hook, ['--osc', socketPath, s.name, 'tmux'], { input: `${bytes}\x1b]9;Real one\x07`, timeout: 10_000 });
    assert.equal(option(core, s.name, '@wts_bell_note'), 'Real one');
    const waiting = await becomes(core, workspaceId, s.name, (x) => x.state === 'waiting', 'the notification');
    assert.equal(waiting.stateNote, 'Real one');
  });

  it('a burst of notifications (output is anyone\'s to write) costs at most one tmux call a second, and the last text wins', async () => {
    const { core, workspaceId } = await probeCore();
    const s = await core.lifecycle.launch(workspaceId, 'probe');
    // Every set-option a client sends counts once.
    tmux(core.socket, 'set-hook', '-g', 'after-set-option', 'set-option -gF @calls "#{e|+:#{@calls},1}"');
    const burst = Array.from({ length: 3000 }, (_, i) => `\x1b]9;note ${i + 1}\x07`).join('');
    const socketPath = tmux(core.socket, 'display-message', '-p', '#{socket_path}').trim();
    const r = spawnSync(option(core, s.name, '@wts_osc_hook'), ['--osc', socketPath, s.name, 'tmux'], { input: burst, timeout: 20_000 });
    assert.equal(r.status, 0);
    assert.equal(option(core, s.name, '@wts_bell_note'), 'note 3000');
    // Two set-options per call: the first notification at once, the last one a second later.
    assert.ok(Number(tmux(core.socket, 'show-options', '-gv', '@calls')) <= 6, tmux(core.socket, 'show-options', '-gv', '@calls'));
  });

  it('only agents whose hooks do not say when they wait are watched: not shells, not Claude Code, Gemini CLI or opencode', async () => {
    assert.deepEqual(['claude', 'codex', 'gemini', 'opencode', 'aider', 'shell', 'mine'].filter(watchesNotifications), ['codex', 'aider', 'mine']);
    const { core, workspaceId } = await probeCore();
    const probe = await core.lifecycle.launch(workspaceId, 'probe');
    const shell = await core.lifecycle.launch(workspaceId, 'shell');
    assert.equal(tmux(core.socket, 'display-message', '-p', '-t', `=${probe.name}:`, '#{pane_pipe}').trim(), '1');
    assert.equal(tmux(core.socket, 'display-message', '-p', '-t', `=${shell.name}:`, '#{pane_pipe}').trim(), '0');
  });
});
