// The palette's prompt flows, answered through a scripted prompter: the same
// questions a user gets from quick picks, input validation and modals.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../src/vscode/api';
import { shortReason } from '../../src/vscode/commands/failures';
import { canChoose, type BaseRefRequest, type BranchRequest, type PickRequest, type TargetRequest } from '../../src/vscode/prompts/prompter';
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
    await setSetting('setupCommand', undefined);
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

    assert.deepStrictEqual(branchQuestion.step, { step: 1, total: 2 });
    assert.deepStrictEqual(baseQuestion.step, { step: 2, total: 2 });

    const w = await waitFor(() => byBranch('feature/palette'), 'the new workspace');
    assert.strictEqual(w.status, 'ready');
    assert.strictEqual(w.baseRef, 'main');
    assert.ok(await api._test.terminalOf(w.baseSession.name), 'the palette opens the new workspace\'s terminal');
    // Its files are one click away (issue 13 item 5).
    const offer = await prompter.notification(/^Workspace "feature\/palette" is ready/);
    assert.deepStrictEqual(offer.actions, ['Open in This Window', 'Open in New Window', 'Add to Workspace']);
  });

  it('Create Workspace: a branch checked out in another worktree is shown but cannot be chosen (C1)', async () => {
    const prompter = new ScriptedPrompter().answerBranch(undefined);
    api._test.setPrompter(prompter);
    await run('createWorkspace');
    const main = (prompter.calls[0].request as BranchRequest).local.find((b) => b.name === 'main')!;
    assert.ok(main.checkedOutAt && !main.hasWorkspace);
    assert.strictEqual(canChoose(main), false);
    api._test.setPrompter(new ScriptedPrompter().answerBranch({ branch: 'main', existing: true }));
    assert.strictEqual(await run('createWorkspace'), undefined);
    assert.ok(!(await byBranch('main')), 'no workspace for a branch checked out elsewhere');
  });

  it('Create Workspace: flags a name that clashes with an existing branch\'s folder while it is typed (issue 13 item 1)', async () => {
    git(repo, 'branch', 'feature/farewell');
    const prompter = new ScriptedPrompter().answerBranch(undefined, ['feature', 'existing-topic/more']);
    api._test.setPrompter(prompter);
    await run('createWorkspace');
    const question = prompter.calls[0].request as BranchRequest;
    assert.match((await question.validateNewBranch('feature'))!, /The branch "feature\/farewell" exists, so "feature" cannot be a branch too/);
    assert.match((await question.validateNewBranch('existing-topic/more'))!, /The branch "existing-topic" exists, so "existing-topic\/more" cannot be a branch too/);
    assert.strictEqual(await question.validateNewBranch('feature-two'), undefined);
    git(repo, 'branch', '-D', 'feature/farewell');
  });

  it('Create Workspace: checking names as they are typed logs no failure (issue 13 item 9)', async () => {
    const prompter = new ScriptedPrompter().answerBranch(undefined, ['a..b', 'x.lock', 'with space', 'feature/palette/deeper']);
    api._test.setPrompter(prompter);
    const before = api._test.logLines().length;
    await run('createWorkspace');
    const question = prompter.calls[0].request as BranchRequest;
    for (const typed of ['f', 'fe', 'fea', 'feat', 'feat/', 'feat/x']) await question.validateNewBranch(typed);
    const shown = api._test.logLines().slice(before);
    assert.deepStrictEqual(shown.filter((l) => l.level !== 'info' || /exit \d+/.test(l.message)), [], JSON.stringify(shown));
  });

  it('Create Workspace: Back on the base returns to the branch question with the name typed', async () => {
    const prompter = new ScriptedPrompter()
      .answerBranch({ branch: 'feature/back', existing: false })
      .answerBaseRef('back')
      .answerBranch(undefined);
    api._test.setPrompter(prompter);
    assert.strictEqual(await run('createWorkspace'), undefined);
    assert.strictEqual(prompter.pending, 0);
    assert.strictEqual((prompter.calls[2].request as BranchRequest).value, 'feature/back');
    assert.ok(!(await byBranch('feature/back')));
  });

  it('Create Workspace: a failed setup says so in one line with its remedies as buttons, the details in the log', async () => {
    await setSetting('setupCommand', ['sh', '-c', 'echo no network >&2; exit 3']);
    const prompter = new ScriptedPrompter().answerBranch({ branch: 'feature/fails', existing: false }).answerBaseRef('main');
    api._test.setPrompter(prompter);
    try {
      assert.strictEqual(await run('createWorkspace'), undefined);
    } finally {
      await setSetting('setupCommand', undefined);
    }
    const note = await prompter.notification(/^Could not create/);
    assert.strictEqual(note.severity, 'error');
    assert.strictEqual(note.message, 'Could not create the workspace "feature/fails": The setup command exited with code 3: no network');
    assert.deepStrictEqual(note.actions, ['Retry Setup', 'Delete Workspace', 'Show Log']);
    assert.ok(api._test.logLines().some((l) => l.level === 'error' && /failed at the setup-command step/.test(l.message)), 'the whole message is in the log');
  });

  it('shortens git\'s refusal to its own words, without advice that has no button', () => {
    const raw = 'Setting up "feature" failed at the worktree step: git worktree add --no-track -b feature -- /w/demo.worktrees/feature main failed: Preparing worktree (new branch \'feature\') fatal: cannot lock ref \'refs/heads/feature\': \'refs/heads/feature/farewell\' exists; cannot create \'refs/heads/feature\' Retry setup or delete the workspace.';
    assert.strictEqual(shortReason(raw), 'git says: cannot lock ref \'refs/heads/feature\': \'refs/heads/feature/farewell\' exists; cannot create \'refs/heads/feature\'');
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

  it('Launch: "Add an agent…" opens the agents setting instead', async () => {
    const prompter = new ScriptedPrompter().answerPick('workspace', 'feature/palette').answerTarget('add-agent');
    api._test.setPrompter(prompter);
    assert.strictEqual(await run('launch'), undefined);
    await waitFor(() => vscode.window.tabGroups.activeTabGroup.activeTab?.label === 'Settings', 'the settings editor');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Stop Session: picks among running sessions and stops a shell without a modal', async () => {
    const w = (await byBranch('feature/palette'))!;
    const name = w.sessions[0].name;
    const prompter = new ScriptedPrompter().answerPick('session', 'feature/palette · Shell');
    api._test.setPrompter(prompter);
    await run('stopSession');
    assert.ok(!tmuxSessions(api).includes(name));
    assert.ok(!prompter.calls.some((c) => c.kind === 'confirm'));
  });

  it('Stop Session: asks with a modal before stopping an agent that is working', async () => {
    await setSetting('agents', [{ key: 'busy', label: 'Busy Agent', command: ['sh', '-c', 'while :; do echo working; sleep 1; done'] }]);
    const w = (await byBranch('feature/palette'))!;
    const session = await run<{ name: string }>('launch', { workspaceId: w.id, target: 'busy' });
    await waitFor(async () => (await byBranch('feature/palette'))?.sessions.find((x) => x.name === session.name)?.state === 'running', 'the agent to be running');
    api._test.setPrompter(new ScriptedPrompter().answerPick('session', 'feature/palette · Busy Agent').answerConfirm(undefined));
    await run('stopSession');
    assert.ok(tmuxSessions(api).includes(session.name), 'Cancel keeps it');
    api._test.setPrompter(new ScriptedPrompter().answerPick('session', 'feature/palette · Busy Agent').answerConfirm('Stop Session'));
    await run('stopSession');
    assert.ok(!tmuxSessions(api).includes(session.name));
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
