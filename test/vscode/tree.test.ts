// The tree view's rows, as users see them, after each lifecycle step; and
// its updates from outside (a session killed in tmux, another window).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { createCore, defaultSettings, silentLoggerForTests } from './coreForTests';
import { waitFor } from './helpers';
import { cleanUp, create, findRow, launchShell, makeRepo, readyApi, run, setSetting, tmux, waitForRow, workspace, type Api } from './fixtures';
import type { TreeNode } from '../../src/vscode/tree/nodes';

describe('tree view', function () {
  this.timeout(60_000);
  let api: Api;
  let repo: string;
  let name: string;

  before(async () => {
    api = await readyApi();
    repo = makeRepo('tree-repo');
    name = path.basename(repo);
  });

  after(async () => {
    await setSetting('setupCommand', undefined);
    await setSetting('agents', undefined);
    await cleanUp(api, [repo]);
  });

  it('shows repository → workspace → base terminal after create', async () => {
    const w = await create(repo, 'feature/tree');
    const repoRow = await waitForRow(api, [name], 'the repository row');
    assert.strictEqual(repoRow.icon, 'repo');
    assert.strictEqual(repoRow.contextValue, 'repository');
    const row = findRow([repoRow], name, 'feature/tree')!;
    assert.strictEqual(row.id, `ws:${w.id}`);
    assert.strictEqual(row.contextValue, 'workspace.ready');
    assert.strictEqual(row.icon, 'git-branch');
    assert.deepStrictEqual(row.children.map((c) => [c.label, c.contextValue, c.icon]), [['Terminal', 'session.base', 'terminal']]);
  });

  it('adds a session row on launch (target, state, age) and removes it on stop', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/tree')!;
    const session = await launchShell(w.id);
    const row = await waitForRow(api, [name, 'feature/tree', 'Shell'], 'the session row');
    assert.strictEqual(row.contextValue, 'session.runtime');
    assert.match(row.description!, /^(running|idle|waiting for input) · <1m$/);
    assert.match(findRow(await api._test.treeSnapshot(), name, 'feature/tree')!.description!, /1 session/);
    await run('stopSession', { workspaceId: w.id, sessionName: session.name });
    await waitFor(async () => !findRow(await api._test.treeSnapshot(), name, 'feature/tree', 'Shell'), 'the session row to go');
  });

  it('shows the changed lines of a workspace, untracked files included (issue 13 item 7)', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/tree')!;
    fs.appendFileSync(path.join(w.worktreePath, 'README.md'), 'one\ntwo\n');
    // A new file git does not track yet: delete lists it, so the row counts it.
    fs.writeFileSync(path.join(w.worktreePath, 'notes.txt'), 'a\nb\nc\n');
    // Counts are cached for a few seconds; a saved document asks again after that.
    const doc = await vscode.workspace.openTextDocument(path.join(w.worktreePath, 'README.md'));
    await doc.save();
    api._test.tree.statsMayHaveChanged();
    await waitForRow(api, [name, 'feature/tree'], 'the changed lines', (r) => /^\+5( · |$)/.test(r.description ?? ''));
    fs.writeFileSync(path.join(w.worktreePath, 'README.md'), `# tree-repo\n`);
    fs.rmSync(path.join(w.worktreePath, 'notes.txt'));
  });

  it('drops a session killed from outside tmux within two seconds (S2)', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/tree')!;
    const session = await launchShell(w.id);
    await waitForRow(api, [name, 'feature/tree', 'Shell'], 'the session row');
    tmux(api, 'kill-session', '-t', `=${session.name}`);
    const started = Date.now();
    await waitFor(async () => !findRow(await api._test.treeSnapshot(), name, 'feature/tree', 'Shell'), 'the killed session to leave the tree', { timeoutMs: 2_500 });
    assert.ok(Date.now() - started <= 2_500, `took ${Date.now() - started} ms`);
    assert.deepStrictEqual((await workspace(api, w.id))!.sessions, []);
  });

  it('resolves a session tooltip with the pane\'s last lines and the attach command', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/tree')!;
    // A configured agent whose output is known (the user's shell may take its time to start).
    await setSetting('agents', [{ key: 'marker', label: 'Marker', command: ['sh', '-c', 'echo tooltip-marker-$((6*7)); exec sh'] }]);
    const session = await run<{ name: string }>('launch', { workspaceId: w.id, target: 'marker' });
    const node = await waitFor(async () => {
      const [repoNode] = (await api._test.tree.getChildren()) ?? [];
      const wsNode = repoNode?.children().find((n: TreeNode) => n.target.workspaceId === w.id);
      return wsNode?.children().find((n: TreeNode) => n.target.sessionName === session.name);
    }, 'the session node');
    const tooltip = await waitFor(async () => {
      const item = await api._test.tree.resolveTreeItem(api._test.tree.getTreeItem(node), node);
      const text = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : '';
      if (!text.includes('tooltip-marker-42')) throw new Error(`tooltip so far: ${text || JSON.stringify(item.tooltip)}`);
      return text;
    }, 'the pane text in the tooltip');
    assert.ok(tooltip.includes('**Marker** in feature/tree'), tooltip);
    assert.ok(tooltip.includes(`attach-session -t =${session.name}`), tooltip);
    await run('stopSession', { workspaceId: w.id, sessionName: session.name });
    await setSetting('agents', undefined);
  });

  it('marks an agent that rings the bell as waiting for input, with a badge on the view', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/tree')!;
    await setSetting('agents', [{ key: 'asker', label: 'Asker', command: ['sh', '-c', "sleep 1; printf 'Proceed? \\a'; exec sleep 600"] }]);
    const session = await run<{ name: string }>('launch', { workspaceId: w.id, target: 'asker' });
    // tmux only flags a bell that no attached client shows.
    (await api._test.terminalOf(session.name))?.dispose();
    const row = await waitForRow(api, [name, 'feature/tree', 'Asker'], 'the waiting session', (r) => r.description?.startsWith('waiting for input') ?? false);
    assert.strictEqual(row.icon, 'bell-dot');
    assert.match(findRow(await api._test.treeSnapshot(), name, 'feature/tree')!.description!, /1 session · 1 waiting/);
    await waitFor(() => api._test.treeView.badge?.value === 1, 'the badge');
    await run('stopSession', { workspaceId: w.id, sessionName: session.name });
    await waitFor(() => api._test.treeView.badge === undefined, 'the badge to clear');
    await setSetting('agents', undefined);
  });

  it('spins while a workspace is being created', async () => {
    await setSetting('setupCommand', ['sleep', '2']);
    const creating = create(repo, 'feature/slow');
    const row = await waitForRow(api, [name, 'feature/slow'], 'the row of the workspace being created');
    assert.strictEqual(row.icon, 'loading~spin');
    assert.match(row.description!, /creating…/);
    await creating;
    await setSetting('setupCommand', undefined);
    await waitForRow(api, [name, 'feature/slow'], 'the ready row', (r) => r.icon === 'git-branch');
  });

  it('offers retry and delete on a failed setup, with the error as a row', async () => {
    await setSetting('setupCommand', ['sh', '-c', 'echo no network >&2; exit 3']);
    await assert.rejects(create(repo, 'feature/broken'), /exited with code 3/);
    await setSetting('setupCommand', undefined);
    const row = await waitForRow(api, [name, 'feature/broken'], 'the failed workspace');
    assert.strictEqual(row.contextValue, 'workspace.error');
    assert.strictEqual(row.icon, 'error');
    assert.match(row.description!, /setup failed/);
    assert.strictEqual(row.children[0].contextValue, 'detail.error');
    assert.match(row.children[0].label, /no network/);
  });

  it('shows a missing worktree as such, with a row saying where it was (R4)', async () => {
    const w = await create(repo, 'feature/vanished');
    fs.rmSync(w.worktreePath, { recursive: true, force: true });
    await run('refresh');
    const row = await waitForRow(api, [name, 'feature/vanished'], 'the missing workspace', (r) => r.contextValue === 'workspace.missing');
    assert.strictEqual(row.icon, 'question');
    assert.match(row.description!, /worktree missing/);
    assert.match(row.children[0].label, /The worktree folder is gone/);
  });

  it('follows a workspace created and deleted by another window', async () => {
    const other = await createCore({
      storageDir: api._test.storageDir,
      wasmPath: path.join(vscode.extensions.getExtension('worktree-sessions.worktree-sessions')!.extensionPath, 'dist', 'sql-wasm.wasm'),
      settings: () => ({ ...defaultSettings, socketName: api.tmuxSocket }),
      logger: silentLoggerForTests,
    });
    try {
      const w = await other.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feature/elsewhere' });
      await waitForRow(api, [name, 'feature/elsewhere'], 'the other window\'s workspace');
      await other.lifecycle.deleteWorkspace(w.id);
      await waitFor(async () => !findRow(await api._test.treeSnapshot(), name, 'feature/elsewhere'), 'the other window\'s delete');
    } finally {
      other.dispose();
    }
  });

  it('removes the workspace row on delete, and the repository row with its last workspace', async () => {
    for (const w of await api.listWorkspaces()) {
      if (w.repoRoot === repo || fs.realpathSync(w.repoRoot) === fs.realpathSync(repo)) await run('deleteWorkspace', { workspaceId: w.id, force: true });
    }
    await waitFor(async () => !findRow(await api._test.treeSnapshot(), name), 'the repository row to go');
  });
});
