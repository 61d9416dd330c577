import type { LocalCommand } from './command';
import { CommandId } from './ids';

/** Works even when the core failed to start: that is when the log matters most. */
export const showLog: LocalCommand = {
  id: CommandId.showLog,
  local: true,
  async run(deps) {
    deps.log.show(true);
  },
};
