import { workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';
import { addWorktreeFolder } from './openWorktree';

/** §10: the worktree becomes one more folder of this window. Returns `{ added }`: false when it already is one. */
export const addToWorkspace = workspaceCommand<WorkspaceArgs, { added: boolean }>(
  CommandId.addToWorkspace,
  { title: 'Add Worktree to Workspace', filter: (w) => w.status === 'ready' || w.status === 'error', none: 'There is no workspace with a worktree to add.' },
  (workspace) => addWorktreeFolder(workspace),
);
