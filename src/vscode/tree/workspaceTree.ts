import * as vscode from 'vscode';
import { DisposableStore, type AheadBehind, type LifecycleService, type ShortStat, type WorkspaceView } from '../../core';
import { sessionLabels } from '../sessionLabels';
import { formatAge, nextAgeChange } from './format';
import { RepositoryNode, RuntimeSessionNode, TerminalNode, WorkspaceNode, type TreeNode, type WorkspaceDecorations } from './nodes';
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
/** How long after its tooltip was asked for a session row's age is not repainted. */
const TOOLTIP_READING_MS = 10_000;

/**
 * Maps the lifecycle's workspaces to tree rows: repositories → workspaces →
 * terminals. It refreshes on the lifecycle's change event, which also fires
 * when another window changes the shared database.
 */
export class WorkspaceTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stats = new Map<string, ShortStat | undefined>();
  private readonly subscriptions = new DisposableStore();
  private lifecycle?: LifecycleService;
  private statsRefresh?: NodeJS.Timeout;
  private statsRefreshAll = false;
  private lastFullStats = 0;
  private readonly decorations: WorkspaceDecorations;
  /** The session rows VS Code holds, per workspace row: the ones whose ages tick. */
  private readonly sessionRows = new Map<string, RuntimeSessionNode[]>();
  private readonly collapsed = new Set<string>();
  private view?: vscode.TreeView<TreeNode>;
  private ageTick?: NodeJS.Timeout;

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
      sessionLabels: (w) => sessionLabels(w, this.lifecycle?.targets().targets ?? []),
      aheadBehind: (id) => this.aheadBehind.get(id),
    };
    model.then((lifecycle) => {
      this.lifecycle = lifecycle;
      this.subscriptions.push(lifecycle.onDidChange(() => this.modelChanged()));
      this.refresh();
    }, () => undefined);
  }

  /**
   * Repaints the tree when what it shows changed. The lifecycle also changes
   * when only a pane's last output time moved (every poll while an agent
   * prints), which no row shows; repainting then would close any open
   * tooltip every two seconds.
   */
  private modelChanged(): void {
    // A running session's state time is its last output: the row does not show it (the tooltip, resolved on hover, does).
    const shown = JSON.stringify(this.lifecycle?.list().map((w) => ({
      ...w,
      sessions: w.sessions.map(({ activityAt: _, stateAt, ...s }) => (s.state === 'running' && s.stateSource === 'process' ? s : { ...s, stateAt })),
    })));
    if (shown === this.shownModel) return;
    this.shownModel = shown;
    this.refresh();
  }

  private windowWorkspaceId?: string;
  private shownModel = '';
  /** The age each session row was last painted with. */
  private readonly paintedAge = new Map<string, string>();
  /** When a session row's tooltip was last asked for: its hover is open, and a repaint would close it. */
  private readonly tooltipShown = new Map<string, number>();

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
    if (node instanceof RuntimeSessionNode) this.paintedAge.set(node.sessionName, formatAge(node.session.createdAt));
    return node.treeItem();
  }

  /**
   * Ages stay true while the view is open: the session rows shown are
   * repainted (only those, not the tree) when their age's label turns, and
   * never while the view is hidden or their workspace collapsed.
   */
  watch(view: vscode.TreeView<TreeNode>): vscode.Disposable[] {
    this.view = view;
    const workspaceOf = (node: TreeNode) => (node instanceof WorkspaceNode ? node.workspace.id : undefined);
    return [
      view.onDidChangeVisibility(({ visible }) => {
        // Ages moved on while the view was hidden: its rows still show the old ones.
        if (visible) this.repaintAges();
        this.scheduleAgeTick();
      }),
      view.onDidCollapseElement(({ element }) => {
        const id = workspaceOf(element);
        if (id) this.collapsed.add(id);
        this.scheduleAgeTick();
      }),
      view.onDidExpandElement(({ element }) => {
        const id = workspaceOf(element);
        if (id) this.collapsed.delete(id);
        this.scheduleAgeTick();
      }),
    ];
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) {
      const rows = node.children();
      if (node instanceof WorkspaceNode) {
        this.sessionRows.set(node.workspace.id, rows.filter((r): r is RuntimeSessionNode => r instanceof RuntimeSessionNode));
        this.scheduleAgeTick();
      }
      return rows;
    }
    let lifecycle: LifecycleService;
    try {
      lifecycle = await this.model;
    } catch {
      return [];
    }
    const list = lifecycle.list();
    this.windowWorkspaceId = this.windowWorkspace(list)?.id;
    for (const id of this.sessionRows.keys()) if (!list.some((w) => w.id === id)) this.sessionRows.delete(id);
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
      this.tooltipShown.set(node.sessionName, Date.now());
      const pane = await this.lifecycle.capturePane(node.sessionName, PANE_LINES).catch(() => '');
      // The row may be older than the last output time, which does not repaint it.
      const workspaceId = node.target.workspaceId;
      const now = workspaceId === undefined ? undefined : this.lifecycle.workspace(workspaceId)?.sessions.find((x) => x.name === node.sessionName);
      item.tooltip = node.tooltip(pane, this.lifecycle.attachCommandLine(node.sessionName), now);
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
        // Not getChildren: the rows VS Code holds stay the ones whose ages tick.
        return { id: n.id, label, description: typeof item.description === 'string' ? item.description : undefined, icon, contextValue: item.contextValue, children: await walk(n.children()) };
      }));
    return walk(await this.getChildren());
  }

  /** The session rows shown: in a visible view, under an expanded workspace. */
  private shownSessionRows(): RuntimeSessionNode[] {
    if (!this.view?.visible) return [];
    return [...this.sessionRows].filter(([id]) => !this.collapsed.has(id)).flatMap(([, r]) => r);
  }

  /** Repaints the rows whose age reads differently now; any repaint closes a row's open tooltip. */
  private repaintAges(): void {
    // A row whose tooltip is being read keeps its age a little longer.
    const reading = (r: RuntimeSessionNode) => Date.now() - (this.tooltipShown.get(r.sessionName) ?? 0) < TOOLTIP_READING_MS;
    const due = this.shownSessionRows().filter((r) => formatAge(r.session.createdAt) !== this.paintedAge.get(r.sessionName) && !reading(r));
    if (due.length) this.changed.fire(due);
  }

  private scheduleAgeTick(): void {
    clearTimeout(this.ageTick);
    this.ageTick = undefined;
    const rows = this.shownSessionRows();
    if (!rows.length) return;
    const now = Date.now();
    const next = Math.min(...rows.map((r) => nextAgeChange(r.session.createdAt, now)));
    this.ageTick = setTimeout(() => {
      this.ageTick = undefined;
      this.repaintAges();
      this.scheduleAgeTick();
    }, Math.max(250, next - now));
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
    clearTimeout(this.ageTick);
    this.subscriptions.dispose();
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
