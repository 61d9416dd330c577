import { tildify } from '../tree/format';
import { workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

/** R4: forgets a workspace whose worktree is gone (or whose setup failed); deletes no file. */
export const forgetWorkspace = workspaceCommand<WorkspaceArgs, void>(
  CommandId.forgetWorkspace,
  { title: 'Forget Workspace', filter: (w) => w.status === 'missing' || w.status === 'error', none: 'No workspace is missing its worktree or has a failed setup.' },
  async (workspace, invocation, s, deps) => {
    if (invocation.interactive) {
      // Nothing is lost by forgetting, so it confirms in the quick pick, not a modal (SPEC §5).
      const branchExists = await s.lifecycle.repository.localBranchExists(workspace.repoRoot, workspace.branch).catch(() => false);
      const keeps = [
        workspace.status === 'missing' ? '' : `the folder ${tildify(workspace.worktreePath)}`,
        branchExists ? `the branch "${workspace.branch}"` : '',
      ].filter(Boolean);
      const forget = await deps.prompter().pick({
        purpose: 'confirm',
        title: `Forget the workspace "${workspace.branch}"?`,
        placeholder: 'It leaves the list and its sessions stop; no file is deleted',
        items: [{
          label: 'Forget Workspace',
          icon: 'close',
          detail: `No file is deleted${keeps.length ? `: ${keeps.join(' and ')} ${keeps.length > 1 ? 'stay' : 'stays'}` : ''}.`,
          value: true,
        }],
      });
      if (!forget) return;
    }
    await s.lifecycle.forgetWorkspace(workspace.id);
  },
);
