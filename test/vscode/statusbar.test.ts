// The status bar item (SPEC §5): sessions counted by what they need from the
// user, for the window's workspace or for all, never the branch; a warning
// when tmux is unavailable; and its quick pick of actions.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Git } from '../../src/core';
import type { RepositoryQueries } from '../../src/core';
import { ProcessRunner } from '../../src/core/process/runner';
import { silentLogger } from '../../src/core/log';
import { OpenRepositories } from '../../src/vscode/repositories';
import type { WorkspaceView } from '../../src/core';
import { SessionStatusBar } from '../../src/vscode/statusBar';
import type { PickRequest } from '../../src/vscode/prompts/prompter';
import { waitFor } from './helpers';
import { launchShell, run, ScriptedPrompter, setSetting, withWorkspace } from './fixtures';

function view(overrides: Partial<WorkspaceView>): WorkspaceView {
  return {
    id: '0123456789abcdef', repoRoot: '/r', worktreePath: '/r.worktrees/feat', branch: 'feat', baseRef: 'main', createdBranch: true,
    status: 'ready', baseSession: { name: 'wts-0123456789abcdef', running: true }, sessions: [], lostSessions: [], busy: false, ...overrides,
  };
}

describe('status bar', function () {
  this.timeout(60_000);
  const t = withWorkspace('status', 'feature/status');

  it('is hidden outside a worktree while no session runs', async () => {
    const bar = await t.api._test.statusBar();
    assert.strictEqual(bar.visible, false, bar.text);
  });

  it('counts the sessions of all workspaces elsewhere, idle ones as sessions, not as "running"', async () => {
    const one = await launchShell(t.ws.id);
    await waitFor(async () => (await t.api._test.statusBar()).text === '$(terminal-tmux) 1 session', 'one session');
    assert.strictEqual((await t.api._test.statusBar()).visible, true);
    await launchShell(t.ws.id);
    await waitFor(async () => (await t.api._test.statusBar()).text === '$(terminal-tmux) 2 sessions', 'two sessions');
    const { tooltip } = await t.api._test.statusBar();
    assert.match(tooltip, /feature\/status · Shell — (running|idle)/);
    assert.match(tooltip, /feature\/status · Shell 2 — (running|idle)/);
    await run('stopSession', { workspaceId: t.ws.id, sessionName: one.name });
    await waitFor(async () => (await t.api._test.statusBar()).text === '$(terminal-tmux) 1 session', 'back to one');
  });

  it('clicking it offers the fitting actions; choosing a session opens its terminal', async () => {
    const session = (await t.api.listWorkspaces()).find((w) => w.id === t.ws.id)!.sessions[0];
    // The first shell was stopped; the one left keeps its number.
    const prompter = new ScriptedPrompter().answerPick('action', 'Open feature/status · Shell 2');
    t.api._test.setPrompter(prompter);
    try {
      await run('showActions');
    } finally {
      t.api._test.setPrompter(undefined);
    }
    const request = prompter.calls[0].request as PickRequest<unknown>;
    assert.deepStrictEqual(request.items.map((i) => i.label), ['Open feature/status · Shell 2', 'Create Workspace…', 'Show Workspaces', 'Show Log']);
    assert.ok(await t.api._test.terminalOf(session.name));
    await run('stopSession', { workspaceId: t.ws.id, sessionName: session.name });
    await waitFor(async () => !(await t.api._test.statusBar()).visible, 'the item to hide again');
  });

  it('warns, and the view says why, when tmux cannot be found', async () => {
    await setSetting('tmux.path', '/opt/no-tmux-here/tmux');
    try {
      await run('refresh');
      const bar = await waitFor(async () => ((await t.api._test.statusBar()).warning ? t.api._test.statusBar() : undefined), 'the warning');
      assert.strictEqual(bar.text, '$(warning) tmux unavailable');
      assert.strictEqual(bar.visible, true);
      assert.match(t.api._test.treeView.message ?? '', /tmux cannot be run/);
      await assert.rejects(run('openTerminal', { workspaceId: t.ws.id }), /tmux cannot be run/);
    } finally {
      await setSetting('tmux.path', undefined);
      await run('refresh');
    }
    assert.strictEqual((await t.api._test.statusBar()).warning, false);
    assert.strictEqual(t.api._test.treeView.message, undefined);
  });

  describe('rendering', () => {
    let bar: SessionStatusBar;
    beforeEach(() => (bar = new SessionStatusBar()));
    afterEach(() => bar.dispose());

    it('in a window opened on a managed worktree counts its sessions and those waiting, without the branch', () => {
      const here = view({
        sessions: [
          { name: 'wts-0123456789abcdef-claude', target: 'claude', label: 'Claude Code', createdAt: Date.now(), state: 'waiting', stateSource: 'hook', stateAt: Date.now() },
          { name: 'wts-0123456789abcdef-shell', target: 'shell', label: 'Shell', createdAt: Date.now(), state: 'idle', stateSource: 'process', stateAt: Date.now() },
          { name: 'wts-0123456789abcdef-shell-2', target: 'shell', label: 'Shell', createdAt: Date.now(), state: 'idle', stateSource: 'process', stateAt: Date.now() },
        ],
      });
      const other = view({ id: 'fedcba9876543210', branch: 'other', sessions: [{ name: 'wts-fedcba9876543210-shell', target: 'shell', label: 'Shell', createdAt: Date.now(), state: 'running', stateSource: 'process', stateAt: Date.now() }] });
      bar.render({ workspaces: [here, other], windowWorkspace: here, tmux: { ok: true, version: { major: 3, minor: 3, raw: 'tmux 3.3a' } } as never, targets: [{ key: 'shell', label: 'Shell' }] });
      assert.strictEqual(bar.item.text, '$(bell-dot) 3 sessions · 1 waiting');
      assert.doesNotMatch(bar.item.text, /feat/);
      const tooltip = (bar.item.tooltip as vscode.MarkdownString).value;
      assert.match(tooltip, /3 sessions \(1 waiting for input, 2 idle\)/);
      assert.match(tooltip, /Shell 2 — idle/);
      assert.strictEqual(bar.visible, true);
      assert.strictEqual(bar.item.backgroundColor, undefined);
    });

    it('shows the window\'s workspace with no session too', () => {
      const here = view({});
      bar.render({ workspaces: [here], windowWorkspace: here });
      assert.strictEqual(bar.item.text, '$(terminal-tmux) 0 sessions');
      assert.strictEqual(bar.visible, true);
    });

    it('knows the window is on a managed worktree when its folder is that worktree (or inside it)', () => {
      const git = new Git(new ProcessRunner(silentLogger));
      const repositoryQueries = { root: (folder: string) => git.repositoryRoot(folder) } as RepositoryQueries;
      const folder = fs.realpathSync(vscode.workspace.workspaceFolders![0].uri.fsPath);
      const repositories = new OpenRepositories(repositoryQueries, silentLogger);
      try {
        assert.strictEqual(repositories.windowWorkspace([view({ worktreePath: folder })])?.branch, 'feat');
        assert.strictEqual(repositories.windowWorkspace([view({ worktreePath: path.dirname(folder) })])?.branch, 'feat');
        assert.strictEqual(repositories.windowWorkspace([view({ worktreePath: `${folder}-other` })]), undefined);
      } finally {
        repositories.dispose();
      }
    });

    it('warns when tmux is missing', () => {
      bar.render({ workspaces: [view({})], tmux: { ok: false, problem: 'missing', message: 'tmux was not found (tmux).' } });
      assert.strictEqual(bar.item.text, '$(warning) tmux unavailable');
      assert.ok(bar.item.backgroundColor instanceof vscode.ThemeColor);
      assert.strictEqual(bar.item.backgroundColor.id, 'statusBarItem.warningBackground');
      assert.strictEqual(bar.visible, true);
    });
  });
});
