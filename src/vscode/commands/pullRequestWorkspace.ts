import type { WorkspaceView } from '../../core';
import { parsePullRequest } from '../../core';
import { withSetup } from '../repoSetup';
import { withProgress, type CommandDeps, type ReadyServices } from './command';

/**
 * Fetches the pull request and creates (or reopens) its workspace; the create
 * quick pick uses it too. §9 holds as for any create: the repository's
 * commands are asked for, and their output is shown live.
 */
export function openPullRequest(repoRoot: string, pr: number | string, s: ReadyServices, deps: CommandDeps): Promise<WorkspaceView> {
  const seams = { terminals: s.setupTerminals, prompter: deps.prompter(), trusted: deps.trusted() };
  const branch = `pr/${parsePullRequest(pr)?.number ?? pr}`;
  return withProgress(`Creating a workspace for pull request ${typeof pr === 'number' ? `#${pr}` : pr}`, true, (report, signal) =>
    withSetup(branch, seams, report, signal, (options) => s.lifecycle.createWorkspaceFromPullRequest(repoRoot, pr, options)));
}
