// §8's state rules as a pure function of one listing line: every source, in order of strength.
import assert from 'node:assert/strict';
import { ACTIVE_WINDOW_MS, deriveState, matchRules, rulesFor, STALE_WORKING_MS, summaryOf } from '../../src/core/agents/state';
import { reportsWorking, wireCommand } from '../../src/core/agents/wiring';
import { relaunchCommand } from '../../src/core/lifecycle/relaunchCommand';
import type { LiveSession, ReportedState } from '../../src/core/tmuxParse';

const NOW = 1_800_000_000_000;
const live = (over: Partial<LiveSession> = {}): LiveSession => ({
  name: 'wts-0123456789abcdef-claude', owner: 'o', createdStamp: NOW - 600_000, createdAt: NOW - 600_000,
  activityAt: NOW - 60_000, panePid: 1, paneDead: false, bell: false, ...over,
});
const hook = (state: ReportedState['state'], at = NOW - 5_000, over: Partial<ReportedState> = {}): ReportedState =>
  ({ state, at, source: 'hook', generation: NOW - 600_000, ...over });
const derive = (l: LiveSession, agentReportsWorking = true) => deriveState(l, NOW, { reportsWorking: agentReportsWorking });

describe('agent awareness: deriving the state (§8)', () => {
  it('process: output in the last 30 s is running, none is idle, a dead pane is exited', () => {
    assert.deepEqual(derive(live({ activityAt: NOW - ACTIVE_WINDOW_MS + 1000 })), { state: 'running', source: 'process', at: NOW - ACTIVE_WINDOW_MS + 1000 });
    assert.equal(derive(live({ activityAt: NOW - ACTIVE_WINDOW_MS - 1000 })).state, 'idle');
    assert.equal(derive(live({ paneDead: true, reported: hook('working') })).state, 'exited');
  });

  it('hook: each reported state shows, with its time and note, over the bell and the rules', () => {
    for (const state of ['working', 'waiting', 'done'] as const) {
      assert.deepEqual(derive(live({ reported: hook(state, NOW - 5_000, { note: 'why' }) })), { state, source: 'hook', at: NOW - 5_000, note: 'why' });
    }
    assert.equal(derive(live({ reported: hook('done', NOW - 5_000), bellAt: NOW - 60_000 })).source, 'hook');
  });

  it('bell: waiting until new output, and it outranks a hook\'s older working', () => {
    assert.deepEqual(derive(live({ bellAt: NOW - 60_000, activityAt: NOW - 60_000 })), { state: 'waiting', source: 'bell', at: NOW - 60_000 });
    assert.equal(derive(live({ bellAt: NOW - 60_000, activityAt: NOW - 1_000 })).source, 'process');
    assert.equal(derive(live({ bellAt: NOW - 2_000, activityAt: NOW - 2_000, reported: hook('working', NOW - 9_000) })).source, 'bell');
  });

  it('rule: a state a window wrote back shows when no hook or bell speaks', () => {
    assert.deepEqual(derive(live({ reported: { state: 'waiting', at: NOW - 3_000, source: 'rule' } })), { state: 'waiting', source: 'rule', at: NOW - 3_000, note: undefined });
  });

  it('generations: a report for an older generation is ignored; the current one and an unstamped one count', () => {
    assert.equal(derive(live({ reported: hook('waiting', NOW - 5_000, { generation: NOW - 600_001 }) })).source, 'process');
    assert.equal(derive(live({ reported: hook('waiting', NOW - 5_000, { generation: NOW - 600_000 }) })).state, 'waiting');
    assert.equal(derive(live({ reported: hook('waiting', NOW - 5_000, { generation: undefined }) })).state, 'waiting');
  });

  it('staleness: a hook\'s working with no output for 10 minutes is no longer believed', () => {
    const quiet = NOW - STALE_WORKING_MS - 1_000;
    assert.equal(derive(live({ activityAt: quiet, reported: hook('working', quiet) })).state, 'idle');
    assert.equal(derive(live({ activityAt: NOW - STALE_WORKING_MS + 60_000, reported: hook('working', quiet) })).state, 'working');
    // A done or waiting holds: the agent is waiting for the user, however long.
    assert.equal(derive(live({ activityAt: quiet, reported: hook('waiting', quiet) })).state, 'waiting');
  });

  it('an agent whose hooks never say working (Codex, Aider): output after done starts a new turn', () => {
    const l = live({ reported: hook('done', NOW - 60_000), activityAt: NOW - 10_000 });
    assert.equal(derive(l, true).state, 'done');
    assert.equal(derive(l, false).state, 'running');
    assert.equal(derive(live({ reported: hook('done', NOW - 60_000), activityAt: NOW - 59_000 }), false).state, 'done', 'its own last write');
    assert.equal(reportsWorking('claude'), true);
    assert.equal(reportsWorking('codex'), false);
    assert.equal(reportsWorking('my-own-agent'), true);
  });

  it('summary: the title the agent set, else its last prompt; never the host name, never a shell\'s title', () => {
    assert.equal(summaryOf(live({ title: '✳ Fix login', summary: 'fix the login' }), true, ['box']), '✳ Fix login');
    assert.equal(summaryOf(live({ title: 'box', summary: 'fix the login' }), true, ['box']), 'fix the login');
    assert.equal(summaryOf(live({ title: 'me@box: ~', summary: undefined }), false, ['box']), undefined);
  });

  it('screen rules: the first rule that matches one of the last lines; a bad pattern is skipped; the user\'s list replaces the built-in one per key', () => {
    const rules = [{ pattern: '(', state: 'waiting' as const }, { pattern: 'Allow\\?', state: 'waiting' as const }, { pattern: 'busy', state: 'working' as const, lines: 1 }];
    assert.equal(matchRules(rules, 'busy\nAllow?\n\n')?.pattern, 'Allow\\?');
    assert.equal(matchRules(rules, 'x\nbusy\n')?.state, 'working');
    assert.equal(matchRules(rules, 'busy\nlast line'), undefined);
    assert.ok(rulesFor('claude', {}).length > 0);
    assert.deepEqual(rulesFor('claude', { claude: [] }), []);
    assert.deepEqual(rulesFor('mine', { mine: rules }), rules);
  });

  it('wiring goes right after the agent\'s program, also behind a wrapper, and only for its key', () => {
    const files = { stateHook: '/s/hook', claudeSettings: '/s/claude.json' };
    assert.deepEqual(wireCommand('claude', ['claude', '--model', 'opus'], files), ['claude', '--settings', '/s/claude.json', '--model', 'opus']);
    assert.deepEqual(wireCommand('claude', ['env', 'X=1', '/opt/bin/claude'], files), ['env', 'X=1', '/opt/bin/claude', '--settings', '/s/claude.json']);
    assert.deepEqual(wireCommand('codex', ['codex', 'resume', 'th-1'], files).slice(0, 2), ['codex', '-c']);
    assert.deepEqual(wireCommand('aider', ['aider'], files), ['aider', '--notifications', '--notifications-command', '"$WTS_STATE_HOOK" done']);
    assert.deepEqual(wireCommand('shell', ['/bin/sh'], files), ['/bin/sh']);
  });

  it('resume by id: {sessionId} is replaced by the id the hook reported; without one the latest conversation resumes', () => {
    const claude = { key: 'claude', label: 'Claude Code', command: ['claude'], resumeCommand: ['claude', '--resume', '{sessionId}'], continueCommand: ['claude', '--continue'], source: 'builtin' as const, available: true };
    assert.deepEqual(relaunchCommand(claude, { command: ['claude'], agentSessionId: 'abc-123' }), ['claude', '--resume', 'abc-123']);
    assert.deepEqual(relaunchCommand(claude, { command: ['claude'] }), ['claude', '--continue']);
    const mine = { key: 'mine', label: 'Mine', command: ['mine'], resumeCommand: ['mine', '--session={sessionId}'], source: 'configured' as const, available: true };
    assert.deepEqual(relaunchCommand(mine, { command: ['mine'], agentSessionId: 'x1' }), ['mine', '--session=x1']);
    assert.deepEqual(relaunchCommand(mine, { command: ['mine'] }), ['mine']);
    assert.deepEqual(relaunchCommand(undefined, { command: ['gone', '--flag'] }), ['gone', '--flag']);
  });
});
