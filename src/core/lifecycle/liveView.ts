import fs from 'node:fs';
import os from 'node:os';
import { deriveState, summaryOf } from '../agents/state';
import { reportsWorking } from '../agents/wiring';
import { Emitter } from '../event';
import type { ShortStat } from '../gitParse';
import type { LaunchTarget, LostSessionView, SessionRecord, SessionView, WorkspaceRecord, WorkspaceView } from '../model';
import { SHELL_TARGET_KEY } from '../targets';
import type { LiveSession, SessionListing } from '../tmuxParse';
import type { LifecycleContext } from './context';
import { relaunchCommand } from './relaunchCommand';

/** tmux's default pane title: the host name, long or short. */
const HOST_NAMES = [os.hostname(), os.hostname().split('.')[0]];

/**
 * The window's view of tmux (the newest listing, plus what this window
 * started or stopped since) joined with the store's rows into the workspaces
 * the tree and the API show. Fires a change when that view changes.
 */
export class LiveView {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private listing?: SessionListing;
  /** Order in which listings began, so a slow, older one never replaces a newer one. */
  private listingsBegun = 0;
  private listingShown = 0;
  private fingerprint = '';
  /**
   * While a change is being announced: the view announced. Every listener of
   * one change reads that one view instead of building it again (issue 14: at
   * 200 workspaces each build is a few hundred stat calls and state rules).
   */
  private announcing?: WorkspaceView[];
  private readonly statsCache = new Map<string, { at: number; value: Promise<ShortStat | undefined> }>();
  /** Why the last listing failed, while it fails. */
  tmuxError?: string;

  constructor(private readonly ctx: LifecycleContext) {}

  get current(): SessionListing | undefined {
    return this.listing;
  }

  /** Call before asking tmux for a listing; pass the number to `show` with the answer. */
  beginListing(): number {
    return ++this.listingsBegun;
  }

  /** Shows the listing unless a newer one (begun later) is already shown. */
  show(listing: SessionListing | undefined, begun: number): void {
    if (begun < this.listingShown) return;
    this.listingShown = begun;
    this.listing = listing;
    // A listener that changed the view: whoever reads it next builds it again.
    this.announcing = undefined;
  }

  /** A fresh listing, which becomes the live view. */
  async listNow(): Promise<SessionListing> {
    const begun = this.beginListing();
    const listing = await this.ctx.deps.tmux.list();
    this.show(listing, begun);
    return listing;
  }

  /** Adds a session this window just started, without listing tmux again. */
  addStarted(session: LiveSession): void {
    const base = this.listing ?? { serverRunning: true, sessions: [] };
    this.show({ ...base, serverRunning: true, sessions: [...base.sessions.filter((s) => s.name !== session.name), session] }, this.beginListing());
  }

  /** Drops sessions this window just stopped; listing tmux again would only confirm what the kill did. */
  removeStopped(names: ReadonlySet<string>, listing = this.listing): void {
    if (!listing) return;
    this.show({ ...listing, sessions: listing.sessions.filter((s) => !names.has(s.name)) }, this.beginListing());
  }

  emitIfChanged(force: boolean): void {
    const view = this.build();
    const fp = JSON.stringify(view);
    if (force || fp !== this.fingerprint) {
      this.fingerprint = fp;
      this.announcing = view;
      try {
        this.changed.fire();
      } finally {
        // Also after a change announced from inside a listener: the rest build the view again.
        this.announcing = undefined;
      }
    }
  }

  /** The current workspaces, as the tree and the API show them. */
  list(): WorkspaceView[] {
    return this.announcing ?? this.build();
  }

  private build(): WorkspaceView[] {
    const { store } = this.ctx.deps;
    const live = new Map((this.listing?.sessions ?? []).map((s) => [s.name, s]));
    const targets = new Map(this.ctx.targets().targets.map((t) => [t.key, t]));
    const byWorkspace = new Map<string, SessionRecord[]>();
    for (const s of store.sessions()) {
      const list = byWorkspace.get(s.workspaceId);
      if (list) list.push(s);
      else byWorkspace.set(s.workspaceId, [s]);
    }
    return store.workspaces().map((w) => this.view(w, byWorkspace.get(w.id) ?? [], live, targets));
  }

