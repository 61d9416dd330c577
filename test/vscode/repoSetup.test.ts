// Setup from the repository (SPEC §9) in the real extension host: the approval
// question (answered through the scripted prompter, the extension's one seam
// for questions), the live setup terminal, cancelling it, Review Repository
// Setup, and a workspace made from a pull request going through the same.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../src/vscode/api';
import type { ConfirmRequest, PickRequest } from '../../src/vscode/prompts/prompter';
import { sleep, waitFor } from './helpers';
import { cleanUp, create, git, makeRepo, readyApi, run, ScriptedPrompter, type Api } from './fixtures';

const APPROVE = 'Approve and Run';
const WITHOUT = 'Create Without Them';
const CONFIG = '.worktree-sessions.json';

/** A scripted prompter that also notes, at each confirm, whether `marker` existed yet. */
class WatchingPrompter extends ScriptedPrompter {
  readonly markerAtQuestion: boolean[] = [];

  constructor(private readonly marker: string) {
    super();
  }

  override confirm(request: ConfirmRequest): Promise<string | undefined> {
    this.markerAtQuestion.push(fs.existsSync(this.marker));
    return super.confirm(request);
  }
}

function confirms(prompter: ScriptedPrompter): ConfirmRequest[] {
  return prompter.calls.filter((c) => c.kind === 'confirm').map((c) => c.request as ConfirmRequest);
}

