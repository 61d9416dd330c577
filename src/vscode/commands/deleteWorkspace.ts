import * as vscode from 'vscode';
import { UserError, type BranchChoice, type DeleteResult, type WorkspaceView } from '../../core';
import { sessionLabels } from '../sessionLabels';
import { describeSessions, isWorkingAgent, plural, tildify } from '../tree/format';
import { optional, withProgress, workspaceCommand, type CommandDeps, type Services, type WorkspaceArgs } from './command';
import { reportDeleteFailure } from './failures';
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
      // D1: without force a dirty worktree is refused and its files listed; no question for a caller.
      const force = optional(invocation, 'force', CommandId.deleteWorkspace, 'boolean') ?? false;
      const unlock = optional(invocation, 'unlock', CommandId.deleteWorkspace, 'boolean') ?? false;
      return outcome(await runDelete(workspace, s, { force, unlock }));
    }
    for (;;) {
      const choice = await confirmDelete(workspace, s, deps);
      if (!choice) return undefined;
      let result: DeleteResult;
      try {
        result = await runDelete(workspace, s, choice);
      } catch (e) {
        void reportDeleteFailure(workspace, e, deps);
        return undefined;
      }
      // Something wrote to the worktree between the question and the delete: ask again.
      if (!result.deleted) continue;
      void announce(workspace, result, choice.windowOnIt, deps);
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
      force: options.force,
      unlock: options.unlock,
      branch: options.branch,
      trusted: vscode.workspace.isTrusted,
      onProgress: (message) => {
        // Once the delete is past its preflight, the terminals go first: their sessions are about to be stopped.
        s.terminals.close([workspace.baseSession.name, ...workspace.sessions.map((x) => x.name)]);
        report(message);
      },
    });
    return result;
  });
}

interface DeleteChoice {
  force: boolean;
  unlock: boolean;
  branch?: BranchChoice;
  /** This window has the worktree open. */
  windowOnIt: boolean;
}

/**
 * The question before a delete. SPEC §5: a modal only where work could be
 * lost — uncommitted changes (D1), an agent in the middle of its work, or
 * this window's own folder; a clean delete confirms in the quick pick. With
 * deleteBranch "ask", the answer also says what becomes of the branch.
 */
