import { isWorkingAgent } from '../tree/format';
import { chooseSession } from './chooseSession';
import type { Command, SessionArgs } from './command';
import { CommandId } from './ids';

export const stopSession: Command<SessionArgs, void> = {
  id: CommandId.stopSession,
  async run(invocation, s, deps) {
    const chosen = await chooseSession(invocation, s, deps, this.id, { title: 'Stop Session', lost: false });
    if (!chosen) return;
    const session = chosen.workspace.sessions.find((x) => x.name === chosen.name);
    // SPEC §5: only an agent in the middle of its work is worth a modal; anything else stops at once.
    if (invocation.interactive && session && isWorkingAgent(session)) {
      const stop = 'Stop Session';
      const answer = await deps.prompter().confirm({
        message: `${chosen.label} in "${chosen.workspace.branch}" is ${session.state === 'waiting' ? 'waiting for input' : 'working'}. Stop it?`,
        detail: 'Its tmux session and every process in it are ended, and what it was doing is lost. To only close the terminal, close it in the terminal panel instead: the session keeps running.',
        actions: [stop],
      });
      if (answer !== stop) return;
    }
    s.terminals.close([chosen.name]);
    await s.lifecycle.stopSession(chosen.workspace.id, chosen.name);
  },
};
