// The palette's prompt flows, answered through a scripted prompter: the same
// questions a user gets from quick picks, input validation and modals.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../src/vscode/api';
import type { BaseRefRequest, BranchRequest, PickRequest, TargetRequest } from '../../src/vscode/prompts/prompter';
import { waitFor } from './helpers';
import { cleanUp, git, readyApi, run, ScriptedPrompter, setSetting, tmuxSessions, type Api } from './fixtures';

describe('palette prompts', function () {
  this.timeout(60_000);
  let api: Api;
  /** The folder the test window has open: the palette's only repository. */
  let repo: string;

  before(async () => {
    api = await readyApi();
    repo = fs.realpathSync(vscode.workspace.workspaceFolders![0].uri.fsPath);
    git(repo, 'branch', 'existing-topic');
  });

  afterEach(() => api._test.setPrompter(undefined));

  after(async () => {
    await setSetting('agents', undefined);
    const ours = (await api.listWorkspaces()).filter((w) => fs.realpathSync(w.repoRoot) === repo).map((w) => w.repoRoot);
    await cleanUp(api, [...new Set(ours)], { keepFolders: true });
  });

  async function byBranch(branch: string): Promise<ApiWorkspace | undefined> {
    return (await api.listWorkspaces()).find((w) => w.branch === branch);
  }

  it('Create Workspace: validates branch names as typed, asks for the base, creates and opens the terminal', async () => {
    const prompter = new ScriptedPrompter()
      .answerBranch({ branch: 'feature/palette', existing: false }, ['bad..name', '-leading-dash', 'existing-topic', 'HEAD'])
      .answerBaseRef('main');
    api._test.setPrompter(prompter);
    await run('createWorkspace');
    assert.strictEqual(prompter.pending, 0, 'every scripted question was asked');

    const branchQuestion = prompter.calls[0].request as BranchRequest;
    assert.deepStrictEqual(branchQuestion.local.map((b) => b.name).sort(), ['existing-topic', 'main']);
    assert.match(branchQuestion.local.find((b) => b.name === 'main')!.checkedOutAt!, /workspace$/, 'main is checked out in the window\'s folder');
    assert.match((await branchQuestion.validateNewBranch('existing-topic'))!, /already exists/);
    assert.match((await branchQuestion.validateNewBranch('bad..name'))!, /not a valid branch name/);
    const baseQuestion = prompter.calls[1].request as BaseRefRequest;
    assert.strictEqual(baseQuestion.defaultRef, 'main');
    assert.match((await baseQuestion.validateRef('no-such-ref'))!, /not a branch, tag or commit/);

    const w = await waitFor(() => byBranch('feature/palette'), 'the new workspace');
    assert.strictEqual(w.status, 'ready');
    assert.strictEqual(w.baseRef, 'main');
    assert.ok(await api._test.terminalOf(w.baseSession.name), 'the palette opens the new workspace\'s terminal');
  });

  it('Create Workspace: an existing branch is checked out without asking for a base', async () => {
    const prompter = new ScriptedPrompter().answerBranch({ branch: 'existing-topic', existing: true });
    api._test.setPrompter(prompter);
    await run('createWorkspace');
    assert.strictEqual(prompter.calls.length, 1);
    const w = (await byBranch('existing-topic'))!;
    assert.strictEqual(git(w.worktreePath, 'branch', '--show-current'), 'existing-topic');
  });

  it('Create Workspace: dismissing a question creates nothing', async () => {
    const before = (await api.listWorkspaces()).length;
    api._test.setPrompter(new ScriptedPrompter().answerBranch({ branch: 'feature/never', existing: false }).answerBaseRef(undefined));
    assert.strictEqual(await run('createWorkspace'), undefined);
    assert.strictEqual((await api.listWorkspaces()).length, before);
    assert.strictEqual(git(repo, 'branch', '--list', 'feature/never'), '');
  });

  it('Launch: offers unavailable targets with their reason, which cannot be chosen', async () => {
    await setSetting('agents', [{ key: 'ghost', label: 'Ghost Agent', command: ['wts-no-such-program'] }]);
    const prompter = new ScriptedPrompter().answerPick('workspace', 'feature/palette').answerTarget('ghost');
    api._test.setPrompter(prompter);
    // From the palette a failure becomes a notification: the command itself resolves.
    assert.strictEqual(await run('launch'), undefined);
    const targets = (prompter.calls[1].request as TargetRequest).targets;
    const ghost = targets.find((t) => t.key === 'ghost')!;
    assert.strictEqual(ghost.available, false);
    assert.match(ghost.reason!, /"wts-no-such-program" was not found on PATH/);
    assert.ok(targets.find((t) => t.key === 'shell')!.available);
    assert.deepStrictEqual((await byBranch('feature/palette'))!.sessions, []);
  });

  it('Launch: a chosen target starts, and its terminal opens', async () => {
    const prompter = new ScriptedPrompter().answerPick('workspace', 'feature/palette').answerTarget('shell');
    api._test.setPrompter(prompter);
    await run('launch');
    const w = (await byBranch('feature/palette'))!;
    assert.strictEqual(w.sessions.length, 1);
    assert.ok(await api._test.terminalOf(w.sessions[0].name));
  });

  it('Stop Session: picks among running sessions and asks before ending one', async () => {
    const w = (await byBranch('feature/palette'))!;
    const name = w.sessions[0].name;
    api._test.setPrompter(new ScriptedPrompter().answerPick('session', 'feature/palette · Shell').answerConfirm(undefined));
    await run('stopSession');
    assert.ok(tmuxSessions(api).includes(name), 'Cancel keeps it');
    const prompter = new ScriptedPrompter().answerPick('session', 'feature/palette · Shell').answerConfirm('Stop Session');
    api._test.setPrompter(prompter);
    await run('stopSession');
    assert.ok(!tmuxSessions(api).includes(name));
  });

  it('Open Terminal from the palette picks among the ready workspaces', async () => {
    const prompter = new ScriptedPrompter().answerPick('workspace', 'existing-topic');
    api._test.setPrompter(prompter);
    await run('openTerminal');
    const items = (prompter.calls[0].request as PickRequest<unknown>).items.map((i) => i.label);
    assert.ok(items.includes('existing-topic') && items.includes('feature/palette'), items.join(', '));
    const w = (await byBranch('existing-topic'))!;
    assert.ok(await api._test.terminalOf(w.baseSession.name));
  });
});
