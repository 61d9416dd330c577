// VS Code terminals attached to the workspaces' tmux sessions (SPEC §5).
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../src/vscode/api';
import { waitFor } from './helpers';
import { cleanUp, create, launchShell, makeRepo, readyApi, run, tmux, tmuxSessions, type Api } from './fixtures';

/** The sessions that have a tmux client attached. */
function attachedSessions(api: Api): string[] {
  try {
    return tmux(api, 'list-clients', '-F', '#{client_session}').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('terminals', function () {
  this.timeout(60_000);
  let api: Api;
  let repo: string;
  let ws: ApiWorkspace;

  before(async () => {
    api = await readyApi();
    repo = makeRepo('terminals');
    ws = await create(repo, 'feature/term');
  });

  after(() => cleanUp(api, [repo]));

  it('opens a terminal named after the workspace, attached to its base tmux session', async () => {
    await run('openTerminal', { workspaceId: ws.id });
    const terminal = (await api._test.terminalOf(ws.baseSession.name))!;
    assert.ok(terminal, 'a terminal is tracked for the base session');
    assert.strictEqual(terminal.name, 'feature/term · Terminal');
    assert.ok(vscode.window.terminals.includes(terminal));
    const options = terminal.creationOptions as vscode.TerminalOptions;
    assert.deepStrictEqual(options.shellArgs, ['-L', api.tmuxSocket, '-u', 'attach-session', '-t', `=${ws.baseSession.name}`]);
    assert.strictEqual(options.env?.TMUX, null, 'TMUX is unset for the attach (SPEC §3)');
    await waitFor(() => attachedSessions(api).includes(ws.baseSession.name), 'a tmux client on the base session');
  });

  it('focuses the same terminal when opened again instead of attaching a second one', async () => {
    const before = vscode.window.terminals.length;
    const first = await api._test.terminalOf(ws.baseSession.name);
    await run('openTerminal', { workspaceId: ws.id });
    assert.strictEqual(await api._test.terminalOf(ws.baseSession.name), first);
    assert.strictEqual(vscode.window.terminals.length, before);
    assert.strictEqual(attachedSessions(api).filter((s) => s === ws.baseSession.name).length, 1);
  });

  it('closing the terminal detaches and never stops the session', async () => {
    const terminal = (await api._test.terminalOf(ws.baseSession.name))!;
    terminal.dispose();
    await waitFor(() => !attachedSessions(api).includes(ws.baseSession.name), 'the client to detach');
    assert.ok(tmuxSessions(api).includes(ws.baseSession.name), 'the base session still runs');
    assert.strictEqual(await api._test.terminalOf(ws.baseSession.name), undefined);
    await run('openTerminal', { workspaceId: ws.id });
    await waitFor(() => attachedSessions(api).includes(ws.baseSession.name), 'a new client after reopening');
  });

  it('launching a session opens its terminal, attached to that session', async () => {
    const session = await launchShell(ws.id);
    const terminal = await waitFor(() => api._test.terminalOf(session.name), 'the session terminal');
    assert.strictEqual(terminal.name, 'feature/term · Shell');
    await waitFor(() => attachedSessions(api).includes(session.name), 'a tmux client on the session');
  });

  it('a session that ends closes its terminal', async () => {
    const session = (await api.listWorkspaces()).find((w) => w.id === ws.id)!.sessions[0];
    const terminal = (await api._test.terminalOf(session.name))!;
    const closed = new Promise<void>((resolve) => {
      const sub = vscode.window.onDidCloseTerminal((t) => {
        if (t === terminal) {
          sub.dispose();
          resolve();
        }
      });
    });
    tmux(api, 'kill-session', '-t', `=${session.name}`);
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the terminal stayed open')), 5_000))]);
    assert.ok(!vscode.window.terminals.includes(terminal));
    assert.strictEqual(await api._test.terminalOf(session.name), undefined);
  });

  it('stopping a session from the extension closes its terminal first', async () => {
    const session = await launchShell(ws.id);
    const terminal = await waitFor(() => api._test.terminalOf(session.name), 'the session terminal');
    await run('stopSession', { workspaceId: ws.id, sessionName: session.name });
    await waitFor(() => !vscode.window.terminals.includes(terminal), 'the terminal to close');
  });
});
