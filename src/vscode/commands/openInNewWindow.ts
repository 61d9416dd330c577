import { CommandId } from './ids';
import { openWorktreeCommand } from './openWorktree';

export const openInNewWindow = openWorktreeCommand(CommandId.openInNewWindow, 'newWindow', 'Open Worktree in New Window');
