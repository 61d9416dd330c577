// The pictures in docs/images, taken by `npm run screenshots` (not part of the
// default integration run) on the demo repository scripts/screenshots.mjs makes:
// the welcome views, the tree with two workspaces (an agent and a shell in one,
// an agent waiting for input in the other), the status bar, the first step of
// Create Workspace, and the status bar's actions.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../../src/vscode/api';
import { askDriverForScreenshot, canTakeScreenshots, sleep, waitFor } from '../helpers';
import { readyApi, run, setSetting, type Api } from '../fixtures';

// scripts/screenshots.mjs sets this; the fallback is the checkout's docs/images.
const imagesDir = process.env.WTS_SCREENSHOT_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'docs', 'images');

/** The view's welcome content, without the empty height of the side bar below it. */
const WELCOME = '.part.sidebar .welcome-view-content';

// The driver can only capture what the renderer has painted.
const PAINT_MS = 1500;

/** Stand-ins for the agents (they are not installed here): each prints a short, plausible transcript. */
const AGENTS = [
  {
    key: 'claude',
    label: 'Claude Code',
    command: ['sh', '-c', [
      "printf '\\033[38;5;209m✻\\033[0m \\033[1mClaude Code\\033[0m\\n\\n'",
      "printf '\\033[2m>\\033[0m Add a farewell() next to greet(), with a test\\n\\n'",
      "printf '\\033[32m●\\033[0m Read \\033[1msrc/greet.js\\033[0m\\n'",
      "printf '\\033[32m●\\033[0m Write \\033[1msrc/farewell.js\\033[0m \\033[2m(+3)\\033[0m\\n'",
      "printf '\\033[32m●\\033[0m Update \\033[1mtest/greet.test.js\\033[0m \\033[2m(+6 -1)\\033[0m\\n\\n'",
      "printf 'Both functions are exported and \\033[1mnpm test\\033[0m passes.\\n\\n\\033[2m>\\033[0m '",
      'exec sleep 86400',
    ].join('; ')],
  },
  {
    key: 'codex',
    label: 'Codex',
    command: ['sh', '-c', [
      "printf '\\033[1mCodex\\033[0m\\n\\n'",
      "printf 'Punctuation fixed in src/greet.js.\\n\\nAlso update the README example? [y/N] '",
      // The question rings the bell a moment later, when no terminal shows it: the row turns to "waiting for input".
      "sleep 2; printf '\\a'",
      'exec sleep 86400',
    ].join('; ')],
  },
];

