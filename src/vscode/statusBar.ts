import * as vscode from 'vscode';
import type { TmuxProbe, WorkspaceView } from '../core';
import { CommandId } from './commands/ids';
import { plural, STATE_LABEL } from './tree/format';

export interface StatusBarState {
  workspaces: readonly WorkspaceView[];
  /** The workspace this window is opened on, if any. */
  windowWorkspace?: WorkspaceView;
  tmux?: TmuxProbe;
}

/**
 * In a window opened on a managed worktree: its branch and live sessions.
 * Elsewhere: the live sessions of all workspaces, hidden when there are none.
 * A warning background when tmux is missing or too old.
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
    const sessions = (here ? [here] : state.workspaces).flatMap((w) => w.sessions.map((s) => ({ w, s }))).filter(({ s }) => s.state !== 'exited');
    const waiting = sessions.filter(({ s }) => s.state === 'waiting').length;
    // §5: what the sessions need from the user, "3 sessions · 1 waiting".
    const counts = `${sessions.length} ${plural(sessions.length, 'session')}${waiting ? ` · ${waiting} waiting` : ''}`;

    if (tmuxProblem) {
      item.text = here ? `$(warning) ${here.branch} · tmux unavailable` : '$(warning) tmux unavailable';
    } else if (here) {
      item.text = `$(git-branch) ${here.branch} · ${counts}`;
    } else {
      item.text = `$(terminal-tmux) ${counts}`;
    }
    item.backgroundColor = tmuxProblem ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.accessibilityInformation = { label: accessibleText(here, sessions.length, waiting, tmuxProblem !== undefined) };

    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Worktree Sessions**${here ? ` — this window is the workspace of \`${here.branch}\`` : ''}\n\n`);
    if (tmuxProblem) md.appendMarkdown(`$(warning) ${tmuxProblem.message}\n\n`);
    if (sessions.length) {
      for (const { w, s } of sessions) md.appendMarkdown(`- $(${s.state === 'waiting' ? 'bell-dot' : s.target === 'shell' ? 'terminal' : 'hubot'}) ${here ? '' : `${w.branch} · `}${s.label} — ${STATE_LABEL[s.state]}\n`);
    } else {
      md.appendMarkdown('No sessions running.\n');
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

function accessibleText(here: WorkspaceView | undefined, running: number, waiting: number, tmuxProblem: boolean): string {
  const parts = [here ? `Worktree Sessions: branch ${here.branch}` : 'Worktree Sessions'];
  if (tmuxProblem) parts.push('tmux is unavailable');
  parts.push(`${running} ${plural(running, 'session')} running`);
  if (waiting) parts.push(`${waiting} waiting for input`);
  return parts.join(', ');
}
