import * as vscode from 'vscode';
import { UserError } from '../../core';
import { chooseWorkspace, type Command, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

export const openInNewWindow: Command<WorkspaceArgs, void> = {
  id: CommandId.openInNewWindow,
  async run(invocation, s, deps) {
    const workspace = await chooseWorkspace(invocation, s, deps, this.id, {
      title: 'Open Worktree in New Window',
      filter: (w) => w.status === 'ready' || w.status === 'error',
      none: 'There is no workspace with a worktree to open.',
    });
    if (!workspace) return;
    if (workspace.status === 'missing') throw new UserError(`The worktree of "${workspace.branch}" is missing (${workspace.worktreePath}). Recreate it first.`);
    await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(workspace.worktreePath), { forceNewWindow: true });
  },
};
