// The view's keyboard and the rows of the window's own workspace (issue 13
// items 5 and 13): Enter and Delete act on the selected row; a row of the
// workspace this window is on says so, which hides "open the worktree" items.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { WorkspaceView } from '../../src/core';
import { RepositoryNode, WorkspaceNode, type TreeNode, type WorkspaceDecorations } from '../../src/vscode/tree/nodes';
import { waitFor } from './helpers';
import { launchShell, run, ScriptedPrompter, tmuxSessions, withWorkspace, workspace } from './fixtures';

describe('view keys and rows', function () {
  this.timeout(60_000);
  const t = withWorkspace('view-keys', 'feature/keys');

  afterEach(() => t.api._test.setPrompter(undefined));

  /** Selects a row as a click or the arrow keys would. */
  async function select(match: (n: TreeNode) => boolean): Promise<TreeNode> {
    await vscode.commands.executeCommand('workbench.view.extension.worktreeSessions');
    const node = await waitFor(async () => {
      const repo = ((await t.api._test.tree.getChildren()) ?? []).find((n) => n.target.repoRoot === t.ws.repoRoot);
      const rows = repo ? [repo, ...repo.children().flatMap((w) => [w, ...w.children()])] : [];
      return rows.find(match);
    }, 'the row to select');
    await t.api._test.treeView.reveal(node, { select: true, focus: true });
    await waitFor(() => t.api._test.treeView.selection[0]?.id === node.id, 'the selection');
    return node;
  }

  it('Enter on a workspace row opens its terminal', async () => {
    (await t.api._test.terminalOf(t.ws.baseSession.name))?.dispose();
    await select((n) => n.id === `ws:${t.ws.id}`);
    await run('openSelected');
    await waitFor(() => t.api._test.terminalOf(t.ws.baseSession.name), 'the base terminal');
  });

  it('Delete on a session row stops it; on a workspace row it asks, as the menu does', async () => {
    const session = await launchShell(t.ws.id);
    await select((n) => n.target.sessionName === session.name);
    await run('deleteSelected');
    assert.ok(!tmuxSessions(t.api).includes(session.name));

    await select((n) => n.id === `ws:${t.ws.id}`);
    const prompter = new ScriptedPrompter().answerPick('confirm', undefined);
    t.api._test.setPrompter(prompter);
    await run('deleteSelected');
    assert.strictEqual(prompter.calls[0]?.kind, 'pick');
    assert.match((prompter.calls[0].request as { title: string }).title, /Delete the workspace "feature\/keys"\?/);
    assert.ok(await workspace(t.api, t.ws.id), 'nothing is deleted without an answer');
  });

  it('marks the row of the workspace this window is on, and only that one', () => {
    const w: WorkspaceView = {
      id: '0123456789abcdef', repoRoot: '/r', worktreePath: '/r.worktrees/feat', branch: 'feat', baseRef: 'main', createdBranch: true,
      status: 'ready', baseSession: { name: 'wts-0123456789abcdef', running: true }, sessions: [], lostSessions: [], busy: false,
    };
    const decorations = (here: boolean): WorkspaceDecorations => ({ stats: () => undefined, isWindowWorkspace: () => here, sessionLabels: () => new Map() });
    const row = (here: boolean) => new WorkspaceNode(w, new RepositoryNode('/r', [w], decorations(here)), decorations(here)).treeItem();
    assert.strictEqual(row(true).contextValue, 'workspace.ready.thisWindow');
    assert.match(String(row(true).description), /this window/);
    assert.strictEqual(row(false).contextValue, 'workspace.ready');
  });
});
