import * as vscode from 'vscode';
import { UserError } from '../../core';
import { workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

/** §10: the worktree replaces this window's folder; its sessions keep running in tmux and reattach. */
export const openInThisWindow = workspaceCommand<WorkspaceArgs, void>(
  CommandId.openInThisWindow,
  { title: 'Open Worktree in This Window', filter: (w) => w.status === 'ready' || w.status === 'error', none: 'There is no workspace with a worktree to open.' },
  async (workspace) => {
    if (workspace.status === 'missing') throw new UserError(`The worktree of "${workspace.branch}" is missing (${workspace.worktreePath}). Recreate it first.`);
    await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(workspace.worktreePath), { forceReuseWindow: true });
  },
);
