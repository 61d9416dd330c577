import * as vscode from 'vscode';
import { UserError } from '../../core';
import { tildify } from '../tree/format';
import { workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

/**
 * Shows the worktree folder: in the Explorer when it is part of this window,
 * in the OS file manager on a local desktop, else (remote, web) offers to
 * open it or copy its path, since the remote machine's files have no OS window here.
 */
export const revealWorktree = workspaceCommand<WorkspaceArgs, void>(
  CommandId.revealWorktree,
  { title: 'Reveal Worktree Folder', filter: (w) => w.status !== 'missing', none: 'There is no workspace with a worktree folder.' },
  async (workspace, invocation) => {
    if (workspace.status === 'missing') throw new UserError(`The worktree of "${workspace.branch}" is missing (${workspace.worktreePath}).`);
    const uri = vscode.Uri.file(workspace.worktreePath);
    if (vscode.workspace.getWorkspaceFolder(uri)) {
      await vscode.commands.executeCommand('revealInExplorer', uri);
      return;
    }
    if (!vscode.env.remoteName && vscode.env.uiKind === vscode.UIKind.Desktop) {
      await vscode.commands.executeCommand('revealFileInOS', uri);
      return;
    }
    if (!invocation.interactive) return;
    const open = 'Open in New Window';
    const copy = 'Copy Path';
    const choice = await vscode.window.showInformationMessage(`The worktree of "${workspace.branch}" is at ${tildify(workspace.worktreePath)} on ${vscode.env.remoteName ?? 'the server'}.`, open, copy);
    if (choice === open) await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
    if (choice === copy) await vscode.env.clipboard.writeText(workspace.worktreePath);
  },
);
