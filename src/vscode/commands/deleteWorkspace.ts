import * as vscode from 'vscode';
import { UserError, type BranchChoice, type DeleteResult, type WorkspaceView } from '../../core';
import { plural, tildify } from '../tree/format';
import { optional, withProgress, workspaceCommand, type CommandDeps, type Services, type WorkspaceArgs } from './command';
import { CommandId } from './ids';

export interface DeleteArgs extends WorkspaceArgs {
  /** Delete even when the worktree has uncommitted changes; they are saved first (D5). */
  force: boolean;
  /** Unlock a worktree locked with `git worktree lock`; without it a locked worktree is refused (D5). */
  unlock: boolean;
}

export interface DeleteOutcome {
  deleted: boolean;
  dirtyFiles?: string[];
  changedCopies?: string[];
  detachedCommits?: string[];
  keptBranch?: string;
  goneBranch?: string;
  savedChanges?: DeleteResult['savedChanges'];
}

const SHOWN_FILES = 12;

export const deleteWorkspace = workspaceCommand<DeleteArgs, DeleteOutcome | undefined>(
  CommandId.deleteWorkspace,
  { title: 'Delete Workspace', filter: (w) => w.status !== 'creating' && w.status !== 'deleting', none: 'There is no workspace to delete.' },
  async (workspace, invocation, s, deps) => {
    if (!invocation.interactive) {
      // D1: without force a dirty worktree is refused and its files listed; no modal for a caller.
      const force = optional(invocation, 'force', CommandId.deleteWorkspace, 'boolean') ?? false;
      const unlock = optional(invocation, 'unlock', CommandId.deleteWorkspace, 'boolean') ?? false;
      return outcome(await runDelete(workspace, s, { force, unlock }));
    }
    for (;;) {
      const choice = await confirmDelete(workspace, s, deps);
      if (!choice) return undefined;
      const result = await runDelete(workspace, s, choice);
      // Something wrote to the worktree between the question and the delete: ask again.
      if (!result.deleted) continue;
      void announce(workspace, result);
      return outcome(result);
    }
  },
);

function outcome(r: DeleteResult): DeleteOutcome {
  return {
    deleted: r.deleted,
    ...(r.dirtyFiles ? { dirtyFiles: r.dirtyFiles } : {}),
    ...(r.changedCopies ? { changedCopies: r.changedCopies } : {}),
    ...(r.detachedCommits ? { detachedCommits: r.detachedCommits } : {}),
    ...(r.keptBranch ? { keptBranch: r.keptBranch } : {}),
    ...(r.goneBranch ? { goneBranch: r.goneBranch } : {}),
    ...(r.savedChanges ? { savedChanges: r.savedChanges } : {}),
  };
}

function runDelete(workspace: WorkspaceView, s: Services, options: { force: boolean; unlock: boolean; branch?: BranchChoice }): Promise<DeleteResult> {
  return withProgress(`Deleting workspace "${workspace.branch}"`, false, async (report) => {
    const result = await s.lifecycle.deleteWorkspace(workspace.id, {
      ...options,
      onProgress: (message) => {
        // Once the delete is past its preflight, the terminals go first: their sessions are about to be stopped.
        s.terminals.close([workspace.baseSession.name, ...workspace.sessions.map((x) => x.name)]);
        report(message);
      },
    });
    return result;
  });
}

/**
 * The modal question: what will be stopped and removed, the changed files of a
 * dirty worktree (D1) and, with deleteBranch "ask", what becomes of the branch.
 */
