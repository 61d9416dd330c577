import { tildify } from '../tree/format';
import { workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

/** R4: forgets a workspace whose worktree is gone (or whose setup failed); deletes no file. */
export const forgetWorkspace = workspaceCommand<WorkspaceArgs, void>(
  CommandId.forgetWorkspace,
  { title: 'Forget Workspace', filter: (w) => w.status === 'missing' || w.status === 'error', none: 'No workspace is missing its worktree or has a failed setup.' },
  async (workspace, invocation, s, deps) => {
    if (invocation.interactive) {
      const forget = 'Forget Workspace';
      const answer = await deps.prompter().confirm({
        message: `Forget the workspace "${workspace.branch}"?`,
        detail: `Its sessions are stopped and it leaves the list. No file is deleted${workspace.status === 'missing' ? '' : ` (the folder ${tildify(workspace.worktreePath)} stays)`} and the branch "${workspace.branch}" is kept.`,
        actions: [forget],
      });
      if (answer !== forget) return;
    }
    await s.lifecycle.forgetWorkspace(workspace.id);
  },
);
