import * as vscode from 'vscode';
import type { WorkspaceView } from '../../core';
import { withProgress, type Services } from './command';

/** Fetches the pull request and creates (or reopens) its workspace; the create quick pick uses it too. */
export function openPullRequest(repoRoot: string, pr: number | string, s: Services): Promise<WorkspaceView> {
  const trusted = vscode.workspace.isTrusted;
  return withProgress(`Creating a workspace for pull request ${typeof pr === 'number' ? `#${pr}` : pr}`, true, (report, signal) =>
    s.lifecycle.createWorkspaceFromPullRequest(repoRoot, pr, { signal, trusted, onProgress: report }));
}
