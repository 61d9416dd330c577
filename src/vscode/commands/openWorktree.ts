import fs from 'node:fs';
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
    await addWorktreeFolder(workspace);
    return;
  }
  await vscode.commands.executeCommand('vscode.openFolder', uri, where === 'newWindow' ? { forceNewWindow: true } : { forceReuseWindow: true });
}

/**
 * The worktree becomes one more folder of this window. `added` is false when
 * it already is one; VS Code applies the change later and may refuse it then
 * (saying so only in its own log), so success is claimed only once seen.
 */
export async function addWorktreeFolder(workspace: WorkspaceView): Promise<{ added: boolean }> {
  if (workspace.status === 'missing' || !fs.existsSync(workspace.worktreePath)) throw new UserError(`The worktree of "${workspace.branch}" is missing (${workspace.worktreePath}). Recreate it first.`);
  const isIt = (f: vscode.WorkspaceFolder) => f.uri.scheme === 'file' && samePath(f.uri.fsPath, workspace.worktreePath);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.some(isIt)) return { added: false };
  let sub: vscode.Disposable | undefined;
  const seen = new Promise<void>((resolve) => {
    sub = vscode.workspace.onDidChangeWorkspaceFolders((e) => e.added.some(isIt) && resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const uri = vscode.Uri.file(workspace.worktreePath);
    if (!vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name: `${workspace.branch} · ${path.basename(workspace.repoRoot)}` })) {
      throw new UserError(`VS Code did not accept ${workspace.worktreePath} as a workspace folder.`);
    }
    await Promise.race([seen, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))]);
  } finally {
    clearTimeout(timer);
    sub?.dispose();
  }
  if (!(vscode.workspace.workspaceFolders ?? []).some(isIt)) {
    throw new UserError(`VS Code did not add ${workspace.worktreePath} to this workspace${vscode.workspace.workspaceFile ? '' : ' (a window opened on one folder becomes a multi-root workspace first; VS Code may have refused that)'}.`);
  }
  return { added: true };
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** The palette's "open the worktree somewhere" commands, one per place. */
export function openWorktreeCommand(id: CommandIdValue, where: OpenWhere, title: string) {
  return workspaceCommand<WorkspaceArgs, void>(
    id,
    { title, filter: (w) => w.status === 'ready' || w.status === 'error', none: 'There is no workspace with a worktree to open.' },
    (workspace) => openWorktree(workspace, where),
  );
}
