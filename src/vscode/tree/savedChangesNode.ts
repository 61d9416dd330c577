import * as vscode from 'vscode';
import type { SavedChange } from '../../core';
import { CommandId } from '../commands/ids';
import { formatAge, tildify } from './format';
import { TreeNode, type NodeTarget, type RepositoryNode } from './nodes';

/**
 * SPEC §10: the saved changes of a repository (what D5 kept when a dirty
 * workspace was deleted), under one collapsed row after its workspaces.
 */
export class SavedChangesNode extends TreeNode {
  readonly id: string;
  readonly target: NodeTarget;

  constructor(readonly parent: RepositoryNode, private readonly saved: readonly SavedChange[]) {
    super();
    this.id = `saved:${parent.repoRoot}`;
    this.target = { repoRoot: parent.repoRoot };
  }

  treeItem(): vscode.TreeItem {
    return this.row('Saved Changes', {
      description: `${this.saved.length}`,
      iconPath: new vscode.ThemeIcon('archive'),
      contextValue: 'savedChanges',
      tooltip: `Uncommitted changes kept when a workspace with changes was deleted. Restore one into a new workspace, show its diff, or drop it.`,
    }, vscode.TreeItemCollapsibleState.Collapsed);
  }

  override children(): TreeNode[] {
    return this.saved.map((s) => new SavedChangeNode(this, s));
  }
}

export class SavedChangeNode extends TreeNode {
  readonly id: string;
  readonly target: NodeTarget;

  constructor(readonly parent: SavedChangesNode, readonly saved: SavedChange) {
    super();
    this.id = `saved:${saved.repoRoot}:${saved.ref}`;
    this.target = { repoRoot: saved.repoRoot, ref: saved.ref };
  }

  treeItem(): vscode.TreeItem {
    const s = this.saved;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`Changes of "${s.label}", saved ${new Date(s.savedAt).toLocaleString()} when its workspace was deleted.\n\n`);
    tooltip.appendText(`${s.ref}\non ${s.base.slice(0, 12)}${s.patchFile ? `\npatch: ${tildify(s.patchFile)}` : ''}`);
    return this.row(s.label, {
      description: `saved ${formatAge(s.savedAt)} ago`,
      iconPath: new vscode.ThemeIcon('git-stash'),
      contextValue: 'savedChange',
      tooltip,
      command: { command: CommandId.showSavedChanges, title: 'Show Diff', arguments: [this] },
    });
  }
}

/** The rows a repository shows for its saved changes: none, or the one group. */
export function savedChangesRows(saved: readonly SavedChange[]): (parent: RepositoryNode) => TreeNode[] {
  return (parent) => (saved.length ? [new SavedChangesNode(parent, saved)] : []);
}

