import type { Command } from './command';
import { CommandId } from './ids';

export const refresh: Command<unknown, void> = {
  id: CommandId.refresh,
  async run(_invocation, s) {
    // "Check Again" in the tmux welcome view lands here too: probe afresh.
    await s.recheckTmux();
    await s.repositories.scan();
    await s.lifecycle.reconcile();
    s.tree.refresh();
  },
};
