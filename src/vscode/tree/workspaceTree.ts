import * as vscode from 'vscode';
import type { AheadBehind, LifecycleService, ShortStat, WorkspaceView } from '../../core';
import { RepositoryNode, TerminalNode, type TreeNode, type WorkspaceDecorations } from './nodes';
import { savedChangesRows } from './savedChangesNode';

export const VIEW_ID = 'worktreeSessions.workspaces';

const PANE_LINES = 12;
/** A little longer than core keeps a change count. */
const STATS_CACHE_MS = 5_500;
/**
 * How often a repaint may recount every workspace's changes. The tree repaints
 * whenever a session's state changes (every tick while agents work), and a
 * count is a git process per workspace; saves in the editor recount at once.
 */
const STATS_FULL_REFRESH_MS = 30_000;

/**
 * Maps the lifecycle's workspaces to tree rows: repositories → workspaces →
 * terminals. It refreshes on the lifecycle's change event, which also fires
 * when another window changes the shared database.
 */
export class WorkspaceTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stats = new Map<string, ShortStat | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private lifecycle?: LifecycleService;
  private statsRefresh?: NodeJS.Timeout;
  private statsRefreshAll = false;
  private lastFullStats = 0;
  private readonly decorations: WorkspaceDecorations;

  /** Commits ahead of and behind the base, refreshed with the change counts (SPEC §10). */
  private readonly aheadBehind = new Map<string, AheadBehind | undefined>();

  constructor(
    private readonly model: Promise<LifecycleService>,
    private readonly windowWorkspace: (list: readonly WorkspaceView[]) => WorkspaceView | undefined,
    /** The window's repositories: their saved changes show even without a workspace. */
    private readonly openRepositories: () => readonly string[] = () => [],
  ) {
    this.decorations = {
      stats: (id) => this.stats.get(id),
      isWindowWorkspace: (id) => this.windowWorkspaceId === id,
      aheadBehind: (id) => this.aheadBehind.get(id),
    };
    model.then((lifecycle) => {
      this.lifecycle = lifecycle;
      this.subscriptions.push(lifecycle.onDidChange(() => this.refresh()));
      this.refresh();
    }, () => undefined);
  }

  private windowWorkspaceId?: string;

  refresh(): void {
    this.changed.fire(undefined);
  }

  /**
   * Re-reads change counts a little later, e.g. after a file was saved in a
   * worktree; core keeps each count for a few seconds, so asking at once would
   * return the old one.
   */
  statsMayHaveChanged(): void {
    clearTimeout(this.statsRefresh);
    this.statsRefresh = undefined;
    this.scheduleStatsRefresh(STATS_CACHE_MS, true);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.treeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return node.children();
    let lifecycle: LifecycleService;
    try {
      lifecycle = await this.model;
    } catch {
      return [];
    }
    const list = lifecycle.list();
    this.windowWorkspaceId = this.windowWorkspace(list)?.id;
    // New rows get their count at once; the others only every so often.
    this.scheduleStatsRefresh(50, Date.now() - this.lastFullStats > STATS_FULL_REFRESH_MS);
    const byRepo = new Map<string, WorkspaceView[]>();
    for (const w of list) byRepo.set(w.repoRoot, [...(byRepo.get(w.repoRoot) ?? []), w]);
    // §10: saved changes are listed under their repository.
    const saved = await lifecycle.savedChanges(this.openRepositories()).catch(() => []);
    for (const x of saved) if (!byRepo.has(x.repoRoot)) byRepo.set(x.repoRoot, []);
    return [...byRepo.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([root, workspaces]) => new RepositoryNode(root, workspaces, this.decorations, savedChangesRows(saved.filter((x) => x.repoRoot === root))));
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode): Promise<vscode.TreeItem> {
    if (node instanceof TerminalNode && this.lifecycle) {
      const pane = await this.lifecycle.capturePane(node.sessionName, PANE_LINES).catch(() => '');
      item.tooltip = node.tooltip(pane, this.lifecycle.attachCommandLine(node.sessionName));
    }
    return item;
  }

  /** The rows as a plain structure (for tests and diagnostics). */
  async snapshot(): Promise<TreeSnapshot[]> {
    const walk = async (nodes: TreeNode[]): Promise<TreeSnapshot[]> =>
      Promise.all(nodes.map(async (n) => {
        const item = n.treeItem();
        const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
        const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined;
        return { id: n.id, label, description: typeof item.description === 'string' ? item.description : undefined, icon, contextValue: item.contextValue, children: await walk(await this.getChildren(n)) };
      }));
    return walk(await this.getChildren());
  }

  /**
   * Changed-line counts are computed only for rows being shown, in the
   * background; a change repaints the tree once (core caches them briefly).
   */
  private scheduleStatsRefresh(delayMs: number, all: boolean): void {
    this.statsRefreshAll ||= all;
    if (this.statsRefresh) return;
    this.statsRefresh = setTimeout(async () => {
      this.statsRefresh = undefined;
      const refreshAll = this.statsRefreshAll;
      this.statsRefreshAll = false;
      const lifecycle = this.lifecycle;
      if (!lifecycle) return;
      const ready = lifecycle.list().filter((w) => w.status === 'ready');
      for (const id of [...this.stats.keys()]) if (!ready.some((w) => w.id === id)) this.stats.delete(id);
      for (const id of [...this.aheadBehind.keys()]) if (!ready.some((w) => w.id === id)) this.aheadBehind.delete(id);
      if (refreshAll) this.lastFullStats = Date.now();
      const due = refreshAll ? ready : ready.filter((w) => !this.stats.has(w.id));
      let changed = false;
      await Promise.all(due.map(async (w) => {
        const [next, counts] = await Promise.all([lifecycle.changeStats(w.id), lifecycle.aheadBehind(w.id)]);
        const same = this.stats.has(w.id) && JSON.stringify(next) === JSON.stringify(this.stats.get(w.id)) && JSON.stringify(counts) === JSON.stringify(this.aheadBehind.get(w.id));
        this.stats.set(w.id, next);
        this.aheadBehind.set(w.id, counts);
        if (!same) changed = true;
      }));
      if (changed) this.refresh();
    }, delayMs);
  }

  dispose(): void {
    clearTimeout(this.statsRefresh);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

export interface TreeSnapshot {
  id: string;
  label: string;
  description?: string;
  icon?: string;
  contextValue?: string;
  children: TreeSnapshot[];
}
