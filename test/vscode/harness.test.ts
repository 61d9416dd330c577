// Smoke test of the harness itself: the extension loads in a real extension host.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, getApi } from './helpers';

describe('extension host harness', () => {
  it('activates the extension, resolves api.ready and registers worktreeSessions.refresh', async () => {
    const api = await getApi();
    assert.strictEqual(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    await api.ready;
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('worktreeSessions.refresh'), 'worktreeSessions.refresh is not registered');
  });
});
