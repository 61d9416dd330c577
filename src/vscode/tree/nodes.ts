import path from 'node:path';
import * as vscode from 'vscode';
import type { AheadBehind, LostSessionView, SessionView, ShortStat, WorkspaceView } from '../../core';
import { CommandId } from '../commands/ids';
import { codeBlock, formatAge, formatAheadBehind, formatStats, plural, STATE_LABEL, STATUS_LABEL, tildify } from './format';
import { sessionDescription, sessionIcon, stateLine } from './sessionState';

/** What a command invoked on a tree row acts on; shaped like the commands' argument objects. */
export interface NodeTarget {
  repoRoot?: string;
  workspaceId?: string;
  sessionName?: string;
  /** Saved changes (SPEC §10). */
  ref?: string;
}

type RowFields = Partial<Pick<vscode.TreeItem, 'description' | 'iconPath' | 'contextValue' | 'tooltip' | 'command'>>;

export abstract class TreeNode {
  abstract readonly id: string;
  abstract readonly parent: TreeNode | undefined;
  abstract readonly target: NodeTarget;
  abstract treeItem(): vscode.TreeItem;
  children(): TreeNode[] {
    return [];
  }

  /** This node's row: its id, and the given label and fields. */
  protected row(label: string, fields: RowFields, collapsible = vscode.TreeItemCollapsibleState.None): vscode.TreeItem {
    return Object.assign(new vscode.TreeItem(label, collapsible), { id: this.id }, fields);
  }
}

export interface WorkspaceDecorations {
  stats(workspaceId: string): ShortStat | undefined;
  /** The workspace this window is opened on. */
  isWindowWorkspace(workspaceId: string): boolean;
  /** Each session's label as shown, numbered when two share one (sessionLabels). */
  sessionLabels(workspace: WorkspaceView): ReadonlyMap<string, string>;
  /** Commits ahead of and behind the base (SPEC §10), when counted. */
  aheadBehind?(workspaceId: string): AheadBehind | undefined;
}

export class RepositoryNode extends TreeNode {
  readonly parent = undefined;
  readonly id: string;
  readonly target: NodeTarget;

  constructor(
    readonly repoRoot: string,
    private readonly workspaces: readonly WorkspaceView[],
    private readonly decorations: WorkspaceDecorations,
    /** Rows after the workspaces (the repository's saved changes). */
    private readonly extraChildren: (parent: RepositoryNode) => TreeNode[] = () => [],
  ) {
    super();
    this.id = `repo:${repoRoot}`;
    this.target = { repoRoot };
  }

  treeItem(): vscode.TreeItem {
    return this.row(path.basename(this.repoRoot), {
      iconPath: new vscode.ThemeIcon('repo'),
      contextValue: 'repository',
      tooltip: new vscode.MarkdownString(`**${escape(path.basename(this.repoRoot))}**\n\n${escape(this.repoRoot)}\n\n${this.workspaces.length} ${plural(this.workspaces.length, 'workspace')}`),
    }, vscode.TreeItemCollapsibleState.Expanded);
  }

  override children(): TreeNode[] {
    return [
      ...[...this.workspaces]
        .sort((a, b) => a.branch.localeCompare(b.branch))
        .map((w) => new WorkspaceNode(w, this, this.decorations)),
      ...this.extraChildren(this),
    ];
  }
}

export class WorkspaceNode extends TreeNode {
  readonly id: string;
  readonly target: NodeTarget;

  constructor(readonly workspace: WorkspaceView, readonly parent: RepositoryNode, private readonly decorations: WorkspaceDecorations) {
    super();
    this.id = `ws:${workspace.id}`;
    this.target = { workspaceId: workspace.id };
  }

  treeItem(): vscode.TreeItem {
    const w = this.workspace;
    // Always expandable: a row first seen without children (while creating) would otherwise stay collapsed.
    // A window opened on this worktree is not offered to open it again.
    const here = this.decorations.isWindowWorkspace(w.id) ? '.thisWindow' : '';
    return this.row(w.branch, {
      contextValue: `workspace.${w.status}${here}`,
      iconPath: workspaceIcon(w),
      description: this.description(),
      tooltip: this.tooltip(),
    }, vscode.TreeItemCollapsibleState.Expanded);
  }

