import * as vscode from 'vscode';
import { commitChange, openChanges } from '../gitContent';
import type { Command } from './command';
import { CommandId } from './ids';
import { chooseSavedChange, type SavedChangeArgs } from './savedChangeArgs';

/** "Show Diff" of saved changes: the multi-file diff editor, against the commit they were made on. Returns `{ files }`. */
export const showSavedChanges: Command<SavedChangeArgs, { files: string[] } | undefined> = {
  id: CommandId.showSavedChanges,
  async run(invocation, s, deps) {
    const saved = await chooseSavedChange(invocation, s, deps, CommandId.showSavedChanges, 'Show Saved Changes');
    if (!saved) return undefined;
    const files = await s.lifecycle.savedChangeFiles(saved);
    if (!files.length) {
      if (invocation.interactive) void vscode.window.showInformationMessage(`The saved changes of "${saved.label}" are empty.`);
      return { files: [] };
    }
    await openChanges(`Saved changes of ${saved.label} (${new Date(saved.savedAt).toLocaleString()})`, files.map((f) => commitChange(saved.repoRoot, saved.base, saved.commit, f)));
    return { files: files.map((f) => f.path) };
  },
};
