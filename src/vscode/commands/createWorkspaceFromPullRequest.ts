import { parsePullRequest, UserError } from '../../core';
import { toApiWorkspace, type ApiWorkspace } from '../api';
import { required, type Command } from './command';
import { pickRepository, revealWorkspace } from './createWorkspace';
import { CommandId } from './ids';
import { openWorkspaceTerminal } from './openTerminal';
import { openPullRequest } from './pullRequestWorkspace';

export interface FromPullRequestArgs {
  repoRoot: string;
  /** A number, `#123`, or a pull-request URL. */
  pr: number | string;
}

export const createWorkspaceFromPullRequest: Command<FromPullRequestArgs, ApiWorkspace | undefined> = {
  id: CommandId.createWorkspaceFromPullRequest,
  async run(invocation, s, deps) {
    const id = CommandId.createWorkspaceFromPullRequest;
    const repoRoot = invocation.interactive ? invocation.args.repoRoot ?? (await pickRepository(s, deps)) : required(invocation, 'repoRoot', id);
    if (!repoRoot) return undefined;
    let pr: unknown = invocation.args.pr;
    if (pr === undefined && invocation.interactive) {
      pr = await deps.prompter().input({
        title: 'Create Workspace from Pull Request',
        prompt: 'The pull request: its number, or its URL',
        placeholder: '#123 or https://github.com/owner/repo/pull/123',
        validate: (v) => (parsePullRequest(v) ? undefined : 'Type a number (123 or #123) or a pull-request URL.'),
      });
      if (pr === undefined) return undefined;
    }
    if (pr === undefined || pr === null || pr === '') throw new UserError(`${id} needs "pr" in its argument object.`);
    if (typeof pr !== 'number' && typeof pr !== 'string') throw new UserError(`${id}: "pr" must be a number or a string, not ${typeof pr}.`);
    const workspace = await openPullRequest(repoRoot, pr, s);
    if (invocation.interactive) {
      await openWorkspaceTerminal(workspace, undefined, s);
      await revealWorkspace(workspace, s);
    }
    return toApiWorkspace(workspace);
  },
};
