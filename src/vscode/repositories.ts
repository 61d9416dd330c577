import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Logger, RepositoryQueries, WorkspaceView } from '../core';

/**
 * The git repositories of the window's folders (what "Create Workspace" offers),
 * and which managed workspace, if any, the window itself is opened on.
 */
export class OpenRepositories implements vscode.Disposable {
  private roots: string[] = [];
  private scanning?: Promise<readonly string[]>;
  private readonly changed = new vscode.EventEmitter<readonly string[]>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly repository: RepositoryQueries, private readonly logger: Logger) {
    this.subscription = vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scan());
  }

  /** The repository roots found by the last scan. */
  get list(): readonly string[] {
    return this.roots;
  }

  /** Finds the main worktree of each open folder's repository. */
  scan(): Promise<readonly string[]> {
    const run = (async () => {
      const found = new Set<string>();
      for (const folder of windowFolders()) {
        try {
          found.add(await this.repository.root(folder));
        } catch (e) {
          this.logger.trace(`${folder} is not in a git repository: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const roots = [...found].sort((a, b) => path.basename(a).localeCompare(path.basename(b)));
      if (roots.join('\0') !== this.roots.join('\0')) {
        this.roots = roots;
        this.changed.fire(roots);
      }
      return roots;
    })();
    this.scanning = run;
    return run;
  }

  /** The repositories, once the first scan is done. */
  async current(): Promise<readonly string[]> {
    return (await this.scanning) ?? this.scan();
  }

  /** The workspace whose worktree this window has open, if any. */
  windowWorkspace(list: readonly WorkspaceView[]): WorkspaceView | undefined {
    const folders = windowFolders().map(canonical);
    if (!folders.length) return undefined;
    return list.find((w) => {
      const root = canonical(w.worktreePath);
      return folders.some((f) => f === root || f.startsWith(root + path.sep));
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function windowFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

function canonical(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
