// Temporary composition root: replaced by the real surface (issue 4).
import * as vscode from 'vscode';

export interface WorktreeSessionsApi {
  ready: Promise<void>;
  tmuxSocket: string;
  listWorkspaces(): Promise<unknown[]>;
}

export function activate(context: vscode.ExtensionContext): WorktreeSessionsApi {
  const refresh = vscode.commands.registerCommand('worktreeSessions.refresh', () => undefined);
  context.subscriptions.push(refresh);
  return { ready: Promise.resolve(), tmuxSocket: 'worktree-sessions', listWorkspaces: async () => [] };
}

export function deactivate(): void {}
