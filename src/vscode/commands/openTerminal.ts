import { UserError, type WorkspaceView } from '../../core';
import { isReady, optional, workspaceCommand, type SessionArgs, type Services } from './command';
import { CommandId } from './ids';
import { sessionLabels } from '../sessionLabels';
import { terminalTarget } from '../terminals';

export const openTerminal = workspaceCommand<SessionArgs, void>(
  CommandId.openTerminal,
  { title: 'Open Terminal', filter: isReady, none: 'There is no ready workspace to open a terminal in. Create a workspace first.' },
  async (workspace, invocation, s) => {
    const sessionName = optional(invocation, 'sessionName', CommandId.openTerminal, 'string');
    await openWorkspaceTerminal(workspace, sessionName, s, { preserveFocus: !invocation.interactive });
  },
);

/**
 * Focuses (or creates) the terminal of a session of `workspace`: its base
 * terminal when `sessionName` is absent or names it, which is started first
 * when it is not running.
 */
export async function openWorkspaceTerminal(
  workspace: WorkspaceView,
  sessionName: string | undefined,
  s: Services,
  options: { preserveFocus?: boolean } = {},
): Promise<void> {
  if (sessionName === undefined || sessionName === workspace.baseSession.name) {
    const name = await s.lifecycle.ensureBaseSession(workspace.id);
    s.terminals.open({ workspace, sessionName: name, label: 'Terminal', isAgent: false }, options);
    return;
  }
  const target = terminalTarget(workspace, sessionName, sessionLabels(workspace, s.lifecycle.targets().targets));
  if (!target) {
    const lost = workspace.lostSessions.some((x) => x.name === sessionName);
    throw new UserError(lost
      ? `The session ${sessionName} of "${workspace.branch}" was lost when tmux stopped; relaunch it first.`
      : `"${workspace.branch}" has no running session ${sessionName}. It may have exited.`);
  }
  s.terminals.open(target, options);
}
