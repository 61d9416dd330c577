import type { ApiWorkspace } from '../api';
import { workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';
import { runSetup } from './retrySetup';

/** R4: a worktree removed outside the extension is made again, on the same branch. */
export const recreateWorkspace = workspaceCommand<WorkspaceArgs, ApiWorkspace | undefined>(
  CommandId.recreateWorkspace,
  { title: 'Recreate Worktree', filter: (w) => w.status === 'missing', none: 'No workspace is missing its worktree.' },
  (workspace, invocation, s, deps) =>
    runSetup(`Recreating the worktree of "${workspace.branch}"`, workspace, invocation, s, deps, (options) => s.lifecycle.retrySetup(workspace.id, options)),
);
