import * as vscode from 'vscode';
import type { LaunchTarget, TmuxProbe, WorkspaceView } from '../core';
import { CommandId } from './commands/ids';
import { sessionLabels } from './sessionLabels';
import { describeSessions, plural, STATE_LABEL } from './tree/format';

export interface StatusBarState {
  workspaces: readonly WorkspaceView[];
  /** The workspace this window is opened on, if any. */
  windowWorkspace?: WorkspaceView;
  tmux?: TmuxProbe;
  /** For the sessions' labels ("Shell 2"). */
  targets?: readonly Pick<LaunchTarget, 'key' | 'label'>[];
}

/**
 * SPEC §5: the sessions counted by what they need from the user
 * ("3 sessions · 1 waiting"), for the window's own workspace when the window
 * is opened on one, else for all, hidden there while none runs. The branch is
 * not repeated: VS Code's git item shows it. A warning when tmux is missing
 * or too old.
 */
export class SessionStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  /** Whether the item is shown (StatusBarItem does not say). */
  visible = false;

  constructor() {
    this.item = vscode.window.createStatusBarItem('worktreeSessions.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Worktree Sessions';
    this.item.command = CommandId.showActions;
  }

  render(state: StatusBarState): void {
    const { item } = this;
    const tmuxProblem = state.tmux && !state.tmux.ok ? state.tmux : undefined;
    const here = state.windowWorkspace;
    const counted = here ? [here] : state.workspaces;
    const sessions = counted.flatMap((w) => {
      const labels = sessionLabels(w, state.targets ?? []);
      return w.sessions.filter((s) => s.state !== 'exited').map((s) => ({ w, s, label: labels.get(s.name) ?? s.label }));
    });
    const waiting = sessions.filter(({ s }) => s.state === 'waiting').length;

    if (tmuxProblem) item.text = '$(warning) tmux unavailable';
    else item.text = `$(${waiting ? 'bell-dot' : 'terminal-tmux'}) ${sessions.length} ${plural(sessions.length, 'session')}${waiting ? ` · ${waiting} waiting` : ''}`;
    item.backgroundColor = tmuxProblem ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.accessibilityInformation = { label: accessibleText(here, sessions.length, waiting, tmuxProblem !== undefined) };

    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Worktree Sessions**${here ? ` — this window is the workspace of \`${here.branch}\`` : ''}\n\n`);
    if (tmuxProblem) md.appendMarkdown(`$(warning) ${tmuxProblem.message}\n\n`);
    if (sessions.length) {
      md.appendMarkdown(`${describeSessions(sessions.map(({ s }) => s.state))}:\n\n`);
      for (const { w, s, label } of sessions) md.appendMarkdown(`- $(${s.state === 'waiting' ? 'bell-dot' : s.target === 'shell' ? 'terminal' : 'hubot'}) ${here ? '' : `${w.branch} · `}${label} — ${STATE_LABEL[s.state]}\n`);
    } else {
      md.appendMarkdown('No session is running.\n');
    }
    md.appendMarkdown('\nClick for actions.');
    item.tooltip = md;

    // Elsewhere the item only speaks when there is something to say.
    this.visible = Boolean(here || sessions.length || (tmuxProblem && state.workspaces.length));
    if (this.visible) item.show();
    else item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}

function accessibleText(here: WorkspaceView | undefined, count: number, waiting: number, tmuxProblem: boolean): string {
  const parts = [here ? `Worktree Sessions of this window's workspace ${here.branch}` : 'Worktree Sessions'];
  if (tmuxProblem) parts.push('tmux is unavailable');
  parts.push(`${count} ${plural(count, 'session')}`);
  if (waiting) parts.push(`${waiting} waiting for input`);
  return parts.join(', ');
}
