import path from 'node:path';
import * as vscode from 'vscode';
import type { Command } from './command';
import { CommandId } from './ids';

export const REVOKE = 'Revoke';

/**
 * §9: which repository files may run their commands, and a way to take that
 * back. Returns the repository whose approval was revoked, if one was.
 */
export const reviewRepositorySetup: Command<unknown, { revoked?: string }> = {
  id: CommandId.reviewRepositorySetup,
  async run(_invocation, s, deps) {
    const approvals = s.lifecycle.repositoryApprovals();
    if (!approvals.length) {
      void deps.prompter().notify({ severity: 'info', message: 'No repository setup is approved: no .worktree-sessions.json runs its commands until you approve it at a create.', actions: [] });
      return {};
    }
    const a = await deps.prompter().pick({
      purpose: 'repository',
      title: 'Approved repository setup',
      placeholder: 'Choose a repository to see its commands or revoke the approval',
      items: approvals.map((x) => ({
        label: path.basename(x.repoRoot),
        icon: 'shield',
        description: x.repoRoot,
        detail: `Approved ${new Date(x.approvedAt).toLocaleString()}: ${x.commands.join(' · ')}`,
        value: x,
      })),
    });
    if (!a) return {};
    const choice = await deps.prompter().confirm({
      message: `Commands approved for ${path.basename(a.repoRoot)}`,
      detail: `${a.commands.join('\n')}\n\nsha256 ${a.hash}`,
      actions: [REVOKE],
    });
    if (choice !== REVOKE) return {};
    s.lifecycle.revokeRepositoryApproval(a.repoRoot);
    vscode.window.setStatusBarMessage(`Revoked: ${path.basename(a.repoRoot)}'s setup asks again at the next create`, 4000);
    return { revoked: a.repoRoot };
  },
};
