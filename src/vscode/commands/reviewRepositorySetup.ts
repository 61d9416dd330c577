import path from 'node:path';
import * as vscode from 'vscode';
import type { Command } from './command';
import { CommandId } from './ids';

const REVOKE = 'Revoke';

/** §9: which repository files may run their commands, and a way to take that back. */
export const reviewRepositorySetup: Command<unknown, void> = {
  id: CommandId.reviewRepositorySetup,
  async run(_invocation, s) {
    const approvals = s.lifecycle.repositoryApprovals();
    if (!approvals.length) {
      void vscode.window.showInformationMessage('No repository setup is approved: no .worktree-sessions.json runs its commands until you approve it at a create.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      approvals.map((a) => ({
        label: path.basename(a.repoRoot),
        description: a.repoRoot,
        detail: `Approved ${new Date(a.approvedAt).toLocaleString()}: ${a.commands.join(' · ')}`,
        approval: a,
      })),
      { title: 'Approved repository setup', placeHolder: 'Choose a repository to see its commands or revoke the approval' },
    );
    if (!picked) return;
    const a = picked.approval;
    const choice = await vscode.window.showInformationMessage(
      `Commands approved for ${path.basename(a.repoRoot)}`,
      { modal: true, detail: `${a.commands.join('\n')}\n\nsha256 ${a.hash}` },
      REVOKE,
    );
    if (choice !== REVOKE) return;
    s.lifecycle.revokeRepositoryApproval(a.repoRoot);
    vscode.window.setStatusBarMessage(`Revoked: ${path.basename(a.repoRoot)}'s setup asks again at the next create`, 4000);
  },
};