/** Alive and not a zombie (an ended child whose parent died may wait to be reaped). */
function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('setup from the repository (SPEC §9)', function () {
  this.timeout(90_000);
  let api: Api;
  let repo: string;
  /** Files the commands write, beside the repository. */
  let scratch: string;

  function writeConfig(config: unknown): void {
    fs.writeFileSync(path.join(repo, CONFIG), `${JSON.stringify(config, null, 2)}\n`);
  }

  /** One command run by sh in the worktree. */
  function setup(script: string): void {
    writeConfig({ setup: [['sh', '-c', script]] });
  }

  async function byBranch(branch: string): Promise<ApiWorkspace | undefined> {
    return (await api.listWorkspaces()).find((w) => w.repoRoot === repo && w.branch === branch);
  }

  before(async () => {
    api = await readyApi();
    repo = makeRepo('setup-from-repo');
    scratch = path.dirname(repo);
  });

  afterEach(() => {
    api._test.setPrompter(undefined);
    api._test.setTrusted(undefined);
  });

  after(async () => {
    for (const t of vscode.window.terminals) if (t.name.startsWith('Setup: ')) t.dispose();
    await cleanUp(api, [repo]);
  });

  it('runs the repository\'s commands only after the user approved that exact content; the same content asks no more', async () => {
    const marker = path.join(scratch, 'approved.txt');
    setup(`echo ran >> ${marker}`);
    const prompter = new WatchingPrompter(marker).answerConfirm(APPROVE);
    api._test.setPrompter(prompter);
    const w = await create(repo, 'setup/approved');
    assert.strictEqual(w.status, 'ready');
    const [question] = confirms(prompter);
    assert.ok(question, 'the approval question was asked');
    assert.match(question.message, /setup-from-repo's \.worktree-sessions\.json asks to run commands on this machine/);
    assert.ok(question.detail?.includes(`echo ran >> ${marker}`), `the question shows the command: ${question.detail}`);
    assert.deepStrictEqual(question.actions, [APPROVE, WITHOUT]);
    assert.deepStrictEqual(prompter.markerAtQuestion, [false], 'nothing ran before the answer');
    assert.strictEqual(fs.readFileSync(marker, 'utf8'), 'ran\n');

    // An empty script: any question now fails the create.
    const silent = new ScriptedPrompter();
    api._test.setPrompter(silent);
    assert.strictEqual((await create(repo, 'setup/approved-again')).status, 'ready');
    assert.strictEqual(silent.calls.length, 0, 'the approved content is not asked about again');
    assert.strictEqual(fs.readFileSync(marker, 'utf8'), 'ran\nran\n');
  });

  it('a changed file asks again; "Create Without Them" creates the workspace and runs none of its commands', async () => {
    const marker = path.join(scratch, 'changed.txt');
    setup(`echo ran >> ${marker}`);
    const prompter = new ScriptedPrompter().answerConfirm(WITHOUT);
    api._test.setPrompter(prompter);
    const w = await create(repo, 'setup/without');
    assert.strictEqual(confirms(prompter).length, 1, 'the changed file was asked about');
    assert.strictEqual(w.status, 'ready');
    assert.ok(!fs.existsSync(marker), 'its command did not run');
  });

  it('declining the question (Cancel) creates nothing and runs nothing', async () => {
    const marker = path.join(scratch, 'declined.txt');
    setup(`echo ran >> ${marker}`);
    const prompter = new ScriptedPrompter().answerConfirm(undefined);
    api._test.setPrompter(prompter);
    await assert.rejects(create(repo, 'setup/declined'), /Cancelled: the workspace was not created/);
    assert.strictEqual(confirms(prompter).length, 1);
    assert.ok(!fs.existsSync(marker));
    assert.strictEqual(await byBranch('setup/declined'), undefined);
    assert.strictEqual(git(repo, 'branch', '--list', 'setup/declined'), '', 'no branch was made');
  });

  it('an untrusted workspace asks nothing and runs nothing', async () => {
    const marker = path.join(scratch, 'untrusted.txt');
    setup(`echo ran >> ${marker}`);
    const prompter = new ScriptedPrompter();
    api._test.setPrompter(prompter);
    api._test.setTrusted(false);
    const w = await create(repo, 'setup/untrusted');
    assert.strictEqual(w.status, 'ready');
    assert.strictEqual(prompter.calls.length, 0, 'no approval is asked in an untrusted workspace');
    assert.ok(!fs.existsSync(marker));
  });

  it('Review Repository Setup shows what is approved and revokes it; the next create asks again', async () => {
    const marker = path.join(scratch, 'reviewed.txt');
    setup(`echo reviewed >> ${marker}`);
    api._test.setPrompter(new ScriptedPrompter().answerConfirm(APPROVE));
    await create(repo, 'setup/reviewed');
    assert.ok(fs.existsSync(marker));

    const prompter = new ScriptedPrompter().answerPick('repository', 'setup-from-repo').answerConfirm('Revoke');
    api._test.setPrompter(prompter);
    assert.deepStrictEqual(await run('reviewRepositorySetup'), { revoked: repo });
    const pick = prompter.calls[0].request as PickRequest<unknown>;
    const item = pick.items.find((i) => i.label === 'setup-from-repo')!;
    assert.strictEqual(item.description, repo);
    assert.ok(item.detail?.includes(`echo reviewed >> ${marker}`), `the list shows the approved commands: ${item.detail}`);
    const shown = confirms(prompter)[0];
    assert.ok(shown.detail?.includes(`echo reviewed >> ${marker}`) && /sha256 [0-9a-f]{64}/.test(shown.detail), shown.detail);

    const again = new ScriptedPrompter().answerConfirm(undefined);
    api._test.setPrompter(again);
    await assert.rejects(create(repo, 'setup/after-revoke'), /Cancelled/);
    assert.strictEqual(confirms(again).length, 1, 'the revoked content is asked about again');

    const none = new ScriptedPrompter();
    api._test.setPrompter(none);
    assert.deepStrictEqual(await run('reviewRepositorySetup'), {}, 'nothing is left to review');
    assert.ok(none.notifications.some((n) => /No repository setup is approved/.test(n.message)));
  });

  it('the setup terminal shows the output while the command runs; exit 0 makes the workspace ready', async () => {
    const go = path.join(scratch, 'go');
    setup(`echo step-one; while [ ! -e ${go} ]; do sleep 0.1; done; echo step-two`);
    api._test.setPrompter(new ScriptedPrompter().answerConfirm(APPROVE));
    const creating = create(repo, 'setup/live');
    await waitFor(() => api._test.setupTranscript('setup/live')?.includes('step-one'), 'the first line in the setup terminal');
    assert.ok(vscode.window.terminals.some((t) => t.name === 'Setup: setup/live'), 'the setup terminal is open');
    assert.strictEqual((await byBranch('setup/live'))?.status, 'creating', 'shown while the command still runs');
    assert.ok(!api._test.setupTranscript('setup/live')!.includes('step-two'));
    fs.writeFileSync(go, '');
    const w = await creating;
    assert.strictEqual(w.status, 'ready');
    const transcript = api._test.setupTranscript('setup/live')!;
    assert.match(transcript, /step-one\r\nstep-two\r\n/);
    assert.match(transcript, /Setup finished\./);
  });

  it('a setup command that exits non-zero leaves the workspace in error, and its terminal says so', async () => {
    setup('echo about-to-fail; exit 4');
    api._test.setPrompter(new ScriptedPrompter().answerConfirm(APPROVE));
    await assert.rejects(create(repo, 'setup/fails'), /exited with code 4/);
    assert.strictEqual((await byBranch('setup/fails'))?.status, 'error');
    const transcript = api._test.setupTranscript('setup/fails')!;
    assert.match(transcript, /about-to-fail/);
    assert.match(transcript, /Setup failed: .*code 4/);
  });

  it('Ctrl+C in the setup terminal cancels the setup and ends its whole process group', async () => {
    const pidFile = path.join(scratch, 'child.pid');
    // The child runs in the background: only ending the group reaches it.
    setup(`sleep 300 & echo $! > ${pidFile}; echo started; wait`);
    api._test.setPrompter(new ScriptedPrompter().answerConfirm(APPROVE));
    const creating = create(repo, 'setup/cancelled').then(() => undefined, (e: Error) => e);
    await waitFor(() => api._test.setupTranscript('setup/cancelled')?.includes('started') && fs.existsSync(pidFile), 'the setup to start its child');
    const child = Number(fs.readFileSync(pidFile, 'utf8').trim());
    assert.ok(isAlive(child), 'the child runs');
    const terminal = await waitFor(() => vscode.window.terminals.find((t) => t.name === 'Setup: setup/cancelled'), 'the setup terminal');
    terminal.sendText('\x03', false);
    const failure = await creating;
    assert.match(failure?.message ?? 'it succeeded', /cancelled/i);
    await waitFor(() => !isAlive(child), `the background child ${child} to end`, { timeoutMs: 10_000 });
    assert.strictEqual((await byBranch('setup/cancelled'))?.status, 'error');
    assert.match(api._test.setupTranscript('setup/cancelled')!, /Setup cancelled/);
  });

  it('createWorkspaceFromPullRequest asks for approval and shows the setup output, as Create Workspace does', async () => {
    const bare = path.join(scratch, 'origin.git');
    git(scratch, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    git(repo, 'remote', 'add', 'origin', bare);
    git(repo, 'push', '--quiet', 'origin', 'main');
    git(bare, 'update-ref', 'refs/pull/3/head', git(repo, 'rev-parse', 'main'));
    git(bare, 'update-ref', 'refs/pull/4/head', git(repo, 'rev-parse', 'main'));

    const marker = path.join(scratch, 'pull-request.txt');
    setup(`echo pr-setup-ran; echo ran >> ${marker}`);
    const prompter = new WatchingPrompter(marker).answerConfirm(APPROVE);
    api._test.setPrompter(prompter);
    const w = await run<ApiWorkspace>('createWorkspaceFromPullRequest', { repoRoot: repo, pr: 3 });
    assert.strictEqual(w.branch, 'pr/3');
    assert.strictEqual(w.status, 'ready');
    assert.strictEqual(confirms(prompter).length, 1, 'the repository file was asked about');
    assert.deepStrictEqual(prompter.markerAtQuestion, [false]);
    assert.strictEqual(fs.readFileSync(marker, 'utf8'), 'ran\n');
    assert.match(api._test.setupTranscript('pr/3') ?? '', /pr-setup-ran/, 'its output was shown live');

    setup(`echo ran again >> ${marker}`);
    const declining = new ScriptedPrompter().answerConfirm(undefined);
    api._test.setPrompter(declining);
    await assert.rejects(run('createWorkspaceFromPullRequest', { repoRoot: repo, pr: '#4' }), /Cancelled/);
    assert.strictEqual(confirms(declining).length, 1);
    assert.strictEqual(await byBranch('pr/4'), undefined);
    await sleep(200);
    assert.strictEqual(fs.readFileSync(marker, 'utf8'), 'ran\n', 'nothing ran');
  });

  it('restoreSavedChanges makes its workspace through the same approval', async () => {
    const marker = path.join(scratch, 'restored.txt');
    setup(`echo ran >> ${marker}`);
    api._test.setPrompter(new ScriptedPrompter().answerConfirm(WITHOUT));
    const w = await create(repo, 'setup/saved');
    fs.writeFileSync(path.join(w.worktreePath, 'work.txt'), 'unsaved work\n');
    const deleted = await run<{ savedChanges?: { ref: string } }>('deleteWorkspace', { workspaceId: w.id, force: true });
    assert.ok(deleted.savedChanges, 'the work was saved');

    const prompter = new WatchingPrompter(marker).answerConfirm(APPROVE);
    api._test.setPrompter(prompter);
    const restored = await run<ApiWorkspace>('restoreSavedChanges', { ref: deleted.savedChanges.ref });
    assert.strictEqual(restored.status, 'ready');
    assert.strictEqual(confirms(prompter).length, 1, 'the repository file was asked about');
    assert.deepStrictEqual(prompter.markerAtQuestion, [false]);
    assert.strictEqual(fs.readFileSync(marker, 'utf8'), 'ran\n');
    assert.strictEqual(fs.readFileSync(path.join(restored.worktreePath, 'work.txt'), 'utf8'), 'unsaved work\n');
  });
});
