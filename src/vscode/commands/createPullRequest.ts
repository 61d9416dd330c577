import * as vscode from 'vscode';
import { isReady, withProgress, workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

/** SPEC §6: `{ url }`: the pull request, or the host's page to create it. */
export interface PullRequestOutcome {
  url: string;
}

export const createPullRequest = workspaceCommand<WorkspaceArgs, PullRequestOutcome>(
  CommandId.createPullRequest,
  { title: 'Create Pull Request', filter: isReady, none: 'There is no ready workspace to push.' },
  async (workspace, invocation, s, deps) => {
    const result = await withProgress(`Creating a pull request for "${workspace.branch}"`, true, (report, signal) =>
      s.lifecycle.createPullRequest(workspace.id, { signal, onProgress: report }));
    const url = vscode.Uri.parse(result.url, true);
    // §10: without the GitHub CLI the compare page is where the pull request is made: it opens.
    // Not awaited: the host may first ask the user whether to open it (code-server does).
    if (result.via === 'compare') void Promise.resolve(vscode.env.openExternal(url)).catch((e: unknown) => deps.log.warn(`Could not open ${result.url}: ${e instanceof Error ? e.message : String(e)}`));
    if (invocation.interactive) {
      if (result.via === 'gh') {
        const open = 'Open';
        const said = result.existing ? `A pull request for "${workspace.branch}" is already open: ${result.url}` : `Pushed "${workspace.branch}" and created ${result.url}`;
        void vscode.window.showInformationMessage(said, open).then((c) => c === open && vscode.env.openExternal(url));
      } else {
        void vscode.window.showInformationMessage(`Pushed "${workspace.branch}" to ${result.remote}; the page to create its pull request is open in your browser.${result.note ? ` (Not with the GitHub CLI: ${result.note}.)` : ''}`);
      }
    }
    return { url: result.url };
  },
);
