// states.png for the README's "Agent state": one workspace with a session in
// each state an agent can be in, each set the way a real one sets it: working,
// waiting and done through "$WTS_STATE_HOOK" (as the built-in wiring does),
// running from fresh output, idle after 30 s of none. Stand-ins for the agents,
// which are not installed here.
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../../src/vscode/api';
import { sleep, waitFor } from '../helpers';
import { demo, PAINT_MS, shoot } from './shots';
import { run, setSetting, type Api } from '../fixtures';


const standIn = (report: string[], lines: string[]) => ['sh', '-c', [...lines.map((l) => `printf '%s\\n' '${l}'`), ...(report.length ? [`"$WTS_STATE_HOOK" ${report.map((w) => `'${w}'`).join(' ')}`] : []), 'exec sleep 86400'].join('; ')];

const AGENTS = [
  { key: 'claude', label: 'Claude Code', command: standIn(['working', 'Port the parser to the new AST'], ['Reading src/parser.js']) },
  { key: 'codex', label: 'Codex', command: standIn(['waiting', 'Allow npm install?'], ['Needs a new dependency']) },
  { key: 'gemini', label: 'Gemini CLI', command: standIn(['done', 'Dark mode toggle added'], ['All tests pass']) },
  { key: 'aider', label: 'Aider', command: standIn([], ['Waiting for a prompt']) },
];

describe('screenshot of the agent states', function () {
  this.timeout(180_000);
  let api: Api;
  let repo: string;

  before(async function () {
    ({ api, repo } = await demo(this));
    await setSetting('agents', AGENTS);
  });

  after(async () => {
    if (api) await setSetting('agents', undefined);
  });

  it('states.png: working, waiting, done, running and idle in one workspace', async () => {
    const w = await run<ApiWorkspace>('createWorkspace', { repoRoot: repo, branch: 'feature/states', baseRef: 'main' });
    // Idle needs 30 s without output: it starts first.
    const aider = await run<{ name: string }>('launch', { workspaceId: w.id, target: 'aider' });
    (await api._test.terminalOf(aider.name))?.dispose();
    for (const target of ['claude', 'codex', 'gemini']) {
      const s = await run<{ name: string }>('launch', { workspaceId: w.id, target });
      (await api._test.terminalOf(s.name))?.dispose();
    }
    await waitFor(async () => {
      const sessions = (await api.listWorkspaces()).find((x) => x.id === w.id)?.sessions ?? [];
      return ['working', 'waiting', 'done', 'idle'].every((state) => sessions.some((s) => s.state === state));
    }, 'working, waiting, done and idle', { timeoutMs: 60_000 });
    // Running: a shell that wrote something a moment ago.
    const shell = await run<{ name: string }>('launch', { workspaceId: w.id, target: 'shell' });
    (await api._test.terminalOf(shell.name))?.dispose();
    await waitFor(async () => (await api.listWorkspaces()).find((x) => x.id === w.id)?.sessions.some((s) => s.state === 'running'), 'the shell to run');

    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
    const rows = (await api._test.tree.getChildren())[0]?.children() ?? [];
    for (const row of rows) {
      if (row.target.workspaceId === w.id) await api._test.treeView.reveal(row, { select: true, focus: true, expand: true });
    }
    await sleep(PAINT_MS * 2);
    await shoot('states.png', '.part.sidebar');
  });
});
