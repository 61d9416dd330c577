import * as vscode from 'vscode';
import { toApiWorkspace, type ApiWorkspace } from '../api';
import { withSetup } from '../repoSetup';
import { withProgress, type Command } from './command';
import { revealWorkspace } from './createWorkspace';
import { CommandId } from './ids';
import { openWorkspaceTerminal } from './openTerminal';
import { chooseSavedChange, type SavedChangeArgs } from './savedChangeArgs';

/** SPEC §6/§10: a new workspace on the saved base with the changes applied; returns it. */
export const restoreSavedChanges: Command<SavedChangeArgs, ApiWorkspace | undefined> = {
  id: CommandId.restoreSavedChanges,
  async run(invocation, s, deps) {
    const saved = await chooseSavedChange(invocation, s, deps, CommandId.restoreSavedChanges, 'Restore Saved Changes');
    if (!saved) return undefined;
    const seams = { terminals: s.setupTerminals, prompter: deps.prompter(), trusted: deps.trusted() };
    // §9: a restore is a create; the repository's commands are asked for and shown as for any other.
    const workspace = await withProgress(`Restoring the saved changes of "${saved.label}"`, true, (report, signal) =>
      withSetup(saved.label, seams, report, signal, (options) => s.lifecycle.restoreSavedChanges(saved.ref, [saved.repoRoot], options)));
    s.tree.refresh();
    if (invocation.interactive) {
      await openWorkspaceTerminal(workspace, undefined, s);
      await revealWorkspace(workspace, s);
      void vscode.window.showInformationMessage(`Restored the saved changes of "${saved.label}" into the workspace "${workspace.branch}", as uncommitted changes.`);
    }
    return toApiWorkspace(workspace);
  },
};
