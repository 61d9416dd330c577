import { chooseSession } from './chooseSession';
import type { Command, SessionArgs } from './command';
import { CommandId } from './ids';

export const stopSession: Command<SessionArgs, void> = {
  id: CommandId.stopSession,
  async run(invocation, s, deps) {
    const chosen = await chooseSession(invocation, s, deps, this.id, { title: 'Stop Session', lost: false });
    if (!chosen) return;
    const lost = chosen.workspace.lostSessions.some((x) => x.name === chosen.name);
    if (invocation.interactive && !lost) {
      const stop = 'Stop Session';
      const answer = await deps.prompter().confirm({
        message: `Stop ${chosen.label} in "${chosen.workspace.branch}"?`,
        detail: 'Its tmux session and every process in it are ended. To only close the terminal, close it in the terminal panel instead: the session keeps running.',
        actions: [stop],
      });
      if (answer !== stop) return;
    }
    s.terminals.close([chosen.name]);
    await s.lifecycle.stopSession(chosen.workspace.id, chosen.name);
  },
};
