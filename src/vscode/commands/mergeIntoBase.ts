import * as vscode from 'vscode';
import { sessionLabels } from '../sessionLabels';
import { MERGE_MODES, UserError, type MergeMode, type MergeResult, type WorkspaceView } from '../../core';
import { terminalTarget } from '../terminals';
import { isReady, required, withProgress, workspaceCommand, type CommandDeps, type Services, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

export interface MergeArgs extends WorkspaceArgs {
  mode: MergeMode;
}

/** SPEC §6: `{ merged, conflicts? }`. */
export interface MergeOutcome {
  merged: boolean;
  conflicts?: string[];
}

const MODE_ITEMS: Record<MergeMode, { label: string; icon: string; detail: (branch: string, base: string) => string }> = {
  merge: { label: 'Merge', icon: 'git-merge', detail: (b, base) => `A merge commit on ${base} that keeps every commit of ${b}` },
  squash: { label: 'Squash', icon: 'fold', detail: (b, base) => `One commit on ${base} with all of ${b}, its message made from ${b}'s commits` },
  rebase: { label: 'Rebase', icon: 'git-commit', detail: (b, base) => `${b} replayed onto ${base}, then ${base} fast-forwarded to it: a straight history` },
};

export const mergeIntoBase = workspaceCommand<MergeArgs, MergeOutcome | undefined>(
  CommandId.mergeIntoBase,
  { title: 'Merge into Base', filter: isReady, none: 'There is no ready workspace to merge.' },
  async (workspace, invocation, s, deps) => {
    const mode = invocation.interactive && invocation.args.mode === undefined ? await pickMode(workspace, deps) : modeOf(required(invocation, 'mode', CommandId.mergeIntoBase));
    if (!mode) return undefined;
    const result = await withProgress(`Merging "${workspace.branch}" into ${workspace.baseRef}`, true, (report, signal) =>
      s.lifecycle.mergeIntoBase(workspace.id, mode, { signal, onProgress: report }));
    s.tree.statsMayHaveChanged();
    if (invocation.interactive) void announce(workspace, result, s, deps);
    return result.conflicts ? { merged: false, conflicts: result.conflicts } : { merged: result.merged };
  },
);

function modeOf(value: unknown): MergeMode {
  if (!MERGE_MODES.includes(value as MergeMode)) throw new UserError(`${CommandId.mergeIntoBase}: "mode" must be one of ${MERGE_MODES.join(', ')}, not ${JSON.stringify(value)}.`);
  return value as MergeMode;
}

function pickMode(workspace: WorkspaceView, deps: CommandDeps): Promise<MergeMode | undefined> {
  return deps.prompter().pick({
    purpose: 'action',
    title: `Merge "${workspace.branch}" into ${workspace.baseRef}`,
    placeholder: 'How should the branch go into its base?',
    items: MERGE_MODES.map((m) => ({ label: MODE_ITEMS[m].label, icon: MODE_ITEMS[m].icon, detail: MODE_ITEMS[m].detail(workspace.branch, workspace.baseRef), value: m })),
  });
}

async function announce(workspace: WorkspaceView, result: MergeResult, s: Services, deps: CommandDeps): Promise<void> {
  if (result.conflicts) {
    const shown = result.conflicts.length > 8 ? `${result.conflicts.slice(0, 8).join(', ')} and ${result.conflicts.length - 8} more` : result.conflicts.join(', ');
    const send = 'Send to Agent';
    const choice = await vscode.window.showWarningMessage(
      `${MODE_ITEMS[result.mode].label} of "${workspace.branch}" into ${result.base} would conflict in ${shown}. Nothing was changed.`,
      send,
    );
    if (choice === send) await sendToAgent(workspace, result, s, deps);
    return;
  }
  const deleteIt = 'Delete Workspace';
  const message = result.alreadyMerged
    ? `${result.base} already has everything of "${workspace.branch}"; nothing was merged.`
    : `Merged "${workspace.branch}" into ${result.base} (${result.mode}).`;
  if ((await vscode.window.showInformationMessage(message, deleteIt)) === deleteIt) await deleteAfterMerge(workspace, result, s);
}

/** Types the conflicting files into the workspace's agent, for it to resolve; Enter is left to the user. */
async function sendToAgent(workspace: WorkspaceView, result: MergeResult, s: Services, deps: CommandDeps): Promise<void> {
  const current = s.lifecycle.workspace(workspace.id) ?? workspace;
  const agents = current.sessions.filter((x) => x.target !== 'shell' && x.state !== 'exited');
  if (!agents.length) {
    void vscode.window.showInformationMessage(`No agent runs in "${workspace.branch}"; launch one, then merge again to send it the conflicts.`);
    return;
  }
  const name = agents.length === 1 ? agents[0].name : await deps.prompter().pick({
    purpose: 'session',
    title: 'Send the conflicts to',
    placeholder: 'Choose the agent',
    items: agents.map((a) => ({ label: a.label, icon: 'hubot', value: a.name })),
  });
  const target = name && terminalTarget(current, name, sessionLabels(current, s.lifecycle.targets().targets));
  if (!target) return;
  const how = result.mode === 'rebase' ? `rebase this branch onto ${result.base}` : `merge ${result.base} into this branch`;
  s.terminals.open(target).sendText(`Merging into ${result.base} conflicts in: ${result.conflicts!.join(', ')}. Please ${how} and resolve these conflicts.`, false);
}

/**
 * The delete a merge offers goes through the same safe delete, where D6
 * deletes the merged branch. A squash leaves the branch unmerged by ancestry;
 * choosing the delete right after it is the user's choice to delete the
 * branch too, while it still ends where it was squashed.
 */
async function deleteAfterMerge(workspace: WorkspaceView, result: MergeResult, s: Services): Promise<void> {
  const tip = await s.lifecycle.repository.commitOf(workspace.repoRoot, `refs/heads/${workspace.branch}`);
  const branch = result.mode === 'squash' && tip && tip === result.branchTip ? 'delete' as const : undefined;
  const outcome = await withProgress(`Deleting workspace "${workspace.branch}"`, false, (report) =>
    s.lifecycle.deleteWorkspace(workspace.id, {
      branch,
      onProgress: (message) => {
        s.terminals.close([workspace.baseSession.name, ...workspace.sessions.map((x) => x.name)]);
        report(message);
      },
    }));
  if (!outcome.deleted) {
    void vscode.window.showWarningMessage(`"${workspace.branch}" has uncommitted changes again (${(outcome.dirtyFiles ?? []).slice(0, 5).join(', ')}); it was not deleted.`);
    return;
  }
  const parts = [`Deleted the workspace "${workspace.branch}".`];
  if (outcome.deletedBranch) parts.push(`The branch was deleted.`);
  if (outcome.keptBranch) parts.push(`The branch "${outcome.keptBranch}" was kept.`);
  void vscode.window.showInformationMessage(parts.join(' '));
}
