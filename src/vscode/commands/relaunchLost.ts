import { toApiSession, type ApiSession } from '../api';
import { chooseSession } from './chooseSession';
import type { Command, SessionArgs } from './command';
import { CommandId } from './ids';
import { withSession } from './launch';
import { openWorkspaceTerminal } from './openTerminal';

/** R2: a session lost with the tmux server starts again, with the agent's resume command where configured. */
export const relaunchLost: Command<SessionArgs, ApiSession | undefined> = {
  id: CommandId.relaunchLost,
  async run(invocation, s, deps) {
    const chosen = await chooseSession(invocation, s, deps, this.id, { title: 'Relaunch Lost Session', lost: true });
    if (!chosen) return undefined;
    const session = await s.lifecycle.relaunchLost(chosen.workspace.id, chosen.name);
    const fresh = s.lifecycle.workspace(chosen.workspace.id) ?? chosen.workspace;
    await openWorkspaceTerminal(withSession(fresh, session), session.name, s, { preserveFocus: !invocation.interactive });
    return toApiSession(session);
  },
};
