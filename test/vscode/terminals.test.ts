// VS Code terminals attached to the workspaces' tmux sessions (SPEC §5).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { waitFor } from './helpers';
import { launchShell, run, tmux, tmuxSessions, withWorkspace, type Api } from './fixtures';

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
  const t = withWorkspace('terminals', 'feature/term');

  it('opens a terminal named after the workspace, attached to its base tmux session', async () => {
    await run('openTerminal', { workspaceId: t.ws.id });
    const terminal = (await t.api._test.terminalOf(t.ws.baseSession.name))!;
    assert.ok(terminal, 'a terminal is tracked for the base session');
    assert.strictEqual(terminal.name, 'feature/term · Terminal');
    assert.ok(vscode.window.terminals.includes(terminal));
    const options = terminal.creationOptions as vscode.TerminalOptions;
    assert.deepStrictEqual(options.shellArgs, ['-L', t.api.tmuxSocket, '-f', '/dev/null', '-u', 'attach-session', '-t', `=${t.ws.baseSession.name}`]);
    assert.strictEqual(options.env?.TMUX, null, 'TMUX is unset for the attach (SPEC §3)');
    await waitFor(() => attachedSessions(t.api).includes(t.ws.baseSession.name), 'a tmux client on the base session');
  });

  it('focuses the same terminal when opened again instead of attaching a second one', async () => {
    const before = vscode.window.terminals.length;
    const first = await t.api._test.terminalOf(t.ws.baseSession.name);
    await run('openTerminal', { workspaceId: t.ws.id });
    assert.strictEqual(await t.api._test.terminalOf(t.ws.baseSession.name), first);
    assert.strictEqual(vscode.window.terminals.length, before);
    assert.strictEqual(attachedSessions(t.api).filter((s) => s === t.ws.baseSession.name).length, 1);
  });

  it('closing the terminal detaches and never stops the session', async () => {
    const terminal = (await t.api._test.terminalOf(t.ws.baseSession.name))!;
    terminal.dispose();
    await waitFor(() => !attachedSessions(t.api).includes(t.ws.baseSession.name), 'the client to detach');
    assert.ok(tmuxSessions(t.api).includes(t.ws.baseSession.name), 'the base session still runs');
    assert.strictEqual(await t.api._test.terminalOf(t.ws.baseSession.name), undefined);
    await run('openTerminal', { workspaceId: t.ws.id });
    await waitFor(() => attachedSessions(t.api).includes(t.ws.baseSession.name), 'a new client after reopening');
  });

  it('launching a session opens its terminal, attached to that session', async () => {
    const session = await launchShell(t.ws.id);
    const terminal = await waitFor(() => t.api._test.terminalOf(session.name), 'the session terminal');
    assert.strictEqual(terminal.name, 'feature/term · Shell');
    await waitFor(() => attachedSessions(t.api).includes(session.name), 'a tmux client on the session');
  });

  it('a session that ends closes its terminal', async () => {
    const session = (await t.api.listWorkspaces()).find((w) => w.id === t.ws.id)!.sessions[0];
    const terminal = (await t.api._test.terminalOf(session.name))!;
    const closed = new Promise<void>((resolve) => {
      const sub = vscode.window.onDidCloseTerminal((t) => {
        if (t === terminal) {
          sub.dispose();
          resolve();
        }
      });
    });
    tmux(t.api, 'kill-session', '-t', `=${session.name}`);
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the terminal stayed open')), 5_000))]);
    assert.ok(!vscode.window.terminals.includes(terminal));
    assert.strictEqual(await t.api._test.terminalOf(session.name), undefined);
  });

  it('terminals open when the window closes are reattached when it comes back; closed ones are not', async () => {
    const kept = await launchShell(t.ws.id);
    const closedByUser = await launchShell(t.ws.id);
    await waitFor(() => t.api._test.terminalOf(closedByUser.name), 'the second session terminal');
    (await t.api._test.terminalOf(closedByUser.name))!.dispose();
    await waitFor(async () => !(await t.api._test.rememberedTerminals()).includes(closedByUser.name), 'a closed terminal to be forgotten');
    const remembered = await t.api._test.rememberedTerminals();
    assert.ok(remembered.includes(kept.name), `remembered: ${remembered.join(', ')}`);
    const before = (await t.api._test.terminalOf(kept.name))!;

    const restored = await t.api._test.reloadTerminals();
    assert.ok(restored >= 1);
    const after = await waitFor(() => t.api._test.terminalOf(kept.name), 'the reattached terminal');
    assert.notStrictEqual(after, before, 'a new terminal, attached afresh');
    await waitFor(() => !vscode.window.terminals.includes(before), 'the old terminal to go');
    assert.strictEqual(after.name, 'feature/term · Shell');
    await waitFor(() => attachedSessions(t.api).includes(kept.name), 'a tmux client on the kept session');
    assert.strictEqual(await t.api._test.terminalOf(closedByUser.name), undefined, 'the one the user closed stays closed');
    assert.ok(tmuxSessions(t.api).includes(closedByUser.name), 'its session still runs');
  });

  it('stopping a session from the extension closes its terminal first', async () => {
    const session = await launchShell(t.ws.id);
    const terminal = await waitFor(() => t.api._test.terminalOf(session.name), 'the session terminal');
    await run('stopSession', { workspaceId: t.ws.id, sessionName: session.name });
    await waitFor(() => !vscode.window.terminals.includes(terminal), 'the terminal to close');
  });
});
