import { toApiWorkspace, type ApiWorkspace } from '../api';
import { chooseWorkspace, type Command, type WorkspaceArgs } from './command';
import { CommandId } from './ids';
import { runSetup } from './retrySetup';

/** R4: a worktree removed outside the extension is made again, on the same branch. */
export const recreateWorkspace: Command<WorkspaceArgs, ApiWorkspace | undefined> = {
  id: CommandId.recreateWorkspace,
  async run(invocation, s, deps) {
    const workspace = await chooseWorkspace(invocation, s, deps, this.id, {
      title: 'Recreate Worktree',
      filter: (w) => w.status === 'missing',
      none: 'No workspace is missing its worktree.',
    });
    if (!workspace) return undefined;
    return toApiWorkspace(await runSetup(`Recreating the worktree of "${workspace.branch}"`, (options) => s.lifecycle.recreateWorkspace(workspace.id, options)));
  },
};