  workspace(id: string): WorkspaceView | undefined {
    return this.list().find((w) => w.id === id);
  }

  private view(w: WorkspaceRecord, rows: SessionRecord[], live: Map<string, LiveSession>, targets: Map<string, LaunchTarget>): WorkspaceView {
    const sessions: SessionView[] = [];
    const lostSessions: LostSessionView[] = [];
    for (const s of rows) {
      if (s.lost) {
        lostSessions.push({
          name: s.name, target: s.targetKey, label: s.label, createdAt: s.createdAt,
          relaunchCommand: relaunchCommand(targets.get(s.targetKey), s),
          ...(s.agentSessionId ? { agentSessionId: s.agentSessionId } : {}),
        });
        continue;
      }
      const l = live.get(s.name);
      // Issue 13: while tmux cannot be listed, a recorded session is not gone, only unknown.
      if (!this.listing && this.tmuxError !== undefined) {
        sessions.push({ name: s.name, target: s.targetKey, label: s.label, createdAt: s.createdAt, state: 'unknown', stateSource: 'process', stateAt: s.createdAt });
        continue;
      }
      // R2: the tree shows only live sessions, and only ours.
      if (!l || l.owner !== this.ctx.deps.tmux.ownerId) continue;
      sessions.push(this.sessionView(s, l));
    }
    const missing = (w.status === 'ready' || w.status === 'error') && !fs.existsSync(w.worktreePath);
    return {
      id: w.id,
      repoRoot: w.repoRoot,
      worktreePath: w.worktreePath,
      branch: w.branch,
      baseRef: w.baseRef,
      createdBranch: w.createdBranch,
      ...(w.ports ? { ports: w.ports } : {}),
      status: missing ? 'missing' : w.status,
      error: w.error,
      // A session of that name without our marker is someone else's: not our base terminal running.
      baseSession: { name: w.baseSession, running: live.get(w.baseSession)?.owner === this.ctx.deps.tmux.ownerId },
      sessions,
      lostSessions,
      busy: this.ctx.guards.isBusy(w.id) || w.status === 'creating' || w.status === 'deleting',
    };
  }

  /** A live session as the tree and the API show it: its row, and §8's state from the listing. */
  sessionView(s: Pick<SessionRecord, 'name' | 'targetKey' | 'label' | 'createdAt' | 'agentSessionId'>, l: LiveSession): SessionView {
    const derived = deriveState(l, this.ctx.now, { reportsWorking: reportsWorking(s.targetKey) });
    const summary = summaryOf(l, s.targetKey !== SHELL_TARGET_KEY, HOST_NAMES);
    const agentSessionId = l.agentSessionId ?? s.agentSessionId;
    return {
      name: s.name,
      target: s.targetKey,
      label: s.label,
      createdAt: s.createdAt,
      state: derived.state,
      stateSource: derived.source,
      stateAt: derived.at,
      ...(derived.note ? { stateNote: derived.note } : {}),
      ...(summary ? { summary } : {}),
      ...(agentSessionId ? { agentSessionId } : {}),
      ...(l.launcher ? { launcher: l.launcher } : {}),
      activityAt: l.activityAt || undefined,
    };
  }

  /** Changed lines in the worktree, for the tree; cached briefly, computed only when shown. */
  changeStats(id: string): Promise<ShortStat | undefined> {
    const w = this.ctx.deps.store.workspace(id);
    if (!w || !fs.existsSync(w.worktreePath)) return Promise.resolve(undefined);
    const cached = this.statsCache.get(id);
    if (cached && this.ctx.now - cached.at < 5_000) return cached.value;
    const value = this.ctx.deps.git.changeStats(w.worktreePath).catch(() => undefined);
    this.statsCache.set(id, { at: this.ctx.now, value });
    return value;
  }

  forgetStats(id: string): void {
    this.statsCache.delete(id);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
