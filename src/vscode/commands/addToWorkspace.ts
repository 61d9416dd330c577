import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../core';
import { workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

/** §10: the worktree becomes one more folder of this (multi-root) workspace. Returns `{ added }`: false when it already is one. */
export const addToWorkspace = workspaceCommand<WorkspaceArgs, { added: boolean }>(
  CommandId.addToWorkspace,
  { title: 'Add Worktree to Workspace', filter: (w) => w.status === 'ready' || w.status === 'error', none: 'There is no workspace with a worktree to add.' },
  async (workspace) => {
    if (workspace.status === 'missing' || !fs.existsSync(workspace.worktreePath)) throw new UserError(`The worktree of "${workspace.branch}" is missing (${workspace.worktreePath}). Recreate it first.`);
    const uri = vscode.Uri.file(workspace.worktreePath);
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.some((f) => f.uri.scheme === 'file' && samePath(f.uri.fsPath, workspace.worktreePath))) return { added: false };
    const added = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        if (e.added.some((f) => samePath(f.uri.fsPath, workspace.worktreePath))) {
          sub.dispose();
          resolve();
        }
      });
    });
    const accepted = vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name: `${workspace.branch} · ${path.basename(workspace.repoRoot)}` });
    if (!accepted) throw new UserError(`VS Code did not accept ${workspace.worktreePath} as a workspace folder.`);
    // VS Code applies the change later, and may still refuse it then (it says so only in its own log).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([added, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
    if (!(vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.scheme === 'file' && samePath(f.uri.fsPath, workspace.worktreePath))) {
      throw new UserError(`VS Code did not add ${workspace.worktreePath} to this workspace${vscode.workspace.workspaceFile ? '' : ' (a window opened on one folder becomes a multi-root workspace first; VS Code may have refused that)'}.`);
    }
    return { added: true };
  },
);

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
