// Finishing the work (SPEC §10), the success paths a user reaches by buttons:
// Send to Agent after a conflict (read back from the agent's tmux pane), the
// delete a merge offers, Open in This Window / New Window (through the
// openFolder seam: in this window it would end the tests), and Add to
// Workspace (the harness opens a multi-root window, so the folder really comes).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ApiSession, ApiWorkspace } from '../../src/vscode/api';
import type { TreeNode } from '../../src/vscode/tree/nodes';
import { canTakeScreenshots, waitFor } from './helpers';
import { cleanUp, create, git, makeRepo, readyApi, run, ScriptedPrompter, setSetting, tmux, workspace, type Api } from './fixtures';

function commit(cwd: string, file: string, content: string): void {
  fs.writeFileSync(path.join(cwd, file), content);
  git(cwd, 'add', '--', file);
  git(cwd, 'commit', '--quiet', '-m', `Change ${file}`);
}

interface OpenedFolder {
  fsPath: string;
  options: { forceNewWindow?: boolean; forceReuseWindow?: boolean };
}

describe('finishing the work: the buttons (SPEC §10)', function () {
  this.timeout(90_000);
  let api: Api;
  let repo: string;
  let opened: OpenedFolder[];

  before(async () => {
    api = await readyApi();
    repo = makeRepo('finish-actions');
    // An agent that only echoes what is typed into it: the tty shows the typed text before Enter.
    await setSetting('agents', [{ key: 'listener', label: 'Listener', command: ['cat'] }]);
  });

  beforeEach(() => {
    opened = [];
    api._test.setOpenFolder(async (uri, options) => {
      opened.push({ fsPath: uri.fsPath, options });
    });
  });

  afterEach(() => {
    api._test.setPrompter(undefined);
    api._test.setOpenFolder(undefined);
  });

  after(async () => {
    await setSetting('agents', undefined);
    await cleanUp(api, [repo]);
  });

  /** The tree row of a workspace: invoked with it, a command is interactive. */
  async function rowOf(w: ApiWorkspace): Promise<TreeNode> {
    return waitFor(async () => {
      const repoRow = (await api._test.tree.getChildren()).find((n) => n.target.repoRoot === w.repoRoot);
      return repoRow?.children().find((n) => n.target.workspaceId === w.id && !n.target.sessionName);
    }, `the row of ${w.branch}`);
  }

  it('Send to Agent types the conflicting files into the agent\'s terminal', async () => {
    const w = await create(repo, 'feature/clash');
    commit(w.worktreePath, 'conflict.txt', 'from the branch\n');
    commit(repo, 'conflict.txt', 'from main\n');
    const agent = await run<ApiSession>('launch', { workspaceId: w.id, target: 'listener' });
    const prompter = new ScriptedPrompter().answerPick('action', 'Merge').answerNotify('Send to Agent');
    api._test.setPrompter(prompter);

    assert.deepStrictEqual(await run('mergeIntoBase', await rowOf(w)), { merged: false, conflicts: ['conflict.txt'] });
    const note = await prompter.notification(/would conflict/);
    assert.strictEqual(note.message, 'Merge of "feature/clash" into main would conflict in conflict.txt. Nothing was changed.');
    const typed = 'Merging into main conflicts in: conflict.txt. Please merge main into this branch and resolve these conflicts.';
    // -J joins the lines the pane wrapped at its width.
    await waitFor(() => tmux(api, 'capture-pane', '-p', '-J', '-t', `=${agent.name}:`).replace(/\s+/g, ' ').includes(typed), 'the file list in the agent\'s pane');
    assert.ok(await api._test.terminalOf(agent.name), 'the agent\'s terminal was opened to type into');
    git(repo, 'rm', '--quiet', 'conflict.txt');
    git(repo, 'commit', '--quiet', '-m', 'Clean up the conflict');
  });

  it('after a merge, Delete Workspace deletes the workspace and the merged branch (D6)', async () => {
    const w = await create(repo, 'feature/done');
    commit(w.worktreePath, 'done.txt', 'done\n');
    const prompter = new ScriptedPrompter().answerPick('action', 'Merge').answerNotify('Delete Workspace');
    api._test.setPrompter(prompter);
    assert.deepStrictEqual(await run('mergeIntoBase', await rowOf(w)), { merged: true });
    assert.strictEqual((await prompter.notification(/^Merged/)).message, 'Merged "feature/done" into main (merge).');
    await waitFor(async () => !(await workspace(api, w.id)), 'the workspace to be deleted');
    await waitFor(() => git(repo, 'branch', '--list', 'feature/done') === '', 'the merged branch to be deleted');
    assert.ok(!fs.existsSync(w.worktreePath));
    assert.strictEqual(fs.readFileSync(path.join(repo, 'done.txt'), 'utf8'), 'done\n', 'the merge stayed');
    await prompter.notification(/^Deleted the workspace "feature\/done"\. The branch was deleted\./);
  });

  it('Open in This Window opens the worktree in this window; Open in New Window in a new one', async () => {
    const w = await create(repo, 'feature/open');
    await run('openInThisWindow', { workspaceId: w.id });
    await run('openInNewWindow', { workspaceId: w.id });
    assert.deepStrictEqual(opened, [
      { fsPath: w.worktreePath, options: { forceReuseWindow: true } },
      { fsPath: w.worktreePath, options: { forceNewWindow: true } },
    ]);
  });

  it('a new workspace\'s "Open in This Window" button opens it here', async () => {
    const repoRow = await waitFor(async () => (await api._test.tree.getChildren()).find((n) => n.target.repoRoot === repo && !n.target.workspaceId), 'the repository row');
    const prompter = new ScriptedPrompter()
      .answerBranch({ branch: 'feature/opened-here', existing: false })
      .answerBaseRef('main')
      .answerNotify('Open in This Window');
    api._test.setPrompter(prompter);
    const w = await run<ApiWorkspace>('createWorkspace', repoRow);
    await waitFor(() => opened.length > 0, 'the folder to be opened');
    assert.deepStrictEqual(opened, [{ fsPath: w.worktreePath, options: { forceReuseWindow: true } }]);
  });

  it('Add to Workspace adds the worktree as a folder of this multi-root window, once', async function () {
    // Only the code-server driver opens a multi-root window (the desktop runner opens a folder).
    if (!canTakeScreenshots()) this.skip();
    assert.ok(vscode.workspace.workspaceFile, 'the harness opened a .code-workspace file');
    const w = await create(repo, 'feature/added');
    const before = vscode.workspace.workspaceFolders?.length ?? 0;
    assert.deepStrictEqual(await run('addToWorkspace', { workspaceId: w.id }), { added: true });
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders.length, before + 1);
    const index = folders.findIndex((f) => fs.realpathSync(f.uri.fsPath) === fs.realpathSync(w.worktreePath));
    assert.ok(index >= 0, 'the worktree is a folder of this window');
    assert.strictEqual(folders[index].name, `feature/added · ${path.basename(repo)}`);
    assert.deepStrictEqual(await run('addToWorkspace', { workspaceId: w.id }), { added: false }, 'a second time adds nothing');
    const removed = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => {
        sub.dispose();
        resolve();
      });
    });
    vscode.workspace.updateWorkspaceFolders(index, 1);
    await removed;
  });
});
