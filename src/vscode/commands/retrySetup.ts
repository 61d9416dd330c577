import * as vscode from 'vscode';
import type { OperationOptions, WorkspaceView } from '../../core';
import { toApiWorkspace, type ApiWorkspace } from '../api';
import { withProgress, workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

export const retrySetup = workspaceCommand<WorkspaceArgs, ApiWorkspace>(
  CommandId.retrySetup,
  { title: 'Retry Setup', filter: (w) => w.status === 'error', none: 'No workspace has a failed setup.' },
  async (workspace, _invocation, s) =>
    toApiWorkspace(await runSetup(`Setting up workspace "${workspace.branch}" again`, (options) => s.lifecycle.retrySetup(workspace.id, options))),
);

/** C3's retry and R4's recreate: a cancellable notification, and workspace trust for the setup command. */
export function runSetup(title: string, work: (options: OperationOptions) => Promise<WorkspaceView>): Promise<WorkspaceView> {
  return withProgress(title, true, (report, signal) => work({ signal, trusted: vscode.workspace.isTrusted, onProgress: report }));
}
