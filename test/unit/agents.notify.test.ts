// §8 notifications: which window notifies, and when not at all (the claim itself is tested against tmux in agents.resume.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_STATE_RULES } from '../../src/core/agents/state';
import { decideNotification, LAUNCHER_DELAY_MS, notificationKey, OTHER_WINDOW_DELAY_MS, sessionsNeedingUser } from '../../src/vscode/notifyDecision';
import { projectRoot } from '../support/fixtures';
import type { SessionView, WorkspaceView } from '../../src/core/model';

const on = { waiting: true, done: true };
const base = { state: 'waiting' as const, settings: on, focused: false, lookingAtIt: false, launchedHere: false };

describe('agent awareness: notifications (§8)', () => {
  it('the focused window claims at once; else the launching window, then any other', () => {
    assert.deepEqual(decideNotification({ ...base, focused: true }), { kind: 'claim', delayMs: 0, show: true });
    assert.deepEqual(decideNotification({ ...base, launchedHere: true }), { kind: 'claim', delayMs: LAUNCHER_DELAY_MS, show: true });
    assert.deepEqual(decideNotification(base), { kind: 'claim', delayMs: OTHER_WINDOW_DELAY_MS, show: true });
    assert.ok(0 < LAUNCHER_DELAY_MS && LAUNCHER_DELAY_MS < OTHER_WINDOW_DELAY_MS);
  });

  it('none while the user is looking at that terminal in a focused window: claimed, so no other window shows it', () => {
    assert.deepEqual(decideNotification({ ...base, focused: true, lookingAtIt: true }), { kind: 'claim', delayMs: 0, show: false });
  });

  it('only waiting and done notify, each unless its setting is off', () => {
    for (const state of ['working', 'running', 'idle', 'exited'] as const) assert.equal(decideNotification({ ...base, state, focused: true }).kind, 'ignore');
    assert.equal(decideNotification({ ...base, settings: { waiting: false, done: true }, focused: true }).kind, 'ignore');
    assert.equal(decideNotification({ ...base, state: 'done', settings: { waiting: false, done: true }, focused: true }).kind, 'claim');
    assert.equal(decideNotification({ ...base, state: 'done', settings: { waiting: true, done: false }, focused: true }).kind, 'ignore');
  });

  it('one claim key per state change', () => {
    assert.equal(notificationKey('done', 1_800_000_000_999), 'done-1800000000');
    assert.notEqual(notificationKey('done', 1_800_000_000_000), notificationKey('done', 1_800_000_060_000));
    assert.match(notificationKey('waiting', 1), /^[A-Za-z0-9_@-]+$/);
  });

  it('Next Waiting Session: waiting ones first, longest waiting first, then done ones', () => {
    const s = (name: string, state: SessionView['state'], stateAt: number): SessionView => ({ name, target: 'claude', label: name, createdAt: 0, state, stateSource: 'hook', stateAt });
    const w = { id: 'w', sessions: [s('a', 'done', 1), s('b', 'waiting', 5), s('c', 'working', 0), s('d', 'waiting', 2)] } as unknown as WorkspaceView;
    assert.deepEqual(sessionsNeedingUser([w]).map((x) => x.session.name), ['d', 'b', 'a']);
  });

  it('package.json offers the built-in screen rules as the default of worktreeSessions.stateRules', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.configuration.properties['worktreeSessions.stateRules'].default, BUILTIN_STATE_RULES);
  });
});
