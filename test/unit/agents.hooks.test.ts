// §8 through the agents' own documented interfaces: fake Claude Code and Codex
// binaries on PATH, real tmux, the real state hook.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { SessionView } from '../../src/core/model';
import { fakeAgents } from '../support/fakeAgents';
import { makeCore, makeRepo, runCleanups, testEnv, tmux, waitFor, type TestCore } from '../support/fixtures';

async function agentCore(): Promise<{ core: TestCore; fake: ReturnType<typeof fakeAgents>; workspaceId: string }> {
  const fake = fakeAgents();
  const core = await makeCore({ env: fake.env(testEnv()) });
  await core.lifecycle.start();
  const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/agents' });
  return { core, fake, workspaceId: w.id };
}

function sessionOf(core: TestCore, workspaceId: string, name: string): SessionView | undefined {
  return core.lifecycle.workspace(workspaceId)?.sessions.find((s) => s.name === name);
}

function type(core: TestCore, name: string, line: string): void {
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, '-l', line);
  tmux(core.socket, 'send-keys', '-t', `=${name}:`, 'Enter');
}

async function stateBecomes(core: TestCore, workspaceId: string, name: string, want: Partial<SessionView>, what: string): Promise<SessionView> {
  return waitFor(() => {
    const s = sessionOf(core, workspaceId, name);
    return s && Object.entries(want).every(([k, v]) => s[k as keyof SessionView] === v) ? s : undefined;
  }, what, 8000);
}

describe('agent awareness: hooks (§8)', () => {
  afterEach(runCleanups);

  it('Claude Code: the --settings hooks report working, waiting and done, with the prompt as summary and session_id kept with the row', async () => {
    const { core, fake, workspaceId } = await agentCore();
    const s = await core.lifecycle.launch(workspaceId, 'claude');
    const start = await waitFor(() => fake.starts().find((x) => x.agent === 'claude'), 'the fake claude to start');
    // Wired per session, without touching the user's own settings: one --settings file of hooks.
    const settingsFile = start.argv[start.argv.indexOf('--settings') + 1];
    assert.ok(settingsFile.startsWith(core.storageDir), settingsFile);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(settingsFile, 'utf8')).hooks).sort(),
      ['Notification', 'PostToolUse', 'PreToolUse', 'SessionEnd', 'SessionStart', 'Stop', 'UserPromptSubmit']);

    const started = await waitFor(() => sessionOf(core, workspaceId, s.name)?.agentSessionId, 'SessionStart to report the session id');
    assert.match(started, /^fake-[0-9a-f]+$/);
    await waitFor(() => core.store.sessions(workspaceId)[0]?.agentSessionId === started, 'the id to be kept with the row');

    type(core, s.name, 'prompt Fix the login bug\\nand the tests');
    const working = await stateBecomes(core, workspaceId, s.name, { state: 'working', stateSource: 'hook' }, 'working from UserPromptSubmit');
    assert.equal(working.summary, 'Fix the login bug');

    type(core, s.name, 'ask');
    const waiting = await stateBecomes(core, workspaceId, s.name, { state: 'waiting', stateSource: 'hook' }, 'waiting from Notification');
    assert.equal(waiting.stateNote, 'Claude needs your permission to use Bash');

    type(core, s.name, 'prompt next');
    await stateBecomes(core, workspaceId, s.name, { state: 'working' }, 'working again after the answer');
    type(core, s.name, 'stop');
    const done = await stateBecomes(core, workspaceId, s.name, { state: 'done', stateSource: 'hook' }, 'done from Stop');
    // Claude's idle reminder is not a question: the turn stays done.
    type(core, s.name, 'idle');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(sessionOf(core, workspaceId, s.name)!.state, 'done');
    assert.equal(sessionOf(core, workspaceId, s.name)!.stateAt, done.stateAt);
  });

  it('Codex: the notify program from -c reports done with the thread id; new output then ends the done state', async () => {
    const { core, fake, workspaceId } = await agentCore();
    const s = await core.lifecycle.launch(workspaceId, 'codex');
    const start = await waitFor(() => fake.starts().find((x) => x.agent === 'codex'), 'the fake codex to start');
    assert.equal(start.argv[0], '-c');
    assert.match(start.argv[1], /^notify=\[/);
    await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('fake codex ready'), 'codex to be ready');

    type(core, s.name, 'prompt rename foo to bar');
    const done = await stateBecomes(core, workspaceId, s.name, { state: 'done', stateSource: 'hook' }, 'done from agent-turn-complete');
    assert.equal(done.summary, 'rename foo to bar');
    assert.equal(done.stateNote, 'Done: rename foo to bar');
    assert.match(done.agentSessionId!, /^thread-[0-9a-f]+$/);

    // Codex reports no "working": output well after its done is a new turn, not the old done.
    await new Promise((r) => setTimeout(r, 3200));
    type(core, s.name, 'say thinking about it');
    await stateBecomes(core, workspaceId, s.name, { state: 'running', stateSource: 'process' }, 'output to end the done state');
  });

  it('any program reports with one line, and hostile text stays inert: no format expansion, no command, one listing line', async () => {
    const { core, workspaceId } = await agentCore();
    const s = await core.lifecycle.launch(workspaceId, 'shell');
    const marker = path.join(core.storageDir, 'expanded');
    type(core, s.name, `"$WTS_STATE_HOOK" waiting "$(printf '#(touch ${marker})\\t#{session_name} -x end;\\nsecond line')"`);
    const waiting = await stateBecomes(core, workspaceId, s.name, { state: 'waiting', stateSource: 'hook' }, 'waiting from the one-line hook');
    assert.equal(waiting.summary, `#(touch ${marker})#{session_name} -x end;`);
    assert.equal(fs.existsSync(marker), false);
    // The listing still parses every session.
    const other = await core.lifecycle.launch(workspaceId, 'shell');
    assert.ok(core.lifecycle.workspace(workspaceId)!.sessions.some((x) => x.name === other.name));
    type(core, s.name, '"$WTS_STATE_HOOK" done');
    await stateBecomes(core, workspaceId, s.name, { state: 'done', stateSource: 'hook' }, 'done from the one-line hook');
    type(core, s.name, '"$WTS_STATE_HOOK" working');
    await stateBecomes(core, workspaceId, s.name, { state: 'working', stateSource: 'hook' }, 'working from the one-line hook');
  });

  it('a hook state from an older generation of a session of the same name is ignored', async () => {
    const { core, workspaceId } = await agentCore();
    const s = await core.lifecycle.launch(workspaceId, 'shell');
    type(core, s.name, `WTS_GENERATION=${s.createdAt - 1} "$WTS_STATE_HOOK" waiting stale`);
    await waitFor(() => tmux(core.socket, 'show-options', '-qv', '-t', `=${s.name}:`, '@wts_state') === 'waiting\n', 'the old generation to write its state');
    await core.lifecycle.reconcile();
    assert.notEqual(sessionOf(core, workspaceId, s.name)!.state, 'waiting');
    type(core, s.name, '"$WTS_STATE_HOOK" waiting current');
    await stateBecomes(core, workspaceId, s.name, { state: 'waiting', stateSource: 'hook', summary: 'current' }, 'this generation to count');
  });
});
