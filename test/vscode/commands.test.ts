// Every command through its argument object (SPEC §6): no prompt, results
// returned, failures rejected with a message naming what failed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../src/vscode/api';
import { waitFor } from './helpers';
import { create, git, launchShell, run, setSetting, tmuxSessions, withWorkspace, workspace } from './fixtures';

describe('commands with an argument object', function () {
  this.timeout(60_000);
  const t = withWorkspace('commands', 'feature/one', ['setupCommand']);

  it('createWorkspace { repoRoot, branch } returns the ready workspace in the shape of SPEC §6', async () => {
    assert.deepStrictEqual(Object.keys(t.ws).sort(), ['baseRef', 'baseSession', 'branch', 'id', 'repoRoot', 'sessions', 'status', 'worktreePath']);
    assert.match(t.ws.id, /^[0-9a-f]{16}$/);
    assert.strictEqual(t.ws.status, 'ready');
    assert.strictEqual(t.ws.branch, 'feature/one');
    assert.strictEqual(t.ws.baseRef, 'main');
    assert.strictEqual(fs.realpathSync(t.ws.repoRoot), fs.realpathSync(t.repo));
    assert.ok(fs.existsSync(path.join(t.ws.worktreePath, 'README.md')), 'the worktree is checked out');
    assert.strictEqual(git(t.ws.worktreePath, 'branch', '--show-current'), 'feature/one');
    assert.deepStrictEqual(t.ws.baseSession, { name: `wts-${t.ws.id}`, running: true });
    assert.deepStrictEqual(t.ws.sessions, []);
    assert.deepStrictEqual(await workspace(t.api, t.ws.id), t.ws);
  });

  it('createWorkspace for a branch that has a workspace returns that workspace (C2)', async () => {
    const again = await create(t.repo, 'feature/one');
    assert.strictEqual(again.id, t.ws.id);
    assert.strictEqual((await t.api.listWorkspaces()).filter((w) => w.branch === 'feature/one').length, 1);
  });

  it('createWorkspace { existingBranch: true } checks out an existing branch', async () => {
    git(t.repo, 'branch', 'topic');
    const topic = await create(t.repo, 'topic', { existingBranch: true });
    assert.strictEqual(topic.status, 'ready');
    assert.strictEqual(git(topic.worktreePath, 'branch', '--show-current'), 'topic');
  });

  it('createWorkspace rejects an invalid branch name, a missing field and a non-object argument, naming each', async () => {
    await assert.rejects(create(t.repo, 'bad..name'), /bad\.\.name/);
    await assert.rejects(run('createWorkspace', { repoRoot: t.repo }), /createWorkspace needs "branch"/);
    await assert.rejects(run('createWorkspace', { repoRoot: t.repo, branch: 'x', existingBranch: 'yes' }), /"existingBranch" must be a boolean/);
    await assert.rejects(run('createWorkspace', 'feature/two'), /takes an argument object/);
    assert.ok(!(await t.api.listWorkspaces()).some((w) => w.branch === 'bad..name' || w.branch === 'x'));
  });

  it('launch { workspaceId, target } starts a session and returns it', async () => {
    const session = await launchShell(t.ws.id);
    assert.deepStrictEqual(Object.keys(session).sort(), ['createdAt', 'label', 'name', 'state', 'stateAt', 'stateSource', 'target']);
    assert.strictEqual(session.name, `wts-${t.ws.id}-shell`);
    assert.strictEqual(session.target, 'shell');
    assert.strictEqual(session.label, 'Shell');
    assert.ok(tmuxSessions(t.api).includes(session.name));
    assert.deepStrictEqual((await workspace(t.api, t.ws.id))!.sessions.map((s) => s.name), [session.name]);
    await run('stopSession', { workspaceId: t.ws.id, sessionName: session.name });
  });

  it('launch rejects an unknown target and an unknown workspace, naming them', async () => {
    await assert.rejects(run('launch', { workspaceId: t.ws.id, target: 'nope' }), /Unknown launch target "nope"/);
    await assert.rejects(run('launch', { workspaceId: 'ffffffffffffffff', target: 'shell' }), /no workspace with id "ffffffffffffffff"/);
    await assert.rejects(run('launch', { workspaceId: t.ws.id }), /launch needs "target"/);
  });

  it('openTerminal { workspaceId } attaches the base terminal; { sessionName } that session', async () => {
    await run('openTerminal', { workspaceId: t.ws.id });
    assert.ok(await t.api._test.terminalOf(t.ws.baseSession.name), 'a terminal is attached to the base session');
    const session = await launchShell(t.ws.id);
    await run('openTerminal', { workspaceId: t.ws.id, sessionName: session.name });
    assert.ok(await t.api._test.terminalOf(session.name));
    await assert.rejects(run('openTerminal', { workspaceId: t.ws.id, sessionName: `wts-${t.ws.id}-gone` }), /no running session wts-[0-9a-f]+-gone/);
    await run('stopSession', { workspaceId: t.ws.id, sessionName: session.name });
  });

  it('stopSession { workspaceId, sessionName } ends the tmux session and forgets it (S1)', async () => {
    const session = await launchShell(t.ws.id);
    await run('stopSession', { workspaceId: t.ws.id, sessionName: session.name });
    assert.ok(!tmuxSessions(t.api).includes(session.name));
    assert.deepStrictEqual((await workspace(t.api, t.ws.id))!.sessions, []);
    await assert.rejects(run('stopSession', { workspaceId: t.ws.id, sessionName: session.name }), /has no session/);
  });

  it('copyAttachCommand { workspaceId, sessionName? } copies and returns the attach command line', async () => {
    const line = await run<string>('copyAttachCommand', { workspaceId: t.ws.id });
    assert.strictEqual(line, `env -u TMUX tmux -L ${t.api.tmuxSocket} -f /dev/null -u attach-session -t =${t.ws.baseSession.name}`);
    assert.strictEqual(await vscode.env.clipboard.readText(), line);
  });

  it('refresh resolves and keeps the list', async () => {
    await run('refresh');
    assert.ok(await workspace(t.api, t.ws.id));
  });

  it('retrySetup { workspaceId } finishes a workspace whose setup command failed (C3)', async () => {
    await setSetting('setupCommand', ['sh', '-c', 'test -f ready-to-go']);
    await assert.rejects(create(t.repo, 'feature/setup'), /setup command exited with code 1/);
    const failed = (await t.api.listWorkspaces()).find((w) => w.branch === 'feature/setup')!;
    assert.strictEqual(failed.status, 'error');
    assert.match(failed.error!, /setup-command/);
    fs.writeFileSync(path.join(failed.worktreePath, 'ready-to-go'), '');
    const retried = await run<ApiWorkspace>('retrySetup', { workspaceId: failed.id });
    assert.strictEqual(retried.status, 'ready');
    assert.strictEqual(retried.error, undefined);
    await setSetting('setupCommand', undefined);
  });

  it('recreateWorkspace { workspaceId } recreates a worktree removed outside the extension (R4)', async () => {
    const w = await create(t.repo, 'feature/gone');
    fs.rmSync(w.worktreePath, { recursive: true, force: true });
    assert.strictEqual((await workspace(t.api, w.id))!.status, 'missing');
    const back = await run<ApiWorkspace>('recreateWorkspace', { workspaceId: w.id });
    assert.strictEqual(back.status, 'ready');
    assert.ok(fs.existsSync(path.join(w.worktreePath, 'README.md')));
  });

  it('forgetWorkspace { workspaceId } forgets a missing workspace and keeps its branch (R4)', async () => {
    const w = await create(t.repo, 'feature/forget');
    tmuxSessions(t.api); // the base session exists until forgotten
    fs.rmSync(w.worktreePath, { recursive: true, force: true });
    await run('forgetWorkspace', { workspaceId: w.id });
    assert.strictEqual(await workspace(t.api, w.id), undefined);
    assert.ok(!tmuxSessions(t.api).includes(w.baseSession.name), 'its base terminal was stopped');
    assert.strictEqual(git(t.repo, 'branch', '--list', 'feature/forget'), 'feature/forget');
  });

  it('relaunchLost { workspaceId, sessionName } relaunches a session lost with the tmux server (R2)', async () => {
    const w = await create(t.repo, 'feature/lost');
    const session = await launchShell(w.id);
    // A stand-in for a reboot: the whole private server goes away.
    const { execFileSync } = await import('child_process');
    execFileSync('tmux', ['-L', t.api.tmuxSocket, 'kill-server']);
    await t.api._test.reconcile();
    await waitFor(async () => (await workspace(t.api, w.id))?.sessions.length === 0, 'the session to leave the live list');
    const relaunched = await run<{ name: string; state: string }>('relaunchLost', { workspaceId: w.id, sessionName: session.name });
    assert.strictEqual(relaunched.name, session.name);
    assert.ok(tmuxSessions(t.api).includes(session.name));
    // Every base terminal died with the server; opening one starts it again.
    await run('openTerminal', { workspaceId: t.ws.id });
    assert.ok(tmuxSessions(t.api).includes(t.ws.baseSession.name));
  });

  it('openInNewWindow and revealWorktree reject an unknown workspace, naming it', async () => {
    await assert.rejects(run('openInNewWindow', { workspaceId: '0123456789abcdef' }), /no workspace with id "0123456789abcdef"/);
    await assert.rejects(run('revealWorktree', { workspaceId: '0123456789abcdef' }), /no workspace with id "0123456789abcdef"/);
    await assert.rejects(run('revealWorktree', {}), /revealWorktree needs "workspaceId"/);
  });

  it('deleteWorkspace { workspaceId } removes a clean workspace and its merged branch (D2, D6)', async () => {
    const w = await create(t.repo, 'feature/merged');
    await launchShell(w.id);
    const result = await run('deleteWorkspace', { workspaceId: w.id });
    assert.deepStrictEqual(result, { deleted: true });
    assert.strictEqual(await workspace(t.api, w.id), undefined);
    assert.ok(!fs.existsSync(w.worktreePath));
    assert.ok(!tmuxSessions(t.api).some((s) => s.startsWith(w.baseSession.name)));
    assert.strictEqual(git(t.repo, 'branch', '--list', 'feature/merged'), '');
  });

  it('deleteWorkspace names a branch it kept because it was not merged (D6)', async () => {
    const w = await create(t.repo, 'feature/unmerged');
    fs.writeFileSync(path.join(w.worktreePath, 'work.txt'), 'work\n');
    git(w.worktreePath, 'add', 'work.txt');
    git(w.worktreePath, 'commit', '--quiet', '-m', 'Work');
    const result = await run('deleteWorkspace', { workspaceId: w.id });
    assert.deepStrictEqual(result, { deleted: true, keptBranch: 'feature/unmerged' });
    assert.strictEqual(git(t.repo, 'branch', '--list', 'feature/unmerged'), 'feature/unmerged');
  });
});
