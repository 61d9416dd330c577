import { CommandId } from './ids';
import { openWorktreeCommand } from './openWorktree';

export const openInThisWindow = openWorktreeCommand(CommandId.openInThisWindow, 'thisWindow', 'Open Worktree in This Window');
