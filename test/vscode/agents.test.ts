// §8 in the window: the state a session reports shows in the tree, the status
// bar and the activity-bar badge, and Next Waiting Session opens it.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { waitFor } from './helpers';
import type { ApiSession } from '../../src/vscode/api';
import { run, setSetting, tmux, waitForRow, withWorkspace } from './fixtures';

describe('agent awareness', function () {
  this.timeout(60_000);
  // A plain /bin/sh as an agent: the machine's interactive shell may take its time in its start-up files.
  const t = withWorkspace('agents', 'feature/agents', ['agents']);

  it('a session that reports waiting shows it everywhere, and Next Waiting Session opens its terminal', async () => {
    await setSetting('agents', [{ key: 'probe', label: 'Probe', command: ['/bin/sh'] }]);
    const session = await waitFor(() => run<ApiSession>('launch', { workspaceId: t.ws.id, target: 'probe' }).catch(() => undefined), 'the probe agent to launch');
    const say = (line: string) => {
      tmux(t.api, 'send-keys', '-t', `=${session.name}:`, '-l', line);
      tmux(t.api, 'send-keys', '-t', `=${session.name}:`, 'Enter');
    };
    say('"$WTS_STATE_HOOK" waiting fix the login form');

    const row = await waitForRow(t.api, ['agents', 'feature/agents', 'Probe'], 'the waiting row', (r) => r.icon === 'bell-dot');
    assert.match(row.description ?? '', /^fix the login form · waiting for input · /);
    const api = (await t.api.listWorkspaces()).find((w) => w.id === t.ws.id)!.sessions[0];
    assert.deepStrictEqual([api.state, api.stateSource, api.summary], ['waiting', 'hook', 'fix the login form']);
    await waitFor(async () => (await t.api._test.statusBar()).text.endsWith('1 session · 1 waiting'), 'the status bar count');
    await waitFor(() => t.api._test.treeView.badge?.value === 1, 'the badge');

    const opened = await run<{ sessionName: string }>('nextWaitingSession', {});
    assert.strictEqual(opened.sessionName, session.name);
    const terminal = await waitFor(() => t.api._test.terminalOf(session.name), 'its terminal');
    await waitFor(() => vscode.window.activeTerminal === terminal, 'its terminal to be the active one');

    say('"$WTS_STATE_HOOK" done');
    await waitForRow(t.api, ['agents', 'feature/agents', 'Probe'], 'the done row', (r) => r.icon === 'check');
    await waitFor(() => t.api._test.treeView.badge === undefined, 'the badge to clear');
  });
});
