// Sessions as a user tells them apart (issue 13 items 2, 3, 13): numbered
// labels in the tree, the stop picker and the terminal tabs; Rename; ages that
// stay true while the view is open; the base terminal's tooltip.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InputRequest, PickRequest } from '../../src/vscode/prompts/prompter';
import type { TreeNode } from '../../src/vscode/tree/nodes';
import { sleep, waitFor } from './helpers';
import { findRow, launchShell, run, ScriptedPrompter, tmux, tmuxSessions, waitForRow, withWorkspace, workspace } from './fixtures';

describe('sessions', function () {
  this.timeout(60_000);
  const t = withWorkspace('sessions', 'feature/sessions');
  const repoName = () => path.basename(t.repo);

  afterEach(() => t.api._test.setPrompter(undefined));

  /** The tree's node of a row, as VS Code holds it after asking for the workspace's children. */
  async function nodeOf(sessionName: string): Promise<TreeNode> {
    return waitFor(async () => {
      const [repo] = (await t.api._test.tree.getChildren()) ?? [];
      const ws = repo?.children().find((n) => n.target.workspaceId === t.ws.id);
      return ws?.children().find((n) => n.target.sessionName === sessionName);
    }, `the row of ${sessionName}`);
  }

  it('numbers sessions that share a label ("Shell", "Shell 2") in the tree, the stop picker and the terminal tabs', async () => {
    const one = await launchShell(t.ws.id);
    const two = await launchShell(t.ws.id);
    const row = await waitForRow(t.api, [repoName(), 'feature/sessions'], 'both session rows', (r) => r.children.length === 3);
    assert.deepStrictEqual(row.children.map((c) => c.label), ['Terminal', 'Shell', 'Shell 2']);
    assert.strictEqual((await t.api._test.terminalOf(one.name))?.name, 'feature/sessions · Shell');
    assert.strictEqual((await t.api._test.terminalOf(two.name))?.name, 'feature/sessions · Shell 2');

    const prompter = new ScriptedPrompter().answerPick('session', 'feature/sessions · Shell');
    t.api._test.setPrompter(prompter);
    await run('stopSession');
    const labels = (prompter.calls[0].request as PickRequest<unknown>).items.map((i) => i.label);
    assert.ok(labels.includes('feature/sessions · Shell') && labels.includes('feature/sessions · Shell 2'), labels.join(', '));
    assert.ok(!tmuxSessions(t.api).includes(one.name));
    // The second keeps its number: its tab was named with it.
    await waitForRow(t.api, [repoName(), 'feature/sessions', 'Shell 2'], '"Shell 2" to stay "Shell 2"');
    assert.ok(!findRow(await t.api._test.treeSnapshot(), repoName(), 'feature/sessions', 'Shell'));
  });

  it('Rename gives a session a name of the user\'s own, in the tree, the API and its terminal tab', async () => {
    const session = (await workspace(t.api, t.ws.id))!.sessions[0];
    const prompter = new ScriptedPrompter().answerPick('session', 'feature/sessions · Shell 2').answerInput('tests');
    t.api._test.setPrompter(prompter);
    await run('renameSession');
    assert.strictEqual((prompter.calls[1].request as InputRequest).value, 'Shell 2', 'the box starts with the current name');
    await waitForRow(t.api, [repoName(), 'feature/sessions', 'tests'], 'the renamed row');
    assert.strictEqual((await workspace(t.api, t.ws.id))!.sessions[0].label, 'tests');
    await waitFor(async () => (await t.api._test.terminalOf(session.name))?.name === 'feature/sessions · tests', 'the terminal under its new name');
    assert.ok(tmuxSessions(t.api).includes(session.name), 'the session itself is untouched');

    await run('renameSession', { workspaceId: t.ws.id, sessionName: session.name, label: 'checks' });
    await waitForRow(t.api, [repoName(), 'feature/sessions', 'checks'], 'the row renamed by argument object');
    await assert.rejects(run('renameSession', { workspaceId: t.ws.id, sessionName: session.name }), /renameSession needs "label"/);
    await assert.rejects(run('renameSession', { workspaceId: t.ws.id, sessionName: session.name, label: '  ' }), /cannot be empty/);
  });

  it('keeps ages true while the view is open, repainting only the rows whose age turned, none while it is hidden', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('workbench.view.extension.worktreeSessions');
    await waitFor(() => t.api._test.treeView.visible, 'the view to show');
    const batches: TreeNode[][] = [];
    const listener = t.api._test.tree.onDidChangeTreeData((e) => Array.isArray(e) && batches.push(e));
    const description = (n: TreeNode) => String(t.api._test.tree.getTreeItem(n).description);
    try {
      // Ages are in minutes: a row turns from "<1m" to "1m" a minute after its launch, with nothing else changing.
      const early = await launchShell(t.ws.id);
      await sleep(8_000);
      const late = await launchShell(t.ws.id);
      const of = (name: string) => (b: TreeNode[]) => b.find((n) => n.target.sessionName === name);

      const tick = await waitFor(() => batches.find(of(early.name)), 'the first session\'s row a minute on', { timeoutMs: 70_000, intervalMs: 250 });
      assert.ok(Date.now() - early.createdAt >= 59_000, 'not before its age turned');
      assert.match(description(of(early.name)(tick)!), / · 1m$/);
      assert.ok(!of(late.name)(tick), 'a row whose age still reads the same is not repainted');

      await vscode.commands.executeCommand('workbench.view.explorer');
      await waitFor(() => !t.api._test.treeView.visible, 'the view to hide');
      await sleep(late.createdAt + 61_000 - Date.now());
      assert.ok(!batches.some(of(late.name)), 'no repaint while the view is hidden');

      await vscode.commands.executeCommand('workbench.view.extension.worktreeSessions');
      const shown = await waitFor(() => batches.find(of(late.name)), 'the row repainted when the view shows again', { timeoutMs: 5_000 });
      assert.match(description(of(late.name)(shown)!), / · 1m$/);
      assert.ok(shown.every((n) => n.id.startsWith('session:')), `only session rows: ${shown.map((n) => n.id).join(', ')}`);
    } finally {
      listener.dispose();
    }
  });

  it('does not repaint the tree when only a session\'s last activity moved: a repaint closes any open tooltip', async () => {
    const session = await launchShell(t.ws.id);
    const terminal = (await t.api._test.terminalOf(session.name))!;
    await waitFor(() => tmux(t.api, 'list-clients', '-F', '#{client_session}').split('\n').includes(session.name), 'its terminal attached');
    const activity = () => tmux(t.api, 'display-message', '-p', '-t', `=${session.name}:`, '#{session_activity}');
    // The view settles first: the launch showed the session before tmux listed its pane's title and command.
    await vscode.commands.executeCommand('worktreeSessions.refresh');
    let repaints = 0;
    // Any repaint counts: the whole tree, or only the rows of one workspace.
    const listener = t.api._test.tree.onDidChangeTreeData(() => repaints++);
    try {
      // Keys typed in its terminal move the session's activity time, which no row shows.
      const before = activity();
      for (let i = 0; i < 3; i++) {
        await sleep(1_100);
        terminal.sendText(' ', false);
      }
      await waitFor(() => activity() !== before, 'the activity time to move');
      // A reconciliation that lists the new time has told the tree by the time it returns: the change event is synchronous.
      await t.api._test.reconcile();
      assert.strictEqual(repaints, 0);
      // The count is live: a change the row shows repaints at once.
      await run('renameSession', { workspaceId: t.ws.id, sessionName: session.name, label: 'renamed' });
      await waitFor(() => repaints > 0, 'a repaint for the new label');
    } finally {
      listener.dispose();
    }
  });

  it('gives the base terminal row a tooltip with the attach command', async () => {
    const base = await nodeOf(t.ws.baseSession.name);
    const item = await t.api._test.tree.resolveTreeItem(t.api._test.tree.getTreeItem(base), base);
    const text = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
    assert.match(text, /\*\*Terminal\*\* of feature\/sessions/);
    assert.ok(text.includes(`attach-session -t =${t.ws.baseSession.name}`), text);
  });
});