describe('screenshots for the docs', function () {
  this.timeout(120_000);
  let api: Api;
  let repo: string;

  before(async function () {
    if (!canTakeScreenshots()) this.skip();
    api = await readyApi();
    repo = fs.realpathSync(vscode.workspace.workspaceFolders![0].uri.fsPath);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
    for (const [section, key, value] of [
      ['workbench', 'startupEditor', 'none'],
      ['breadcrumbs', 'enabled', false],
      ['git', 'openRepositoryInParentFolders', 'never'],
      ['editor', 'minimap.enabled', false],
      // Other processes on the machine would otherwise show up as forwarded ports.
      ['remote', 'autoForwardPorts', false],
    ] as const) {
      await vscode.workspace.getConfiguration(section).update(key, value, vscode.ConfigurationTarget.Global);
    }
    await setSetting('agents', AGENTS);
    await vscode.commands.executeCommand('workbench.view.extension.worktreeSessions');
    // Wide enough for the view's title and a workspace's description. The headless
    // page never has focus, so the editor counts as the active part: shrink it.
    for (let i = 0; i < 2; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
    await sleep(PAINT_MS);
  });

  after(async () => {
    if (!api) return;
    await setSetting('tmux.path', undefined);
    await setSetting('agents', undefined);
  });

  it('welcome.png: the view before any workspace exists', async () => {
    // A panel across the whole width shortens the side bar to about what the welcome text needs.
    await vscode.commands.executeCommand('workbench.action.alignPanelJustify');
    await vscode.commands.executeCommand('workbench.action.togglePanel');
    await vscode.commands.executeCommand('worktreeSessions.workspaces.focus');
    await sleep(PAINT_MS);
    await askDriverForScreenshot(path.join(imagesDir, 'welcome.png'), WELCOME);
  });

  it('welcome-tmux.png: the view when tmux is missing', async () => {
    await setSetting('tmux.path', '/opt/no-tmux-here/tmux');
    await run('refresh');
    await sleep(PAINT_MS);
    await askDriverForScreenshot(path.join(imagesDir, 'welcome-tmux.png'), WELCOME);
    await setSetting('tmux.path', undefined);
    await run('refresh');
    await vscode.commands.executeCommand('workbench.action.alignPanelCenter');
  });

  it('tree.png: two workspaces, one with an agent and a shell, one with an agent waiting for input', async () => {
    // Opening the panel for the welcome pictures started a plain shell; only the workspaces' terminals belong here.
    for (const terminal of vscode.window.terminals) terminal.dispose();
    const farewell = await run<ApiWorkspace>('createWorkspace', { repoRoot: repo, branch: 'feature/farewell', existingBranch: true });
    fs.writeFileSync(path.join(farewell.worktreePath, 'README.md'), '# Demo project\n\nA small repository to try Worktree Sessions on.\n\n    npm start -- Ada\n\n## Saying goodbye\n\n`farewell(name)` returns "Goodbye, name!"; `shout(name)` says it louder.\n');
    // What the agent "did": the changed lines show on the workspace's row.
    fs.writeFileSync(path.join(farewell.worktreePath, 'src', 'farewell.js'), "exports.farewell = (name) => `Goodbye, ${name}!`;\nexports.wave = (name) => `Bye for now, ${name}.`;\n\nexports.shout = (name) => exports.farewell(name).toUpperCase();\n");
    fs.writeFileSync(path.join(farewell.worktreePath, 'test', 'greet.test.js'), "const assert = require('node:assert');\nconst { greet } = require('../src/greet');\nconst { farewell } = require('../src/farewell');\n\nassert.strictEqual(greet('Ada'), 'Hello, Ada!');\nassert.strictEqual(farewell('Ada'), 'Goodbye, Ada!');\n");
    const punctuation = await run<ApiWorkspace>('createWorkspace', { repoRoot: repo, branch: 'fix/greeting-punctuation', baseRef: 'main' });
    fs.writeFileSync(path.join(punctuation.worktreePath, 'src', 'greet.js'), 'exports.greet = (name) => `Hello, ${name}.`;\n');

    const codex = await run<{ name: string }>('launch', { workspaceId: punctuation.id, target: 'codex' });
    (await api._test.terminalOf(codex.name))?.dispose();
    await run('launch', { workspaceId: farewell.id, target: 'shell' });
    const claude = await run<{ name: string }>('launch', { workspaceId: farewell.id, target: 'claude' });
    await waitFor(async () => (await api.listWorkspaces()).some((w) => w.sessions.some((s) => s.state === 'waiting')), 'Codex to wait for input');

    const doc = await vscode.workspace.openTextDocument(path.join(farewell.worktreePath, 'README.md'));
    await vscode.window.showTextDocument(doc, { preview: false });
    // The agent's terminal in front, as after clicking its row.
    await run('openTerminal', { workspaceId: farewell.id, sessionName: claude.name });
    await waitFor(async () => {
      const rows = (await api._test.treeSnapshot())[0]?.children ?? [];
      return rows.length === 2 && rows.every((r) => /^\+\d+/.test(r.description ?? ''));
    }, 'the changed lines of both workspaces', { timeoutMs: 15_000 });
    // Its row selected, as after clicking it.
    const [repoNode] = (await api._test.tree.getChildren()) ?? [];
    const claudeNode = repoNode?.children().find((n) => n.target.workspaceId === farewell.id)?.children().find((n) => n.target.sessionName === claude.name);
    if (claudeNode) await api._test.treeView.reveal(claudeNode, { select: true, focus: true });
    await sleep(PAINT_MS * 2);
    await askDriverForScreenshot(path.join(imagesDir, 'tree.png'));
  });

  it('status-bar.png: the status bar item', async () => {
    await askDriverForScreenshot(path.join(imagesDir, 'status-bar.png'), '.part.statusbar .left-items');
  });

  it('create.png: the first of the two steps of Create Workspace', async () => {
    // The user's own question, not a scripted one: a branch checked out elsewhere is listed but cannot be chosen.
    void vscode.commands.executeCommand('worktreeSessions.createWorkspace');
    await sleep(PAINT_MS);
    await askDriverForScreenshot(path.join(imagesDir, 'create.png'), '.quick-input-widget');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });

  it('actions.png: the quick pick the status bar item opens', async () => {
    void vscode.commands.executeCommand('worktreeSessions.showActions');
    await sleep(PAINT_MS);
    await askDriverForScreenshot(path.join(imagesDir, 'actions.png'), '.quick-input-widget');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });
});
