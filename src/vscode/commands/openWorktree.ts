import path from 'node:path';
import * as vscode from 'vscode';
import { UserError, type WorkspaceView } from '../../core';
import { workspaceCommand, type WorkspaceArgs } from './command';
import type { CommandIdValue } from './ids';

/** SPEC §10: a workspace opens in a new window, in this window, or added to this window's folders. */
export type OpenWhere = 'newWindow' | 'thisWindow' | 'addToWorkspace';

export const OPEN_LABEL: Record<OpenWhere, string> = {
  newWindow: 'Open in New Window',
  thisWindow: 'Open in This Window',
  addToWorkspace: 'Add to Workspace',
};

export async function openWorktree(workspace: WorkspaceView, where: OpenWhere): Promise<void> {
  if (workspace.status === 'missing') throw new UserError(`The worktree of "${workspace.branch}" is missing (${workspace.worktreePath}). Recreate it first.`);
  const uri = vscode.Uri.file(workspace.worktreePath);
  if (where === 'addToWorkspace') {
    if (vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath === uri.fsPath) {
      await vscode.commands.executeCommand('revealInExplorer', uri);
      return;
    }
    const at = vscode.workspace.workspaceFolders?.length ?? 0;
    const name = `${path.basename(workspace.repoRoot)} · ${workspace.branch}`;
    if (!vscode.workspace.updateWorkspaceFolders(at, 0, { uri, name })) throw new UserError(`"${workspace.branch}" could not be added to this window's folders; VS Code refused the change.`);
    return;
  }
  await vscode.commands.executeCommand('vscode.openFolder', uri, where === 'newWindow' ? { forceNewWindow: true } : { forceReuseWindow: true });
}

/** The palette's "open the worktree somewhere" commands, one per place. */
export function openWorktreeCommand(id: CommandIdValue, where: OpenWhere, title: string) {
  return workspaceCommand<WorkspaceArgs, void>(
    id,
    { title, filter: (w) => w.status === 'ready' || w.status === 'error', none: 'There is no workspace with a worktree to open.' },
    (workspace) => openWorktree(workspace, where),
  );
}
