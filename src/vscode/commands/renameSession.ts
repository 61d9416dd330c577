import { UserError } from '../../core';
import { sessionLabels } from '../sessionLabels';
import { terminalTarget } from '../terminals';
import { chooseSession } from './chooseSession';
import { required, type Command, type SessionArgs } from './command';
import { CommandId } from './ids';

export interface RenameArgs extends SessionArgs {
  label: string;
}

/** A session gets a name of the user's choosing; its open terminal is reattached under it. */
export const renameSession: Command<RenameArgs, void> = {
  id: CommandId.renameSession,
  async run(invocation, s, deps) {
    const chosen = await chooseSession(invocation, s, deps, this.id, { title: 'Rename Session', lost: false });
    if (!chosen) return;
    let label: string | undefined;
    if (invocation.args.label !== undefined || !invocation.interactive) {
      label = required(invocation, 'label', this.id);
    } else {
      label = await deps.prompter().input({
        title: `Rename ${chosen.label} in ${chosen.workspace.branch}`,
        prompt: 'The name shown in the tree, the pickers and the terminal tab',
        value: chosen.label,
        validate: (v) => (v.trim() ? undefined : 'Type a name.'),
      });
    }
    if (label === undefined) return;
    if (!label.trim()) throw new UserError('A session needs a name; it cannot be empty.');
    await s.lifecycle.renameSession(chosen.workspace.id, chosen.name, label);
    const now = s.lifecycle.workspace(chosen.workspace.id);
    const target = now && terminalTarget(now, chosen.name, sessionLabels(now, s.lifecycle.targets().targets));
    if (target) s.terminals.renamed(target);
  },
};
