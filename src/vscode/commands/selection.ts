import { LostSessionNode, RuntimeSessionNode, WorkspaceNode } from '../tree/nodes';
import type { Command } from './command';
import { CommandId } from './ids';

/**
 * Enter in the view: opens the selected workspace's terminal (a session row
 * opens its own on Enter already, through its command).
 */
export const openSelected: Command<unknown, void> = {
  id: CommandId.openSelected,
  async run(_invocation, s, deps) {
    const node = s.treeView.selection[0];
    if (!node?.target.workspaceId) return;
    await deps.execute(CommandId.openTerminal, { args: node.target, interactive: true });
  },
};

/** Delete in the view: deletes the selected workspace or stops the selected session, asking as the menu items do. */
export const deleteSelected: Command<unknown, void> = {
  id: CommandId.deleteSelected,
  async run(_invocation, s, deps) {
    const node = s.treeView.selection[0];
    if (node instanceof WorkspaceNode) await deps.execute(CommandId.deleteWorkspace, { args: node.target, interactive: true });
    else if (node instanceof RuntimeSessionNode || node instanceof LostSessionNode) await deps.execute(CommandId.stopSession, { args: node.target, interactive: true });
  },
};
