import * as vscode from 'vscode';
import type { WorkspaceView } from '../../core';
import type { PickItem } from '../prompts/prompter';
import { sessionLabels } from '../sessionLabels';
import { formatAge, STATE_LABEL } from '../tree/format';
import { VIEW_ID } from '../tree/workspaceTree';
import type { Command } from './command';
import { CommandId, type CommandIdValue } from './ids';

type Action = () => Promise<unknown>;

/** The status bar's quick pick: what fits this window (a managed worktree or not) and tmux's state. */
export const showActions: Command<unknown, void> = {
  id: CommandId.showActions,
  async run(_invocation, s, deps) {
    const list = s.lifecycle.list();
    const here = s.repositories.windowWorkspace(list);
    const tmux = await s.lifecycle.tmuxStatus();
    const items: PickItem<Action>[] = [];
    const command = (id: CommandIdValue, args: Record<string, unknown> = {}): Action => () => deps.execute(id, { args, interactive: true });

    if (!tmux.ok) {
      items.push(
        { label: 'Install tmux…', icon: 'warning', description: tmux.message, value: () => Promise.resolve(vscode.env.openExternal(vscode.Uri.parse('https://github.com/tmux/tmux/wiki/Installing'))) },
        { label: 'Set the tmux Path', icon: 'gear', value: () => Promise.resolve(vscode.commands.executeCommand('workbench.action.openSettings', 'worktreeSessions.tmux.path')) },
        { label: 'Check tmux Again', icon: 'refresh', value: command(CommandId.refresh) },
      );
    }
    if (here?.status === 'ready') {
      items.push(
        { label: 'Open Terminal', icon: 'terminal', description: here.branch, value: command(CommandId.openTerminal, { workspaceId: here.id }) },
        { label: 'Launch Agent or Shell…', icon: 'rocket', description: here.branch, value: command(CommandId.launch, { workspaceId: here.id }) },
      );
    }
    const { targets } = s.lifecycle.targets();
    for (const { w, session } of liveSessions(here ? [here] : list)) {
      const label = sessionLabels(w, targets).get(session.name) ?? session.label;
      items.push({
        label: here ? `Open ${label}` : `Open ${w.branch} · ${label}`,
        icon: session.state === 'waiting' ? 'bell-dot' : session.target === 'shell' ? 'terminal' : 'hubot',
        description: `${STATE_LABEL[session.state]} · ${formatAge(session.createdAt)}`,
        value: command(CommandId.openTerminal, { workspaceId: w.id, sessionName: session.name }),
      });
    }
    if (!here) items.push({ label: 'Create Workspace…', icon: 'add', value: command(CommandId.createWorkspace) });
    items.push({ label: 'Show Workspaces', icon: 'list-tree', value: () => Promise.resolve(vscode.commands.executeCommand(`${VIEW_ID}.focus`)) });
    if (here && here.status !== 'creating' && here.status !== 'deleting') {
      items.push({ label: 'Delete Workspace…', icon: 'trash', description: here.branch, value: command(CommandId.deleteWorkspace, { workspaceId: here.id }) });
    }
    items.push({ label: 'Show Log', icon: 'output', value: command(CommandId.showLog) });

    const action = await deps.prompter().pick({
      purpose: 'action',
      title: here ? `Worktree Sessions: ${here.branch}` : 'Worktree Sessions',
      placeholder: 'Choose an action',
      items,
    });
    await action?.();
  },
};

/** Live sessions, those waiting for input first: they are the ones that need the user. */
function liveSessions(workspaces: readonly WorkspaceView[]) {
  const live = workspaces.flatMap((w) => w.sessions.filter((x) => x.state !== 'exited').map((session) => ({ w, session })));
  return [...live.filter((x) => x.session.state === 'waiting'), ...live.filter((x) => x.session.state !== 'waiting')];
}

