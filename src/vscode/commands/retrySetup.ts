import type { OperationOptions, WorkspaceView } from '../../core';
import { toApiWorkspace, type ApiWorkspace } from '../api';
import { withProgress, workspaceCommand, type CommandDeps, type Invocation, type ReadyServices, type WorkspaceArgs } from './command';
import { withSetup } from '../repoSetup';
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
  s: ReadyServices,
  deps: CommandDeps,
  work: (options: OperationOptions) => Promise<WorkspaceView>,
): Promise<ApiWorkspace | undefined> {
  try {
    const seams = { terminals: s.setupTerminals, prompter: deps.prompter(), trusted: deps.trusted() };
    return toApiWorkspace(await withProgress(title, true, (report, signal) => withSetup(workspace.branch, seams, report, signal, work)));
  } catch (e) {
    if (!invocation.interactive) throw e;
    void reportSetupFailure(`Setting up "${workspace.branch}" failed`, workspace, e, s, deps);
    return undefined;
  }
}
