import { UserError } from '../../core';
import { sessionsNeedingUser } from '../notifyDecision';
import type { Command } from './command';
import { CommandId } from './ids';
import { openWorkspaceTerminal } from './openTerminal';

/**
 * §5/§8: opens the next session that needs the user — waiting first (the
 * longest waiting first), then done — going round from the one opened last.
 */
export const nextWaitingSession: Command<Record<string, never>, { workspaceId: string; sessionName: string } | undefined> = {
  id: CommandId.nextWaitingSession,
  async run(invocation, s) {
    const queue = sessionsNeedingUser(s.lifecycle.list());
    if (!queue.length) {
      if (invocation.interactive) throw new UserError('No session is waiting for you.');
      return undefined;
    }
    const active = s.terminals.activeSessionName();
    const at = queue.findIndex((x) => x.session.name === active);
    const next = queue[(at + 1) % queue.length];
    await openWorkspaceTerminal(next.workspace, next.session.name, s, { preserveFocus: false });
    return { workspaceId: next.workspace.id, sessionName: next.session.name };
  },
};
