// The delete flow (SPEC §2 D1, D5, D6; issue 4 item 4; issue 13 items 4, 8, 10):
// refusal of a dirty worktree, the modal with the changed files (and only
// then a modal), saving changes, the branch question, the one-line result.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { ApiWorkspace } from '../../src/vscode/api';
import type { ConfirmRequest, PickRequest } from '../../src/vscode/prompts/prompter';
import { waitFor } from './helpers';
import { cleanUp, create, git, launchShell, makeRepo, readyApi, run, ScriptedPrompter, setSetting, tmuxSessions, workspace, type Api } from './fixtures';

describe('delete flow', function () {
  this.timeout(60_000);
  let api: Api;
  let repo: string;

  before(async () => {
    api = await readyApi();
    repo = makeRepo('delete');
  });

  afterEach(() => api._test.setPrompter(undefined));

  after(async () => {
    await setSetting('deleteBranch', undefined);
    await setSetting('agents', undefined);
    await cleanUp(api, [repo]);
  });

  /** The workspace's row in the tree, as the context menu passes it to a command. */
  async function nodeOf(w: ApiWorkspace) {
    const repos = await api._test.tree.getChildren();
    for (const r of repos ?? []) {
      const node = r.children().find((n) => n.target.workspaceId === w.id);
      if (node) return node;
    }
    throw new Error(`no tree node for ${w.branch}`);
  }

  it('refuses a dirty worktree when called with { workspaceId }, listing its files and stopping nothing (D1)', async () => {
    const w = await create(repo, 'feature/dirty');
    const session = await launchShell(w.id);
    fs.writeFileSync(path.join(w.worktreePath, 'new.txt'), 'new\n');
    fs.appendFileSync(path.join(w.worktreePath, 'README.md'), 'changed\n');
    const result = await run('deleteWorkspace', { workspaceId: w.id });
    assert.deepStrictEqual(result, { deleted: false, dirtyFiles: ['README.md', 'new.txt'] });
    assert.strictEqual((await workspace(api, w.id))!.status, 'ready');
    assert.ok(tmuxSessions(api).includes(session.name), 'its session still runs');
    assert.ok(fs.existsSync(path.join(w.worktreePath, 'new.txt')));
  });

  it('from the tree: Cancel on the modal leaves the dirty workspace alone', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/dirty')!;
    const prompter = new ScriptedPrompter().answerConfirm(undefined);
    api._test.setPrompter(prompter);
    assert.strictEqual(await run('deleteWorkspace', await nodeOf(w)), undefined);
    assert.strictEqual((await workspace(api, w.id))!.status, 'ready');
    assert.strictEqual(prompter.pending, 0);
  });

  it('from the tree: the modal lists the changed files; "Save Changes and Delete" saves them and deletes (D5)', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/dirty')!;
    const prompter = new ScriptedPrompter().answerConfirm('Save Changes and Delete');
    api._test.setPrompter(prompter);
    const result = await run<{ deleted: boolean; savedChanges: { ref: string; patchFile: string; files: string[] } }>('deleteWorkspace', await nodeOf(w));
    const question = prompter.calls[0].request as ConfirmRequest;
    assert.match(question.message, /"feature\/dirty" has uncommitted changes/);
    assert.match(question.detail!, /2 files have uncommitted changes:\n {2}README\.md\n {2}new\.txt/);
    assert.deepStrictEqual(question.actions, ['Save Changes and Delete']);

    assert.strictEqual(result.deleted, true);
    assert.strictEqual(await workspace(api, w.id), undefined);
    assert.ok(!fs.existsSync(w.worktreePath));
    const { ref, patchFile, files } = result.savedChanges;
    assert.deepStrictEqual(files, ['README.md', 'new.txt']);
    assert.match(ref, /^refs\/worktree-sessions\/saved\//);
    assert.strictEqual(git(repo, 'show', `${ref}:new.txt`), 'new');
    assert.match(fs.readFileSync(patchFile, 'utf8'), /\+changed/);

    // The result: one line, the saved changes behind buttons, no private storage path.
    const note = await prompter.notification(/^Deleted feature\/dirty/);
    assert.strictEqual(note.message, 'Deleted feature/dirty · branch deleted · changes saved');
    assert.deepStrictEqual(note.actions, ['Show Saved Changes', 'Copy Restore Command']);
    assert.ok(!note.message.includes(api._test.storageDir));
  });

  it('a clean worktree with idle sessions confirms in the quick pick, counting its sessions by state, and says it in one line (no modal)', async () => {
    const w = await create(repo, 'feature/clean');
    await launchShell(w.id);
    // Idle: no output for 30 s (SPEC §8).
    await waitFor(async () => (await workspace(api, w.id))?.sessions[0]?.state === 'idle', 'the shell to be idle', { timeoutMs: 45_000 });
    const prompter = new ScriptedPrompter().answerPick('confirm', 'Delete');
    api._test.setPrompter(prompter);
    const result = await run('deleteWorkspace', await nodeOf((await workspace(api, w.id))!));
    assert.deepStrictEqual(result, { deleted: true });
    assert.ok(!prompter.calls.some((c) => c.kind === 'confirm'), 'no modal');
    const question = prompter.calls[0].request as PickRequest<unknown>;
    assert.strictEqual(question.title, 'Delete the workspace "feature/clean"?');
    assert.match(question.items[0].detail!, /stops its 1 idle session and the base terminal\./);
    assert.strictEqual((await prompter.notification(/^Deleted/)).message, 'Deleted feature/clean · branch deleted');
  });

  it('asks with a modal before stopping an agent in the middle of its work', async () => {
    await setSetting('agents', [{ key: 'busy', label: 'Busy Agent', command: ['sh', '-c', 'while :; do echo working; sleep 1; done'] }]);
    const w = await create(repo, 'feature/busy');
    await run('launch', { workspaceId: w.id, target: 'busy' });
    await waitFor(async () => (await workspace(api, w.id))?.sessions[0]?.state === 'running', 'the agent to be running');
    const prompter = new ScriptedPrompter().answerConfirm(undefined);
    api._test.setPrompter(prompter);
    assert.strictEqual(await run('deleteWorkspace', await nodeOf(w)), undefined);
    const question = prompter.calls[0].request as ConfirmRequest;
    assert.match(question.message, /Busy Agent is working in "feature\/busy"/);
    assert.ok(await workspace(api, w.id), 'Cancel keeps it');
    await setSetting('agents', undefined);
  });

  it('with deleteBranch "ask", the question asks about the branch and the result names the kept one (D6)', async () => {
    await setSetting('deleteBranch', 'ask');
    const w = await create(repo, 'feature/ask');
    const prompter = new ScriptedPrompter().answerPick('workspace', 'feature/ask').answerPick('confirm', 'Delete, Keep Branch');
    api._test.setPrompter(prompter);
    await create(repo, 'feature/other'); // more candidates, so the palette asks which
    const result = await run('deleteWorkspace');
    const question = prompter.calls[1].request as PickRequest<unknown>;
    assert.deepStrictEqual(question.items.map((i) => i.label), ['Delete, Delete Branch', 'Delete, Keep Branch']);
    assert.match(question.items[1].detail!, /Removes the worktree .* and stops the base terminal\. The branch "feature\/ask" is kept\./);
    assert.deepStrictEqual(result, { deleted: true, keptBranch: 'feature/ask' });
    assert.strictEqual(git(repo, 'branch', '--list', 'feature/ask'), 'feature/ask');
    assert.strictEqual(await workspace(api, w.id), undefined);
  });

  it('with deleteBranch "ask", "Delete Branch" deletes even an unmerged branch the extension created', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/other')!;
    fs.writeFileSync(path.join(w.worktreePath, 'x.txt'), 'x\n');
    git(w.worktreePath, 'add', 'x.txt');
    git(w.worktreePath, 'commit', '--quiet', '-m', 'Unmerged work');
    api._test.setPrompter(new ScriptedPrompter().answerPick('confirm', 'Delete, Delete Branch'));
    const result = await run('deleteWorkspace', await nodeOf(w));
    assert.deepStrictEqual(result, { deleted: true });
    assert.strictEqual(git(repo, 'branch', '--list', 'feature/other'), '');
  });

  it('force: true saves the changes and deletes without a modal', async () => {
    await setSetting('deleteBranch', undefined);
    const w = await create(repo, 'feature/forced');
    fs.writeFileSync(path.join(w.worktreePath, 'scratch.txt'), 'scratch\n');
    const result = await run<{ deleted: boolean; savedChanges?: { files: string[] } }>('deleteWorkspace', { workspaceId: w.id, force: true });
    assert.strictEqual(result.deleted, true);
    assert.deepStrictEqual(result.savedChanges?.files, ['scratch.txt']);
  });
});
