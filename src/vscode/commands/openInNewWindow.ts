import * as vscode from 'vscode';
import { UserError } from '../../core';
import { workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

export const openInNewWindow = workspaceCommand<WorkspaceArgs, void>(
  CommandId.openInNewWindow,
  { title: 'Open Worktree in New Window', filter: (w) => w.status === 'ready' || w.status === 'error', none: 'There is no workspace with a worktree to open.' },
  async (workspace) => {
    if (workspace.status === 'missing') throw new UserError(`The worktree of "${workspace.branch}" is missing (${workspace.worktreePath}). Recreate it first.`);
    await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(workspace.worktreePath), { forceNewWindow: true });
  },
);
