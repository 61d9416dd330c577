import * as vscode from 'vscode';
import type { OperationOptions, WorkspaceView } from '../../core';
import { toApiWorkspace, type ApiWorkspace } from '../api';
import { withProgress, workspaceCommand, type CommandDeps, type Invocation, type Services, type WorkspaceArgs } from './command';
import { approveRepositorySetup, SetupOutput } from '../repoSetup';
import { reportSetupFailure } from './failures';
import { CommandId } from './ids';

export const retrySetup = workspaceCommand<WorkspaceArgs, ApiWorkspace | undefined>(
  CommandId.retrySetup,
  { title: 'Retry Setup', filter: (w) => w.status === 'error', none: 'No workspace has a failed setup.' },
  (workspace, invocation, s, deps) =>
    runSetup(`Setting up workspace "${workspace.branch}" again`, workspace, invocation, s, deps, (options) => s.lifecycle.retrySetup(workspace.id, options)),
);

/**
 * C3's retry and R4's recreate: a cancellable notification, and workspace
 * trust for the setup command. From the palette or the tree a failure is one
 * short message with the remedies as buttons.
 */
export async function runSetup(
  title: string,
  workspace: WorkspaceView,
  invocation: Invocation<unknown>,
  s: Services,
  deps: CommandDeps,
  work: (options: OperationOptions) => Promise<WorkspaceView>,
): Promise<ApiWorkspace | undefined> {
  try {
    const output = new SetupOutput(workspace.branch);
    return toApiWorkspace(await withProgress(title, true, (report, signal) =>
      work({ signal, trusted: vscode.workspace.isTrusted, onProgress: report, approve: approveRepositorySetup, onOutput: output.write })));
  } catch (e) {
    if (!invocation.interactive) throw e;
    void reportSetupFailure(`Setting up "${workspace.branch}" failed`, workspace, e, s, deps);
    return undefined;
  }
}