  private description(): string {
    const w = this.workspace;
    const parts: string[] = [];
    if (w.busy && w.status === 'ready') parts.push('working…');
    else if (w.status !== 'ready') parts.push(STATUS_LABEL[w.status]);
    if (w.status === 'ready') {
      const stats = formatStats(this.decorations.stats(w.id));
      if (stats) parts.push(stats);
      const counts = formatAheadBehind(this.decorations.aheadBehind?.(w.id));
      if (counts) parts.push(counts);
    }
    if (w.sessions.length) {
      const waiting = w.sessions.filter((s) => s.state === 'waiting').length;
      parts.push(`${w.sessions.length} ${plural(w.sessions.length, 'session')}${waiting ? ` · ${waiting} waiting` : ''}`);
    }
    if (w.lostSessions.length) parts.push(`${w.lostSessions.length} lost`);
    if (this.decorations.isWindowWorkspace(w.id)) parts.push('this window');
    return parts.join(' · ');
  }

  private tooltip(): vscode.MarkdownString {
    const w = this.workspace;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`$(git-branch) **${escape(w.branch)}** — ${STATUS_LABEL[w.status]}\n\n`);
    md.appendMarkdown(`Worktree: ${escape(tildify(w.worktreePath))}  \n`);
    md.appendMarkdown(`Repository: ${escape(tildify(w.repoRoot))}  \n`);
    md.appendMarkdown(`Base: ${escape(w.baseRef)}${w.createdBranch ? ' (branch created by Worktree Sessions)' : ''}\n`);
    if (w.ports) md.appendMarkdown(`\nPorts: ${w.ports.first}–${w.ports.first + w.ports.count - 1} (WTS_PORT)\n`);
    const stats = this.decorations.stats(w.id);
    const counts = this.decorations.aheadBehind?.(w.id);
    if (counts && (counts.ahead || counts.behind)) md.appendMarkdown(`${counts.ahead} ${plural(counts.ahead, 'commit')} ahead of ${escape(w.baseRef)}, ${counts.behind} behind\n`);
    if (stats?.files) md.appendMarkdown(`\n${stats.files} ${plural(stats.files, 'file')} changed (untracked files included), ${stats.insertions} ${plural(stats.insertions, 'insertion')}(+), ${stats.deletions} ${plural(stats.deletions, 'deletion')}(−)\n`);
    if (w.error) md.appendMarkdown(`\n$(error) ${escape(w.error)}\n`);
    return md;
  }

  override children(): TreeNode[] {
    const w = this.workspace;
    const rows: TreeNode[] = [];
    if (w.status === 'missing') rows.push(new DetailNode(this, 'missing', `The worktree folder is gone: ${tildify(w.worktreePath)}`, 'Recreate it on the same branch, or forget the workspace (no file is deleted).'));
    else if (w.error && (w.status === 'error' || w.status === 'deletion_failed')) rows.push(new DetailNode(this, 'error', w.error, w.status === 'error' ? 'Retry setup, or delete the workspace.' : 'Delete again to finish.'));
    if (w.status === 'ready' || (w.status === 'error' && w.baseSession.running)) rows.push(new BaseTerminalNode(this));
    const labels = this.decorations.sessionLabels(w);
    for (const s of [...w.sessions].sort((a, b) => a.createdAt - b.createdAt)) rows.push(new RuntimeSessionNode(this, s, labels.get(s.name) ?? s.label));
    for (const s of w.lostSessions) rows.push(new LostSessionNode(this, s, labels.get(s.name) ?? s.label));
    return rows;
  }
}

function workspaceIcon(w: WorkspaceView): vscode.ThemeIcon {
  if (w.busy || w.status === 'creating' || w.status === 'deleting') return new vscode.ThemeIcon('loading~spin');
  switch (w.status) {
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    case 'deletion_failed':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    case 'missing':
      return new vscode.ThemeIcon('question', new vscode.ThemeColor('list.warningForeground'));
    default:
      return w.sessions.some((s) => s.state === 'waiting')
        ? new vscode.ThemeIcon('git-branch', new vscode.ThemeColor('charts.yellow'))
        : new vscode.ThemeIcon('git-branch', w.sessions.length ? new vscode.ThemeColor('charts.green') : undefined);
  }
}

/** A terminal row: the base terminal or a runtime session. Its tooltip is resolved lazily. */
export abstract class TerminalNode extends TreeNode {
  abstract readonly sessionName: string;
  abstract readonly label: string;

  /** The tooltip, given the pane's last lines, the attach command line and the session as it is now. */
  abstract tooltip(pane: string, attach: string, now?: SessionView): vscode.MarkdownString;

  protected openCommand(): vscode.Command {
    return { command: CommandId.openTerminal, title: 'Open Terminal', arguments: [this] };
  }
}

export class BaseTerminalNode extends TerminalNode {
  readonly id: string;
  readonly target: NodeTarget;
  readonly sessionName: string;
  readonly label = 'Terminal';

  constructor(readonly parent: WorkspaceNode) {
    super();
    const w = parent.workspace;
    this.sessionName = w.baseSession.name;
    this.id = `base:${w.id}`;
    this.target = { workspaceId: w.id, sessionName: w.baseSession.name };
  }

