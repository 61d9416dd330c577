import path from 'node:path';
import * as vscode from 'vscode';
import type { ChangedFile, LifecycleService } from '../core';

/** Read-only documents of a file at a commit: the left side of reviews and saved-changes diffs. */
export const GIT_CONTENT_SCHEME = 'worktree-sessions-git';

interface GitContentQuery {
  repo: string;
  commit: string;
  file: string;
}

/**
 * The document of `file` (relative to the repository) at `commit`. Its path is
 * the file's path in `shownUnder`, so the diff editor pairs it with the file
 * on disk and shows its name; what to read travels in the query.
 */
export function gitContentUri(repo: string, commit: string, file: string, shownUnder: string): vscode.Uri {
  const query: GitContentQuery = { repo, commit, file };
  return vscode.Uri.from({ scheme: GIT_CONTENT_SCHEME, path: vscode.Uri.file(path.join(shownUnder, file)).path, query: JSON.stringify(query) });
}

export class GitContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly lifecycle: Promise<LifecycleService>, private readonly openRepositories: () => readonly string[]) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    let query: GitContentQuery;
    try {
      query = JSON.parse(uri.query) as GitContentQuery;
    } catch {
      return '';
    }
    if (typeof query.repo !== 'string' || typeof query.commit !== 'string' || typeof query.file !== 'string') return '';
    const lifecycle = await this.lifecycle;
    // Anyone can open a URI of this scheme: git runs only in a repository the extension already works with.
    if (![...this.openRepositories(), ...lifecycle.knownRepositories()].includes(query.repo)) return '';
    // core refuses a commit that is not an id and a path that leaves the repository.
    return lifecycle.fileAtCommit(query.repo, query.commit, query.file);
  }
}

/** One row of the multi-file diff editor: [what it is, the old side, the new side]; a side is absent for an added or deleted file. */
export type ChangeResource = [vscode.Uri, vscode.Uri | undefined, vscode.Uri | undefined];

/** A change in a worktree against a commit: the new side is the file on disk. */
export function worktreeChange(repo: string, worktree: string, commit: string, f: ChangedFile): ChangeResource {
  return changeRow(f.kind, gitContentUri(repo, commit, f.originalPath ?? f.path, worktree), vscode.Uri.file(path.join(worktree, f.path)));
}

/** A change between two commits (saved changes): both sides are read from git. */
export function commitChange(repo: string, from: string, to: string, f: ChangedFile): ChangeResource {
  const before = gitContentUri(repo, from, f.originalPath ?? f.path, repo);
  // A file deleted by `to` is named by its old side: nothing of it can be read at `to`.
  return changeRow(f.kind, before, gitContentUri(repo, to, f.path, repo), before);
}

/** The row of a change of `kind`: an added file has no old side, a deleted one no new side. */
function changeRow(kind: ChangedFile['kind'], before: vscode.Uri, after: vscode.Uri, deletedRow = after): ChangeResource {
  switch (kind) {
    case 'added':
    case 'untracked':
      return [after, undefined, after];
    case 'deleted':
      return [deletedRow, before, undefined];
    default:
      return [after, before, after];
  }
}

/** Opens VS Code's multi-file diff editor. */
export async function openChanges(title: string, resources: readonly ChangeResource[]): Promise<void> {
  await vscode.commands.executeCommand('vscode.changes', title, resources);
}
