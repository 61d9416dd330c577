// finishing.png for the README's "Finishing the work": runs after scenario.test
// (scripts/screenshots.mjs loads that one first) on the workspaces it made. The
// review of feature/farewell in the multi-file diff editor, its row counting
// the commits ahead of main, Saved Changes under the repository, and the
// notification of a merge that would conflict, with its Send to Agent button.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../../src/vscode/api';
import type { NotifyRequest } from '../../../src/vscode/prompts/prompter';
import { sleep, waitFor } from '../helpers';
import { demo, PAINT_MS, shoot } from './shots';
import { git, run, ScriptedPrompter, type Api } from '../fixtures';


/** Answers the merge's mode from the script, and shows its notifications for real, for the picture. */
class ShowingPrompter extends ScriptedPrompter {
  override notify(request: NotifyRequest): Promise<string | undefined> {
    const show = request.severity === 'error' ? vscode.window.showErrorMessage : request.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(request.message, ...request.actions);
    return Promise.resolve(undefined);
  }
}

function commitAll(cwd: string, message: string): void {
  git(cwd, 'add', '--all');
  git(cwd, 'commit', '--quiet', '-m', message);
}

describe('screenshot of finishing the work', function () {
  this.timeout(120_000);
  let api: Api;
  let repo: string;

  before(async function () {
    ({ api, repo } = await demo(this));
  });

  after(() => api?._test.setPrompter(undefined));

  it('finishing.png: a review, the ahead count, saved changes and a conflict to send to the agent', async () => {
    const list = await api.listWorkspaces();
    const farewell = list.find((w) => w.branch === 'feature/farewell');
    const punctuation = list.find((w) => w.branch === 'fix/greeting-punctuation');
    if (!farewell || !punctuation) throw new Error('run after scenario.test, which makes feature/farewell and fix/greeting-punctuation');

    // What the agent did in feature/farewell is committed, but for the README it is still writing.
    git(farewell.worktreePath, 'add', '--', 'src', 'test');
    git(farewell.worktreePath, 'commit', '--quiet', '-m', 'Add wave() and shout(), test farewell()');

    // Saved changes: a spike deleted with its work uncommitted.
    const spike = await run<ApiWorkspace>('createWorkspace', { repoRoot: repo, branch: 'spike/dark-mode', baseRef: 'main' });
    fs.writeFileSync(path.join(spike.worktreePath, 'src', 'theme.js'), "exports.theme = 'dark';\n");
    await run('deleteWorkspace', { workspaceId: spike.id, force: true });

    // A conflict: main changed the same line as the fix.
    commitAll(punctuation.worktreePath, 'End the greeting with a full stop');
    fs.writeFileSync(path.join(repo, 'src', 'greet.js'), 'exports.greet = (name) => `Hi, ${name}!`;\n');
    commitAll(repo, 'Greet less formally');

    for (const terminal of vscode.window.terminals) terminal.hide();
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api._test.tree.statsMayHaveChanged();

    const rows = async () => (await api._test.tree.getChildren())[0]?.children() ?? [];
    const punctuationRow = await waitFor(async () => (await rows()).find((n) => n.target.workspaceId === punctuation.id), 'the fix\'s row');
    // Codex's question from the tree picture would stand beside the merge's notification.
    await vscode.commands.executeCommand('notifications.clearAll');
    api._test.setPrompter(new ShowingPrompter().answerPick('action', 'Merge'));
    await run('mergeIntoBase', punctuationRow);

    await run('reviewChanges', { workspaceId: farewell.id });
    await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label.startsWith('feature/farewell ↔')), 'the review');

    await waitFor(async () => {
      const snapshot = (await api._test.treeSnapshot())[0]?.children ?? [];
      return snapshot.some((r) => r.label === 'feature/farewell' && /↑\d/.test(r.description ?? '')) && snapshot.some((r) => r.label === 'Saved Changes');
    }, 'the ahead count and Saved Changes', { timeoutMs: 15_000 });
    const saved = (await rows()).find((n) => n.target.repoRoot === repo && !n.target.workspaceId && !n.target.ref && n.children().length);
    const savedChild = saved?.children()[0];
    if (savedChild) await api._test.treeView.reveal(savedChild, { select: false, focus: false, expand: true });
    const farewellRow = (await rows()).find((n) => n.target.workspaceId === farewell.id);
    if (farewellRow) await api._test.treeView.reveal(farewellRow, { select: true, focus: true, expand: false });
    await sleep(PAINT_MS * 2);
    await shoot('finishing.png');
  });
});