  treeItem(): vscode.TreeItem {
    const running = this.parent.workspace.baseSession.running;
    return this.row(this.label, {
      description: running ? undefined : 'not running · starts when opened',
      iconPath: new vscode.ThemeIcon('terminal', running ? undefined : new vscode.ThemeColor('disabledForeground')),
      contextValue: 'session.base',
      command: this.openCommand(),
    });
  }

  tooltip(pane: string, attach: string): vscode.MarkdownString {
    const w = this.parent.workspace;
    return sessionTooltip(
      `$(terminal) **Terminal** of ${escape(w.branch)}`,
      w.baseSession.running ? 'The workspace\'s own shell, in the worktree.' : 'Not running: opening it starts a new shell in the worktree.',
      pane,
      attach,
    );
  }
}

export class RuntimeSessionNode extends TerminalNode {
  readonly id: string;
  readonly target: NodeTarget;
  readonly sessionName: string;

  constructor(readonly parent: WorkspaceNode, readonly session: SessionView, readonly label: string) {
    super();
    this.sessionName = session.name;
    this.id = `session:${session.name}`;
    this.target = { workspaceId: parent.workspace.id, sessionName: session.name };
  }

  treeItem(): vscode.TreeItem {
    const s = this.session;
    return this.row(this.label, {
      description: sessionDescription(s, STATE_LABEL[s.state], formatAge(s.createdAt)),
      iconPath: sessionIcon(s),
      contextValue: 'session.runtime',
      command: this.openCommand(),
    });
  }

  tooltip(pane: string, attach: string, now?: SessionView): vscode.MarkdownString {
    const s = now ?? this.session;
    const started = new Date(s.createdAt).toLocaleString();
    const active = s.activityAt ? ` · last output ${formatAge(s.activityAt, Date.now(), true)} ago` : '';
    return sessionTooltip(
      `$(${s.target === 'shell' ? 'terminal' : 'hubot'}) **${escape(this.label)}** in ${escape(this.parent.workspace.branch)}`,
      `${escape(capitalise(stateLine(s, STATE_LABEL[s.state])))}  \n${s.summary ? `${escape(s.summary)}  \n` : ''}Started ${escape(started)}${active}`,
      pane,
      attach,
    );
  }
}

export class LostSessionNode extends TreeNode {
  readonly id: string;
  readonly target: NodeTarget;

  constructor(readonly parent: WorkspaceNode, readonly session: LostSessionView, private readonly label: string) {
    super();
    this.id = `lost:${session.name}`;
    this.target = { workspaceId: parent.workspace.id, sessionName: session.name };
  }

  treeItem(): vscode.TreeItem {
    const s = this.session;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`$(debug-disconnect) **${escape(this.label)}** was running when the tmux server stopped (a reboot or a crash).\n\n`);
    tooltip.appendMarkdown(`Relaunch runs:\n\n${codeBlock(s.relaunchCommand.join(' '), 'sh')}`);
    return this.row(this.label, {
      description: `lost when tmux stopped · ${formatAge(s.createdAt)}`,
      iconPath: new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('list.warningForeground')),
      contextValue: 'session.lost',
      tooltip,
    });
  }
}

/** A row that explains a problem of its workspace (R4, C3, D4); the remedies are on the workspace row. */
export class DetailNode extends TreeNode {
  readonly id: string;
  readonly target: NodeTarget;

  constructor(readonly parent: WorkspaceNode, private readonly kind: 'error' | 'missing', private readonly text: string, private readonly remedy: string) {
    super();
    this.id = `detail:${parent.workspace.id}`;
    this.target = { workspaceId: parent.workspace.id };
  }

  treeItem(): vscode.TreeItem {
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(this.text);
    tooltip.appendMarkdown(`\n\n${escape(this.remedy)}`);
    const color = new vscode.ThemeColor(this.kind === 'error' ? 'list.errorForeground' : 'list.warningForeground');
    return this.row(this.text.split('\n')[0], {
      iconPath: new vscode.ThemeIcon(this.kind === 'error' ? 'error' : 'warning', color),
      contextValue: `detail.${this.kind}`,
      tooltip,
    });
  }
}

function sessionTooltip(title: string, state: string, pane: string, attach: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`${title}\n\n${state}\n\n`);
  if (pane.trim()) md.appendMarkdown(`${codeBlock(pane, 'text')}\n\n`);
  md.appendMarkdown(`Attach from any terminal:\n\n${codeBlock(attach, 'sh')}`);
  return md;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Escapes Markdown (but keeps `$(icon)` syntax out of user text). */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$]/g, '\\$&');
}
