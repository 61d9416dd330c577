import * as vscode from 'vscode';
import { toApiWorkspace, type ApiWorkspace } from '../api';
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
    const trusted = vscode.workspace.isTrusted;
    const workspace = await withProgress(`Restoring the saved changes of "${saved.label}"`, true, (report, signal) =>
      s.lifecycle.restoreSavedChanges(saved.ref, [saved.repoRoot], { signal, trusted, onProgress: report }));
    s.tree.refresh();
    if (invocation.interactive) {
      await openWorkspaceTerminal(workspace, undefined, s);
      await revealWorkspace(workspace, s);
      void vscode.window.showInformationMessage(`Restored the saved changes of "${saved.label}" into the workspace "${workspace.branch}", as uncommitted changes.`);
    }
    return toApiWorkspace(workspace);
  },
};
