import { CommandId } from './ids';
import { openWorktreeCommand } from './openWorktree';

/** Adds the worktree to this window's folders (a multi-root workspace). */
export const addToWorkspace = openWorktreeCommand(CommandId.addToWorkspace, 'addToWorkspace', 'Add Worktree to Workspace');