async function confirmDelete(workspace: WorkspaceView, s: Services, deps: CommandDeps): Promise<{ force: boolean; unlock: boolean; branch?: BranchChoice } | undefined> {
  const preflight = await s.lifecycle.deletePreflight(workspace.id);
  // D5: what cannot be saved is not offered as a choice.
  if (preflight.blockers.length) throw new UserError(`"${workspace.branch}" cannot be deleted now. ${preflight.blockers.join(' ')}`);
  const { dirtyFiles, changedCopies, detachedCommits, locked } = preflight;
  const dirty = dirtyFiles.length > 0;
  const atRisk = dirty || changedCopies.length > 0 || detachedCommits.length > 0;
  const askBranch = deps.settings.snapshot.deleteBranch === 'ask' && workspace.createdBranch;
  const sessions = workspace.sessions.length;

  const lines: string[] = [];
  if (dirty) {
    lines.push(`${dirtyFiles.length} ${plural(dirtyFiles.length, 'file has', 'files have')} uncommitted changes:`);
    lines.push(...dirtyFiles.slice(0, SHOWN_FILES).map((f) => `  ${f}`));
    if (dirtyFiles.length > SHOWN_FILES) lines.push(`  …and ${dirtyFiles.length - SHOWN_FILES} more`);
  }
  if (changedCopies.length) lines.push(`Copied ignored ${plural(changedCopies.length, 'file')} changed since: ${changedCopies.slice(0, SHOWN_FILES).join(', ')}`);
  if (detachedCommits.length) {
    const holder = preflight.branchGone ? `this worktree: the branch "${workspace.branch}" no longer exists` : 'its detached HEAD';
    lines.push(`${detachedCommits.length} ${plural(detachedCommits.length, 'commit is', 'commits are')} held only by ${holder}.`);
  }
  if (atRisk) lines.push('', 'They will be saved as a git ref and a patch file before the worktree is removed.');
  if (locked) lines.push('', `The worktree is locked (git worktree lock${locked.reason ? `: "${locked.reason}"` : ''}); deleting unlocks it.`);
  const stops = [sessions ? `${sessions} running ${plural(sessions, 'session')}` : '', 'the base terminal'].filter(Boolean).join(' and ');
  lines.push(
    ...(atRisk || locked ? [''] : []),
    workspace.status === 'missing' ? `Its ${stops} will be stopped; the worktree folder is already gone.` : `The worktree ${tildify(workspace.worktreePath)} will be removed and ${stops} stopped.`,
  );
  if (!askBranch) lines.push(branchPolicyLine(workspace, deps.settings.snapshot.deleteBranch));

  const verb = `${locked ? 'Unlock, ' : ''}${atRisk ? 'Save Changes and Delete' : 'Delete'}`;
  const actions = askBranch ? [`${verb}, Delete Branch`, `${verb}, Keep Branch`] : [verb];
  const answer = await deps.prompter().confirm({
    message: atRisk ? `"${workspace.branch}" has ${dirty ? 'uncommitted changes' : 'work only this worktree holds'}. Delete the workspace anyway?` : `Delete the workspace "${workspace.branch}"?`,
    detail: lines.join('\n'),
    actions,
  });
  if (!answer) return undefined;
  const branch: BranchChoice | undefined = askBranch ? (answer === actions[0] ? 'delete' : 'never') : undefined;
  return { force: atRisk, unlock: locked !== undefined, branch };
}

function branchPolicyLine(workspace: WorkspaceView, policy: string): string {
  if (!workspace.createdBranch) return `The branch "${workspace.branch}" is kept: Worktree Sessions did not create it.`;
  if (policy === 'never') return `The branch "${workspace.branch}" is kept (worktreeSessions.deleteBranch is "never").`;
  return `The branch "${workspace.branch}" is deleted only if it is fully merged into ${workspace.baseRef}.`;
}

/** The result names a kept branch and where saved changes are (D5, D6). */
async function announce(workspace: WorkspaceView, result: DeleteResult): Promise<void> {
  const parts = [`Deleted the workspace "${workspace.branch}".`];
  if (result.deletedBranch) parts.push(`The branch "${result.deletedBranch}" was deleted.`);
  if (result.keptBranch) parts.push(`The branch "${result.keptBranch}" was kept.`);
  if (result.goneBranch) parts.push(`The branch "${result.goneBranch}" was already gone.`);
  const saved = result.savedChanges;
  if (!saved) {
    void vscode.window.showInformationMessage(parts.join(' '));
    return;
  }
  parts.push(`Its uncommitted changes were saved to ${saved.ref} (restore with "git checkout ${saved.ref} -- .") and to ${saved.patchFile}.`);
  if (saved.staged) parts.push(`Staged versions that differed are in ${saved.staged.ref}.`);
  if (saved.commits) parts.push(`${saved.commits} ${plural(saved.commits, 'commit')} no branch held ${saved.commits === 1 ? 'is' : 'are'} kept as its parent.`);
  const openPatch = 'Open Patch';
  const copy = 'Copy Restore Command';
  const choice = await vscode.window.showInformationMessage(parts.join(' '), openPatch, copy);
  if (choice === openPatch) await vscode.window.showTextDocument(vscode.Uri.file(saved.patchFile));
  if (choice === copy) await vscode.env.clipboard.writeText(`git checkout ${saved.ref} -- .`);
}