async function confirmDelete(workspace: WorkspaceView, s: Services, deps: CommandDeps): Promise<DeleteChoice | undefined> {
  const preflight = await s.lifecycle.deletePreflight(workspace.id);
  // D5: what cannot be saved is not offered as a choice.
  if (preflight.blockers.length) throw new UserError(`"${workspace.branch}" cannot be deleted now. ${preflight.blockers.join(' ')}`);
  const { dirtyFiles, changedCopies, detachedCommits, locked } = preflight;
  const dirty = dirtyFiles.length > 0;
  // D5: work a delete would lose unless it is saved first.
  const atRisk = dirty || changedCopies.length > 0 || detachedCommits.length > 0;
  const askBranch = deps.settings.snapshot.deleteBranch === 'ask' && workspace.createdBranch;
  const labels = sessionLabels(workspace, s.lifecycle.targets().targets);
  const working = workspace.sessions.filter(isWorkingAgent).map((x) => labels.get(x.name) ?? x.label);
  const windowOnIt = s.repositories.windowWorkspace(s.lifecycle.list())?.id === workspace.id;

  const live = workspace.sessions.filter((x) => x.state !== 'exited');
  const stops = [live.length ? `its ${describeSessions(live.map((x) => x.state))}` : '', 'the base terminal'].filter(Boolean).join(' and ');
  const what = workspace.status === 'missing'
    ? `Stops ${stops}; the worktree folder is already gone.`
    : `Removes the worktree ${tildify(workspace.worktreePath)} and stops ${stops}.`;
  const branchLine = askBranch ? undefined : branchPolicyLine(workspace, deps.settings.snapshot.deleteBranch);

  const verb = `${locked ? 'Unlock, ' : ''}${atRisk ? 'Save Changes and Delete' : 'Delete'}`;
  const actions = askBranch ? [`${verb}, Delete Branch`, `${verb}, Keep Branch`] : [verb];
  const choice = (answer: string | undefined): DeleteChoice | undefined => {
    if (!answer) return undefined;
    return { force: atRisk, unlock: locked !== undefined, branch: askBranch ? (answer === actions[0] ? 'delete' : 'never') : undefined, windowOnIt };
  };

  if (!atRisk && !locked && !working.length && !windowOnIt) {
    const answer = await deps.prompter().pick({
      purpose: 'confirm',
      title: `Delete the workspace "${workspace.branch}"?`,
      placeholder: 'Enter deletes it; Escape keeps it',
      items: actions.map((a, i) => {
        const branch = branchLine ?? (i === 0 ? `The branch "${workspace.branch}" is deleted too, merged or not.` : `The branch "${workspace.branch}" is kept.`);
        return { label: a, icon: 'trash', detail: `${what} ${branch}`, value: a };
      }),
    });
    return choice(answer);
  }

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
  if (atRisk) lines.push('', 'They will be saved as a git ref and a patch file before the worktree is removed.', '');
  if (locked) lines.push(`The worktree is locked (git worktree lock${locked.reason ? `: "${locked.reason}"` : ''}); deleting unlocks it.`, '');
  if (working.length) lines.push(`${working.join(', ')} ${working.length === 1 ? 'is' : 'are'} in the middle of ${working.length === 1 ? 'its' : 'their'} work and will be stopped.`);
  if (windowOnIt) lines.push('This window has the worktree open: its folder disappears from under the open editors.');
  lines.push(what);
  if (branchLine) lines.push(branchLine);
  const message = atRisk
    ? `"${workspace.branch}" has ${dirty ? 'uncommitted changes' : 'work only this worktree holds'}. Delete the workspace anyway?`
    : locked ? `"${workspace.branch}" is locked. Unlock and delete the workspace?`
      : working.length ? `${working.join(', ')} ${working.length === 1 ? 'is' : 'are'} working in "${workspace.branch}". Delete the workspace anyway?`
        : `Delete the workspace "${workspace.branch}", which this window has open?`;
  return choice(await deps.prompter().confirm({ message, detail: lines.join('\n'), actions }));
}

function branchPolicyLine(workspace: WorkspaceView, policy: string): string {
  if (!workspace.createdBranch) return `The branch "${workspace.branch}" is kept: Worktree Sessions did not create it.`;
  if (policy === 'never') return `The branch "${workspace.branch}" is kept (worktreeSessions.deleteBranch is "never").`;
  return `The branch "${workspace.branch}" is deleted only if it is fully merged into ${workspace.baseRef}.`;
}

const SHOW_SAVED = 'Show Saved Changes';
const COPY_RESTORE = 'Copy Restore Command';
const OPEN_REPOSITORY = 'Open Repository';

/**
 * The result in one line (D5, D6): what became of the branch and the
 * changes, with buttons for the saved changes; no private storage path.
 */
async function announce(workspace: WorkspaceView, result: DeleteResult, windowOnIt: boolean, deps: CommandDeps): Promise<void> {
  const parts = [`Deleted ${workspace.branch}`];
  if (result.deletedBranch) parts.push('branch deleted');
  if (result.keptBranch) parts.push('branch kept');
  if (result.goneBranch) parts.push('branch was already gone');
  if (result.teardownError) parts.push(`teardown failed (${result.teardownError}; see the log)`);
  const saved = result.savedChanges;
  if (saved) parts.push('changes saved');
  const actions = [...(saved ? [SHOW_SAVED, COPY_RESTORE] : []), ...(windowOnIt ? [OPEN_REPOSITORY] : [])];
  const choice = await deps.prompter().notify({ severity: 'info', message: parts.join(' · '), actions });
  if (choice === SHOW_SAVED && saved) await vscode.window.showTextDocument(vscode.Uri.file(saved.patchFile), { preview: true });
  if (choice === COPY_RESTORE && saved) {
    const line = `git checkout ${saved.ref} -- .`;
    await vscode.env.clipboard.writeText(line);
    vscode.window.setStatusBarMessage(`$(copy) Copied: ${line}`, 4000);
  }
  if (choice === OPEN_REPOSITORY) await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(workspace.repoRoot), { forceReuseWindow: true });
}
