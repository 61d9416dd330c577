import * as vscode from 'vscode';
import type { Command } from './command';
import { CommandId } from './ids';
import { chooseSavedChange, type SavedChangeArgs } from './savedChangeArgs';

/** Drops saved changes: the ref and its patch file. Interactive callers confirm (work is lost); returns `{ dropped }`. */
export const dropSavedChanges: Command<SavedChangeArgs, { dropped: boolean } | undefined> = {
  id: CommandId.dropSavedChanges,
  async run(invocation, s, deps) {
    const saved = await chooseSavedChange(invocation, s, deps, CommandId.dropSavedChanges, 'Drop Saved Changes');
    if (!saved) return undefined;
    if (invocation.interactive) {
      const files = await s.lifecycle.savedChangeFiles(saved);
      const drop = 'Drop';
      const answer = await deps.prompter().confirm({
        message: `Drop the saved changes of "${saved.label}"?`,
        detail: `${files.length} ${files.length === 1 ? 'file' : 'files'}: ${files.slice(0, 10).map((f) => f.path).join(', ')}${files.length > 10 ? ', …' : ''}\n\nSaved ${new Date(saved.savedAt).toLocaleString()} as ${saved.ref}. They cannot be restored afterwards.`,
        actions: [drop],
      });
      if (answer !== drop) return { dropped: false };
    }
    await s.lifecycle.dropSavedChanges(saved.ref, [saved.repoRoot]);
    s.tree.refresh();
    if (invocation.interactive) void vscode.window.showInformationMessage(`Dropped the saved changes of "${saved.label}".`);
    return { dropped: true };
  },
};
