import * as vscode from 'vscode';
import { isReady, workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';
import { openChanges, worktreeChange } from '../gitContent';

/** SPEC §6: `{ files }`, every path changed since the merge-base with the base, committed or not, untracked included. */
export interface ReviewOutcome {
  files: string[];
}

export const reviewChanges = workspaceCommand<WorkspaceArgs, ReviewOutcome>(
  CommandId.reviewChanges,
  { title: 'Review Changes', filter: isReady, none: 'There is no ready workspace to review.' },
  async (workspace, invocation, s) => {
    const review = await s.lifecycle.reviewChanges(workspace.id);
    const files = review.files.map((f) => f.path);
    if (!files.length) {
      if (invocation.interactive) void vscode.window.showInformationMessage(`"${workspace.branch}" has no changes since it left ${review.baseRef}.`);
      return { files };
    }
    await openChanges(
      `${workspace.branch} ↔ ${review.baseRef} (${files.length} ${files.length === 1 ? 'file' : 'files'})`,
      review.files.map((f) => worktreeChange(workspace.repoRoot, workspace.worktreePath, review.mergeBase, f)),
    );
    return { files };
  },
);
