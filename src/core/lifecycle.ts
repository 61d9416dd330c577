import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Emitter, type Disposable } from './event';
import type { Exec } from './exec';
import { type Git, type SavedChanges } from './git';
import { worktreeFolderName, type ShortStat } from './gitParse';
import type { Logger } from './log';
import { processAlive } from './processAlive';
import {
  UserError,
  type CoreSettings,
  type LaunchTarget,
  type LostSessionView,
  type SessionRecord,
  type SessionState,
  type SessionView,
  type SetupEvent,
  type SetupStep,
  type WorkspaceRecord,
  type WorkspaceView,
} from './model';
import type { StoreTx, WorkspaceStore } from './store';
import { resolveLaunchTargets, type TargetProblem } from './targets';
import { isOwnSessionName, TmuxUnavailableError, type Tmux, type TmuxProbe } from './tmux';
import type { LiveSession, SessionListing } from './tmuxParse';

export interface LifecycleDeps {
  store: WorkspaceStore;
  tmux: Tmux;
  git: Git;
  /** Runs the setup command; the same adapter git and tmux use. */
  exec: Exec;
  settings: () => CoreSettings;
  logger: Logger;
  /** Where D5 writes patch files of saved changes. */
  savedChangesDir: string;
  env?: NodeJS.ProcessEnv;
  /**
   * How often tmux is listed: activity states, and the fallback for S2 (the
   * server's session-closed hook wakes the service at once). Default 2 s.
   */
  pollIntervalMs?: number;
  /** How old an unrecorded marked session must be before it counts as an orphan (R3). */
  orphanGraceMs?: number;
  clock?: () => number;
}

export interface CreateRequest {
  repoRoot: string;
  branch: string;
  baseRef?: string;
  /** true: check out an existing local or remote branch; false: create a new one; absent: whichever fits. */
  existingBranch?: boolean;
}

export interface OperationOptions {
  signal?: AbortSignal;
  /** Whether the setup command may run (workspace trust). */
  trusted?: boolean;
  onProgress?: (message: string) => void;
}

export type BranchChoice = 'merged' | 'never' | 'delete';

export interface DeleteOptions {
  force?: boolean;
  /** D6: `merged` (default) deletes a branch we created only if merged; `delete` is the user's explicit choice. */
  branch?: BranchChoice;
  onProgress?: (message: string) => void;
}

export interface DeleteResult {
  deleted: boolean;
  dirtyFiles?: string[];
  keptBranch?: string;
  deletedBranch?: string;
  savedChanges?: SavedChanges;
}

export interface ReconcileReport {
  interrupted: string[];
  pruned: string[];
  lost: string[];
  orphansKilled: string[];
  tmuxError?: string;
}

/** Proof, kept in the worktree's private git folder, that the extension made it. */
interface OwnershipMarker {
  ownerId: string;
  id: string;
  repoRoot: string;
  branch: string;
  baseRef: string;
  createdBranch: boolean;
  createdAt: number;
}

const MARKER_FILE = 'worktree-sessions.json';
const ACTIVE_WINDOW_MS = 10_000;
/**
 * Each listing forks a process from the extension host; once a second cost
 * about 1 % of a core with 100 sessions (`npm run bench`), so the poll only
 * keeps activity states fresh and exits arrive through the tmux hook.
 */
const DEFAULT_POLL_MS = 2_000;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The only place that orders process (tmux), worktree (git) and persistence
 * (store) work. Every rule of SPEC §2 is enforced here; comments name them.
 */
export class LifecycleService implements Disposable {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private listing?: SessionListing;
  /** Order in which listings began, so a slow, older one never replaces a newer one. */
  private listingSeq = 0;
  private listingUsed = 0;
  private tmuxError?: string;
  private fingerprint = '';
  private timer?: NodeJS.Timeout;
  private exitWatch?: { socket: string; abort: AbortController };
  private reconciling: Promise<unknown> = Promise.resolve();
  private targetsCache?: { key: string; at: number; value: { targets: LaunchTarget[]; problems: TargetProblem[] } };
  private disposed = false;
  private lastStamp = 0;
  /** D3: workspaces whose delete is under way in this window. */
  private readonly stopping = new Set<string>();
  /** D3: launches in flight, per workspace. */
  private readonly inflight = new Map<string, Set<Promise<unknown>>>();
  /** Workspaces this window is working on (spinning icon). */
  private readonly busy = new Map<string, string>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly statsCache = new Map<string, { at: number; value: Promise<ShortStat | undefined> }>();
  private readonly subscriptions: Disposable[] = [];
  private readonly pendingEvents = new Map<string, SetupEvent[]>();
  private readonly pid = process.pid;

  constructor(private readonly deps: LifecycleDeps) {
    this.subscriptions.push(deps.store.onDidChangeExternally(() => this.emitIfChanged(true)));
  }

  private get now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  private get env(): NodeJS.ProcessEnv {
    return this.deps.env ?? process.env;
  }

  private nextStamp(): number {
    this.lastStamp = Math.max(this.now, this.lastStamp + 1);
    return this.lastStamp;
  }

  // ── watching ─────────────────────────────────────────────────────────────

  /** First reconciliation (R1–R4), then a listing per tick to notice exits (S2). */
  async start(): Promise<ReconcileReport> {
    const report = await this.reconcile();
    this.schedule();
    // After the caller has its report: forking the watcher need not delay activation.
    setImmediate(() => this.watchExits());
    return report;
  }

  private schedule(): void {
    if (this.disposed) return;
    this.timer = setTimeout(async () => {
      try {
        if (this.deps.store.workspaces().length || this.listing?.sessions.length) await this.reconcile();
        else if (this.deps.store.refresh()) this.emitIfChanged(true);
      } catch (e) {
        this.deps.logger.warn(`Reconciliation failed: ${message(e)}`);
      }
      // A watch that failed (no server yet, tmux restarted, socket changed) is retried once per tick.
      this.watchExits();
      this.schedule();
    }, this.deps.pollIntervalMs ?? DEFAULT_POLL_MS);
    this.timer.unref?.();
  }

  /**
   * S2 within milliseconds: the tmux server wakes a waiting tmux process when
   * a session closes (or a bell rings: "waiting for input"), and a
   * reconciliation follows at once. The poll above remains the fallback (and
   * keeps activity states fresh).
   */
  private watchExits(): void {
    const { tmux } = this.deps;
    if (this.exitWatch && this.exitWatch.socket !== tmux.socket) this.exitWatch.abort.abort();
    if (this.disposed || this.exitWatch || !this.listing?.serverRunning) return;
    const watch = { socket: tmux.socket, abort: new AbortController() };
    this.exitWatch = watch;
    void tmux.waitForChange(watch.abort.signal).then((woken) => {
      if (this.exitWatch === watch) this.exitWatch = undefined;
      if (this.disposed || watch.abort.signal.aborted) return;
      // Waiting again before listing: an exit while the listing runs is not missed.
      // A failed wait (the server went away) is retried by the next tick, not here.
      if (woken) this.watchExits();
      this.reconcile().catch((e) => this.deps.logger.warn(`Reconciliation failed: ${message(e)}`));
    });
  }

  async tmuxStatus(): Promise<TmuxProbe> {
    return this.deps.tmux.probe();
  }

  /**
   * R1–R5 in one pass: one tmux listing, no git calls. Safe to run at any
   * time; every removal it makes is conditional on the generation it saw.
   */
  async reconcile(): Promise<ReconcileReport> {
    // Serialised: a caller that asks while a pass runs gets a fresh pass after it, never a stale answer.
    const run = this.reconciling.then(() => this.reconcileNow());
    this.reconciling = run.catch(() => undefined);
    return run;
  }

  private async reconcileNow(): Promise<ReconcileReport> {
    const report: ReconcileReport = { interrupted: [], pruned: [], lost: [], orphansKilled: [] };
    const { store } = this.deps;
    store.refresh();
    // S2: a listing can only judge rows recorded before it began; a launch that
    // records itself while tmux is being listed is not in this listing.
    const rowsBefore = store.sessions();
    const seq = ++this.listingSeq;
    let listing: SessionListing | undefined;
    try {
      listing = await this.deps.tmux.list();
      this.tmuxError = undefined;
    } catch (e) {
      // Without a listing nothing can be judged gone: keep every row (D4: the rest still works).
      this.tmuxError = message(e);
      report.tmuxError = this.tmuxError;
    }
    this.useListing(listing, seq);

    // R1: a create or delete whose window is gone will never finish by itself.
    const interrupted = store.workspaces().filter((w) => (w.status === 'creating' || w.status === 'deleting') && !this.someoneWorksOn(w));
    if (interrupted.length) {
      await store.write((tx) => {
        for (const w of interrupted) {
          const now = tx.workspace(w.id);
          if (!now || now.status !== w.status || this.someoneWorksOn(now)) continue;
          tx.updateWorkspace(w.id, now.status === 'creating'
            ? { status: 'error', error: 'Setup was interrupted (the window closed or crashed). Retry setup or delete the workspace.', opPid: undefined }
            : { status: 'deletion_failed', error: 'Deletion was interrupted (the window closed or crashed). Retry the delete to finish it.', opPid: undefined });
          report.interrupted.push(w.id);
        }
      });
    }

    if (listing) {
      const live = new Map(listing.sessions.map((s) => [s.name, s]));
      const gone: SessionRecord[] = [];
      const lost: SessionRecord[] = [];
      for (const s of rowsBefore) {
        if (s.lost) continue;
        const l = live.get(s.name);
        if (l && !l.paneDead && (l.createdStamp === undefined || l.createdStamp === s.createdAt)) continue;
        if (l && l.createdStamp !== undefined && l.createdStamp > s.createdAt) continue; // a newer launch is recording itself
        // R2: the server restarted (or is gone) since this session started: it was lost, not ended.
        const serverLost = !listing.serverRunning || (listing.serverStartedAt !== undefined && listing.serverStartedAt > s.createdAt);
        (serverLost ? lost : gone).push(s);
      }
      const deadPanes = listing.sessions.filter((l) => l.paneDead && l.owner === this.deps.tmux.ownerId && isOwnSessionName(l.name));
      for (const l of deadPanes) await this.deps.tmux.killOwned(l.name);
      if (gone.length || lost.length) {
        await store.write((tx) => {
          // S2: only the generation that was seen to exit is removed.
          for (const s of gone) if (tx.deleteSession(s.name, s.createdAt)) report.pruned.push(s.name);
          for (const s of lost) {
            const row = tx.sessions(s.workspaceId).find((r) => r.name === s.name && r.createdAt === s.createdAt);
            if (row && !row.lost) {
              tx.upsertSession({ ...row, lost: true });
              report.lost.push(s.name);
            }
          }
        });
      }
      report.orphansKilled = await this.reapOrphans(listing);
    }
    this.emitIfChanged(false);
    return report;
  }

  /** Keeps the newest listing: one that began earlier must not replace it when it finishes later. */
  private useListing(listing: SessionListing | undefined, seq: number): void {
    if (seq < this.listingUsed) return;
    this.listingUsed = seq;
    this.listing = listing;
  }

  private someoneWorksOn(w: WorkspaceRecord): boolean {
    if (w.opPid === undefined) return false;
    if (w.opPid === this.pid) return this.busy.has(w.id);
    return processAlive(w.opPid);
  }

  /** R3: marked ours, but no row claims it. Sessions without our marker are never touched. */
  private async reapOrphans(listing: SessionListing): Promise<string[]> {
    const { store, tmux } = this.deps;
    const claimed = new Set<string>([...store.workspaces().map((w) => w.baseSession), ...store.sessions().map((s) => s.name)]);
    const grace = this.deps.orphanGraceMs ?? 30_000;
    const candidates = listing.sessions.filter((l) =>
      l.owner === tmux.ownerId && isOwnSessionName(l.name) && !claimed.has(l.name)
      // L2: a launch marks its session before recording it; give it time to record.
      && this.now - (l.createdStamp ?? l.createdAt) > grace);
    if (!candidates.length) return [];
    // Another window may have recorded them since our last read.
    store.refresh();
    const recheck = new Set<string>([...store.workspaces().map((w) => w.baseSession), ...store.sessions().map((s) => s.name)]);
    const killed: string[] = [];
    for (const l of candidates) {
      if (recheck.has(l.name)) continue;
      await tmux.killOwned(l.name);
      this.deps.logger.info(`Killed orphaned tmux session ${l.name} (marked as ours, no record).`);
      killed.push(l.name);
    }
    return killed;
  }

  private emitIfChanged(force: boolean): void {
    const fp = JSON.stringify(this.list());
    if (force || fp !== this.fingerprint) {
      this.fingerprint = fp;
      this.changed.fire();
    }
  }

  // ── views ────────────────────────────────────────────────────────────────

  /** The current workspaces, as the tree and the API show them. */
  list(): WorkspaceView[] {
    const live = new Map((this.listing?.sessions ?? []).map((s) => [s.name, s]));
    const targets = new Map(this.targets().targets.map((t) => [t.key, t]));
    const byWorkspace = new Map<string, SessionRecord[]>();
    for (const s of this.deps.store.sessions()) {
      const list = byWorkspace.get(s.workspaceId);
      if (list) list.push(s);
      else byWorkspace.set(s.workspaceId, [s]);
    }
    return this.deps.store.workspaces().map((w) => this.view(w, byWorkspace.get(w.id) ?? [], live, targets));
  }

  workspace(id: string): WorkspaceView | undefined {
    return this.list().find((w) => w.id === id);
  }

  private view(w: WorkspaceRecord, rows: SessionRecord[], live: Map<string, LiveSession>, targets: Map<string, LaunchTarget>): WorkspaceView {
    const sessions: SessionView[] = [];
    const lostSessions: LostSessionView[] = [];
    for (const s of rows) {
      if (s.lost) {
        const t = targets.get(s.targetKey);
        lostSessions.push({ name: s.name, target: s.targetKey, label: s.label, createdAt: s.createdAt, relaunchCommand: t?.resumeCommand ?? t?.command ?? s.command });
        continue;
      }
      const l = live.get(s.name);
      // R2: the tree shows only live sessions.
      if (!l) continue;
      sessions.push({ name: s.name, target: s.targetKey, label: s.label, createdAt: s.createdAt, state: this.stateOf(l), activityAt: l.activityAt || undefined });
    }
    const missing = (w.status === 'ready' || w.status === 'error') && !fs.existsSync(w.worktreePath);
    return {
      id: w.id,
      repoRoot: w.repoRoot,
      worktreePath: w.worktreePath,
      branch: w.branch,
      baseRef: w.baseRef,
      createdBranch: w.createdBranch,
      status: missing ? 'missing' : w.status,
      error: w.error,
      baseSession: { name: w.baseSession, running: live.has(w.baseSession) },
      sessions,
      lostSessions,
      busy: this.busy.has(w.id) || w.status === 'creating' || w.status === 'deleting',
    };
  }

  private stateOf(l: LiveSession): SessionState {
    if (l.paneDead) return 'exited';
    // Waiting for input: the bell rang and nothing was written since (tmux times are in seconds).
    if (l.bell || (l.bellAt !== undefined && l.activityAt <= l.bellAt)) return 'waiting';
    return this.now - l.activityAt < ACTIVE_WINDOW_MS ? 'running' : 'idle';
  }

  /** The launch targets on offer; PATH is searched again when settings or PATH change, or after ten seconds. */
  targets(): { targets: LaunchTarget[]; problems: TargetProblem[] } {
    const settings = this.deps.settings();
    const key = JSON.stringify([settings.agents, settings.disabledAgents, this.env.PATH, this.env.SHELL]);
    const cached = this.targetsCache;
    if (cached && cached.key === key && this.now - cached.at < 10_000) return cached.value;
    const value = resolveLaunchTargets(settings, this.env);
    this.targetsCache = { key, at: this.now, value };
    return value;
  }

  /** Changed lines in the worktree, for the tree; cached briefly, computed only when shown. */
  changeStats(id: string): Promise<ShortStat | undefined> {
    const w = this.deps.store.workspace(id);
    if (!w || !fs.existsSync(w.worktreePath)) return Promise.resolve(undefined);
    const cached = this.statsCache.get(id);
    if (cached && this.now - cached.at < 5_000) return cached.value;
    const value = this.deps.git.changeStats(w.worktreePath).catch(() => undefined);
    this.statsCache.set(id, { at: this.now, value });
    return value;
  }

  events(id: string) {
    return this.deps.store.events(id);
  }

  capturePane(sessionName: string, lines = 12): Promise<string> {
    return this.deps.tmux.capturePane(sessionName, lines);
  }

  attachArgv(sessionName: string) {
    return this.deps.tmux.attachArgv(sessionName);
  }

  attachCommandLine(sessionName: string): string {
    return this.deps.tmux.attachCommandLine(sessionName);
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  /** Runs `fn` after any other operation holding `key`, in this window. */
  private exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return run;
  }

  private async withBusy<T>(id: string, what: string, fn: () => Promise<T>): Promise<T> {
    this.busy.set(id, what);
    this.emitIfChanged(true);
    try {
      return await fn();
    } finally {
      this.busy.delete(id);
      this.emitIfChanged(true);
    }
  }

  private requireWorkspace(id: string): WorkspaceRecord {
    this.deps.store.refresh();
    const w = this.deps.store.workspace(id);
    if (!w) throw new UserError(`No workspace with id ${id}. It may have been deleted in another window; refresh the view.`);
    return w;
  }

  private async requireTmux(): Promise<void> {
    const probe = await this.deps.tmux.probe();
    if (!probe.ok) throw new UserError(probe.message);
  }

  private worktreeRoot(repoRoot: string): string {
    const configured = this.deps.settings().worktreeRoot.trim();
    if (configured) {
      const expanded = configured.replace(/^~(?=$|\/)/, this.env.HOME ?? '~');
      return path.isAbsolute(expanded) ? expanded : path.resolve(repoRoot, expanded);
    }
    return path.join(path.dirname(repoRoot), `${path.basename(repoRoot)}.worktrees`);
  }

  /** C3: a setup event, kept until the next write of the workspace (each write costs an fsync). */
  private note(id: string, step: SetupStep, outcome: 'started' | 'ok' | 'failed' | 'skipped', msg?: string): void {
    const list = this.pendingEvents.get(id) ?? [];
    list.push({ workspaceId: id, at: this.now, step, outcome, message: msg });
    this.pendingEvents.set(id, list);
  }

  /** Writes the noted events, with `also` in the same transaction. */
  private async writeSetup(id: string, also: (tx: StoreTx) => void = () => undefined): Promise<void> {
    const events = this.pendingEvents.get(id) ?? [];
    this.pendingEvents.delete(id);
    await this.deps.store.write((tx) => {
      if (!tx.workspace(id)) return;
      for (const e of events) tx.addEvent(e);
      also(tx);
    });
  }

  // ── create (C1–C4) ───────────────────────────────────────────────────────

  async createWorkspace(req: CreateRequest, options: OperationOptions = {}): Promise<WorkspaceView> {
    const { git } = this.deps;
    if (typeof req?.repoRoot !== 'string' || !req.repoRoot) throw new UserError('Choose a repository: repoRoot is missing.');
    if (typeof req.branch !== 'string') throw new UserError('Choose a branch: branch is missing.');
    const repoRoot = await git.repositoryRoot(req.repoRoot);
    let branch = req.branch;
    let startPoint: string | undefined;
    let createdBranch: boolean;
    let track = false;

    // C1: git's own rules decide what a branch name may be. The questions are independent: ask them at once.
    const [problem, local, current] = await Promise.all([
      git.branchNameProblem(repoRoot, branch),
      git.localBranchExists(repoRoot, branch).catch(() => false),
      req.baseRef?.trim() ? Promise.resolve(undefined) : git.currentBranch(repoRoot),
    ]);
    if (problem) throw new UserError(problem);

    if (req.existingBranch === true || (req.existingBranch === undefined && local)) {
      if (local) {
        createdBranch = false;
      } else {
        const remotes = await git.remoteBranches(repoRoot);
        const remote = remotes.find((r) => r === branch) ?? remotes.find((r) => r.split('/').slice(1).join('/') === branch);
        if (!remote) throw new UserError(`There is no local or remote branch "${branch}" in ${repoRoot}.`);
        // A remote branch gets a local branch of the same name that tracks it.
        branch = remote.split('/').slice(1).join('/');
        if (await git.localBranchExists(repoRoot, branch)) {
          createdBranch = false;
        } else {
          startPoint = remote;
          track = true;
          createdBranch = true;
        }
      }
    } else {
      if (local) throw new UserError(`A branch "${branch}" already exists in ${repoRoot}; choose it as an existing branch or pick another name.`);
      const base = req.baseRef?.trim() || current || 'HEAD';
      if (!(await git.refExists(repoRoot, base))) throw new UserError(`The base "${base}" is not a branch, tag or commit of ${repoRoot}.`);
      startPoint = base;
      createdBranch = true;
    }
    const baseRef = startPoint ?? (req.baseRef?.trim() || current || 'HEAD');

    return this.exclusive(`create:${repoRoot}\0${branch}`, async () => {
      // C2: one workspace per branch; asking again reopens it.
      this.deps.store.refresh();
      const existing = this.deps.store.workspaces().find((w) => w.repoRoot === repoRoot && w.branch === branch);
      if (existing) return this.reopen(existing, options);

      const worktreePath = path.join(this.worktreeRoot(repoRoot), worktreeFolderName(branch));
      const worktrees = await git.worktrees(repoRoot);
      const here = worktrees.find((w) => samePath(w.path, worktreePath));
      // C1: a branch checked out in another worktree cannot get a second one.
      const elsewhere = worktrees.find((w) => w.branch === branch && !samePath(w.path, worktreePath));
      if (elsewhere) throw new UserError(`The branch "${branch}" is already checked out in ${elsewhere.path}. Switch that worktree to another branch first, or open it directly.`);
      // C4: an existing folder is adopted only when git lists it as this repository's worktree on this branch.
      if (fs.existsSync(worktreePath) && !(here && here.branch === branch)) {
        throw new UserError(`${worktreePath} already exists and is not a worktree of ${repoRoot} on "${branch}". Move it away or set worktreeSessions.worktreeRoot; nothing was changed.`);
      }
      const id = randomBytes(8).toString('hex');
      const now = this.now;
      const record: WorkspaceRecord = {
        id, repoRoot, worktreePath, branch, baseRef,
        createdBranch: here ? false : createdBranch,
        baseSession: `wts-${id}`,
        status: 'creating',
        opPid: this.pid,
        createdAt: now,
        updatedAt: now,
      };
      // C3: the row exists before any git or tmux work.
      const raced = await this.deps.store.write((tx) => {
        const other = tx.workspaceByBranch(repoRoot, branch);
        if (other) return other;
        tx.insertWorkspace(record);
        return undefined;
      });
      if (raced) return this.reopen(raced, options);
      return this.runSetup(id, { ...options, newBranch: !here && createdBranch ? { startPoint: startPoint!, track } : undefined, fresh: !here });
    });
  }

  private async reopen(w: WorkspaceRecord, options: OperationOptions): Promise<WorkspaceView> {
    if (w.status === 'creating') throw new UserError(`The workspace for "${w.branch}" is being created in another window.`);
    if (w.status === 'deleting' || w.status === 'deletion_failed') {
      throw new UserError(`The workspace for "${w.branch}" is being deleted${w.status === 'deletion_failed' ? ' (the last attempt failed)' : ''}; finish the delete first.`);
    }
    if (w.status === 'error' || !fs.existsSync(w.worktreePath)) return this.retrySetup(w.id, options);
    if ((await this.deps.tmux.probe()).ok) await this.ensureBaseSession(w.id);
    return this.workspace(w.id)!;
  }

  /** C3: a failed or interrupted setup resumes; every step reuses what is already there. */
  async retrySetup(id: string, options: OperationOptions = {}): Promise<WorkspaceView> {
    const w = this.requireWorkspace(id);
    if (w.status === 'deleting' || w.status === 'deletion_failed') throw new UserError(`"${w.branch}" is being deleted; retry the delete instead.`);
    if (w.status === 'creating' && this.someoneWorksOn(w)) throw new UserError(`"${w.branch}" is still being set up.`);
    return this.exclusive(`create:${w.repoRoot}\0${w.branch}`, async () => {
      await this.deps.store.write((tx) => tx.updateWorkspace(id, { status: 'creating', error: undefined, opPid: this.pid }));
      const branchExists = await this.deps.git.localBranchExists(w.repoRoot, w.branch);
      return this.runSetup(id, { ...options, newBranch: branchExists ? undefined : { startPoint: w.baseRef, track: false } });
    });
  }

  private async runSetup(id: string, options: OperationOptions & { newBranch?: { startPoint: string; track: boolean }; fresh?: boolean }): Promise<WorkspaceView> {
    const { git, store, tmux } = this.deps;
    const w = store.workspace(id)!;
    const progress = options.onProgress ?? (() => undefined);
    let step: SetupStep = 'worktree';
    return this.withBusy(id, 'creating', async () => {
      try {
        // Step 1: the worktree (adopted when it is already there, C4).
        progress(`Creating the worktree for ${w.branch}…`);
        // A fresh create already listed the worktrees: nothing is at the path.
        const listed = options.fresh ? undefined : (await git.worktrees(w.repoRoot)).find((e) => samePath(e.path, w.worktreePath));
        if (listed && listed.branch === w.branch && fs.existsSync(w.worktreePath)) {
          this.note(id, step, 'ok', 'adopted the existing worktree');
        } else {
          if (listed) await git.pruneWorktrees(w.repoRoot);
          if (fs.existsSync(w.worktreePath)) throw new UserError(`${w.worktreePath} exists and is not a worktree of ${w.repoRoot} on "${w.branch}".`);
          fs.mkdirSync(path.dirname(w.worktreePath), { recursive: true });
          await git.addWorktree(w.repoRoot, w.worktreePath,
            options.newBranch ? { newBranch: w.branch, startPoint: options.newBranch.startPoint, track: options.newBranch.track } : { existingBranch: w.branch },
            options.signal);
          this.note(id, step, 'ok');
        }
        await this.writeMarker(w);
        // The worktree is on disk now: record that before anything else can fail.
        await this.writeSetup(id);
        this.throwIfCancelled(options.signal);

        step = 'copy-files';
        const patterns = this.deps.settings().copyFiles;
        if (patterns.length) {
          progress('Copying files…');
          const files = await git.ignoredFilesMatching(w.repoRoot, patterns);
          let copied = 0;
          for (const f of files) {
            const to = path.join(w.worktreePath, f);
            if (fs.existsSync(to)) continue;
            fs.mkdirSync(path.dirname(to), { recursive: true });
            fs.copyFileSync(path.join(w.repoRoot, f), to, fs.constants.COPYFILE_EXCL);
            copied++;
          }
          this.note(id, step, 'ok', `${copied} file(s) copied`);
        } else {
          this.note(id, step, 'skipped', 'no copyFiles patterns');
        }
        this.throwIfCancelled(options.signal);

        step = 'setup-command';
        const setup = this.deps.settings().setupCommand;
        if (!setup.length) {
          this.note(id, step, 'skipped', 'no setup command');
        } else if (options.trusted === false) {
          this.note(id, step, 'skipped', 'the workspace is not trusted, so the setup command was not run');
          this.deps.logger.warn(`Setup command not run for ${w.branch}: the workspace is not trusted.`);
        } else {
          progress(`Running ${setup.join(' ')}…`);
          // A setup command can run for minutes: its start is recorded at once.
          this.note(id, step, 'started', setup.join(' '));
          await this.writeSetup(id);
          const r = await this.deps.exec.run(setup[0], setup.slice(1), { cwd: w.worktreePath, signal: options.signal });
          this.throwIfCancelled(options.signal);
          if (r.spawnError) throw new UserError(`The setup command "${setup[0]}" could not be started (${r.spawnError}).`);
          if (r.exitCode !== 0) {
            const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-5).join('\n');
            throw new UserError(`The setup command exited with code ${r.exitCode}${tail ? `: ${tail}` : ''}`);
          }
          this.note(id, step, 'ok');
        }

        step = 'base-terminal';
        const probe = await tmux.probe();
        if (probe.ok) {
          progress('Starting the base terminal…');
          await this.startBaseSession(w, options.fresh === true);
          this.note(id, step, 'ok');
        } else {
          this.note(id, step, 'skipped', probe.message);
        }
        await this.writeSetup(id, (tx) => tx.updateWorkspace(id, { status: 'ready', error: undefined, opPid: undefined }));
        this.deps.logger.info(`Workspace ${w.branch} (${id}) is ready at ${w.worktreePath}.`);
        this.emitIfChanged(true);
        return this.workspace(id)!;
      } catch (e) {
        const cancelled = options.signal?.aborted;
        const msg = cancelled ? 'Setup was cancelled.' : message(e);
        this.note(id, step, 'failed', msg);
        await this.writeSetup(id, (tx) => tx.updateWorkspace(id, { status: 'error', error: `${step}: ${msg}`, opPid: undefined })).catch(() => undefined);
        this.deps.logger.error(`Setting up ${w.branch} failed at ${step}: ${msg}`);
        throw new UserError(`Setting up "${w.branch}" failed at the ${step} step: ${msg} Retry setup or delete the workspace.`, e instanceof Error ? e.stack : undefined);
      }
    });
  }

  private throwIfCancelled(signal?: AbortSignal): void {
    if (signal?.aborted) throw new UserError('Setup was cancelled.');
  }

  private async writeMarker(w: WorkspaceRecord): Promise<void> {
    const gitDir = await this.deps.git.gitDir(w.worktreePath);
    const marker: OwnershipMarker = {
      ownerId: this.deps.tmux.ownerId, id: w.id, repoRoot: w.repoRoot, branch: w.branch,
      baseRef: w.baseRef, createdBranch: w.createdBranch, createdAt: w.createdAt,
    };
    fs.writeFileSync(path.join(gitDir, MARKER_FILE), JSON.stringify(marker, null, 2));
  }

  /** Starts the base terminal unless it runs; `fresh` (a new workspace id) means it cannot be running yet. */
  private async startBaseSession(w: WorkspaceRecord, fresh = false): Promise<void> {
    if (!fresh && (await this.listNow()).sessions.some((s) => s.name === w.baseSession)) return;
    const stamp = this.nextStamp();
    const started = await this.deps.tmux.newSession({ name: w.baseSession, cwd: w.worktreePath, stamp, worktree: w.worktreePath });
    if (started.panePid !== undefined && !started.exitedImmediately) {
      this.noteLive({ name: w.baseSession, owner: this.deps.tmux.ownerId, createdStamp: stamp, createdAt: this.now, activityAt: this.now, panePid: started.panePid, paneDead: false, bell: false, worktree: w.worktreePath });
    } else {
      await this.listNow();
    }
  }

  /** Adds a session this window just started to the live view, without listing tmux again. */
  private noteLive(session: LiveSession): void {
    const base = this.listing ?? { serverRunning: true, sessions: [] };
    this.useListing({ ...base, serverRunning: true, sessions: [...base.sessions.filter((s) => s.name !== session.name), session] }, ++this.listingSeq);
  }

  /** The base terminal, recreated when its session is gone (after a reboot, or killed). */
  async ensureBaseSession(id: string): Promise<string> {
    const w = this.requireWorkspace(id);
    if (w.status !== 'ready' && w.status !== 'error') throw new UserError(`"${w.branch}" is ${w.status}; its terminal cannot be opened now.`);
    if (!fs.existsSync(w.worktreePath)) throw new UserError(`The worktree ${w.worktreePath} is missing. Recreate it or forget the workspace.`);
    await this.requireTmux();
    await this.startBaseSession(w);
    await this.reconcile();
    return w.baseSession;
  }

  // ── launch (L1–L3) ───────────────────────────────────────────────────────

  async launch(id: string, targetKey: string): Promise<SessionView> {
    const w = this.requireWorkspace(id);
    // L1 / D3: nothing starts in a workspace that is not ready or is being stopped.
    if (this.stopping.has(id) || w.status === 'deleting') throw new UserError(`"${w.branch}" is being deleted; nothing can be launched in it.`);
    if (w.status !== 'ready') throw new UserError(`"${w.branch}" is ${w.status === 'deletion_failed' ? 'half deleted' : w.status}; launch needs a ready workspace.`);
    if (!fs.existsSync(w.worktreePath)) throw new UserError(`The worktree ${w.worktreePath} is missing; recreate it first.`);
    const { targets } = this.targets();
    const target = targets.find((t) => t.key === targetKey);
    if (!target) throw new UserError(`Unknown launch target "${targetKey}". Available: ${targets.filter((t) => t.available).map((t) => t.key).join(', ')}.`);
    if (!target.available) throw new UserError(`${target.label} cannot be launched: ${target.reason}.`);

    // D3: from here on the launch is in flight; a delete that starts now waits for it, then stops it.
    const run = (async () => {
      await this.requireTmux();
      return this.launchNow(w, target);
    })();
    let set = this.inflight.get(id);
    if (!set) this.inflight.set(id, (set = new Set()));
    set.add(run);
    try {
      return await run;
    } finally {
      set.delete(run);
    }
  }

  private async launchNow(w: WorkspaceRecord, target: LaunchTarget, command = target.command, name?: string): Promise<SessionView> {
    const { tmux, store } = this.deps;
    // The last listing (one poll old at most) and the rows tell which names are taken;
    // a name taken since makes tmux refuse it, and a fresh listing picks another.
    let listing = this.listing;
    if (!listing?.serverRunning) listing = await this.listNow();
    const requested = name;
    let stamp: number;
    let started: { exitedImmediately: boolean; panePid?: number };
    for (let attempt = 0; ; attempt++) {
      name = requested ?? this.freeSessionName(w, target.key, listing);
      stamp = this.nextStamp();
      try {
        // L2: start, mark (in the same tmux call), then record.
        started = await tmux.newSession({ name, cwd: w.worktreePath, command, env: target.env, stamp });
        break;
      } catch (e) {
        if (requested !== undefined || attempt > 0 || !/duplicate session/i.test(message(e))) throw e;
        listing = await this.listNow();
      }
    }
    const record: SessionRecord = { name, workspaceId: w.id, targetKey: target.key, label: target.label, command, createdAt: stamp, lost: false };
    try {
      await store.write((tx) => {
        const current = tx.workspace(w.id);
        // A launch in flight when a delete began is recorded and stopped by that delete (D3); any other state refuses it.
        if (!current || (current.status !== 'ready' && current.status !== 'deleting')) throw new Error(`the workspace is ${current ? current.status : 'gone'}`);
        tx.upsertSession(record);
      });
    } catch (e) {
      await tmux.killOwned(name).catch((k) => this.deps.logger.error(`Could not stop ${name} after a failed record: ${message(k)}`));
      this.deps.logger.error(`Recording ${name} failed: ${message(e)}`);
      throw new UserError(`Launching ${target.label} failed: could not record the session in the database (${message(e)}). The tmux session was stopped.`);
    }
    // L3: it may already have exited; remove only the row just written. Its pane's
    // process answers that without another tmux call; a listing when its pid is unknown.
    let alive: LiveSession | undefined;
    if (started.panePid !== undefined) {
      if (!started.exitedImmediately && processAlive(started.panePid)) {
        alive = { name, owner: tmux.ownerId, createdStamp: stamp, createdAt: this.now, activityAt: this.now, panePid: started.panePid, paneDead: false, bell: false };
        this.noteLive(alive);
      }
    } else {
      alive = (await this.listNow()).sessions.find((s) => s.name === name && s.createdStamp === stamp && !s.paneDead);
    }
    if (!alive || started.exitedImmediately) {
      await store.write((tx) => tx.deleteSession(name!, stamp));
      if (alive) await tmux.killOwned(name);
      this.emitIfChanged(true);
      throw new UserError(`${target.label} exited right after it started (${command.join(' ')}). Open a shell session in the workspace and run it there to see why.`);
    }
    this.deps.logger.info(`Launched ${target.label} as ${name} in ${w.branch}.`);
    this.emitIfChanged(true);
    return { name, target: target.key, label: target.label, createdAt: stamp, state: this.stateOf(alive) };
  }

  /** A fresh listing, which becomes the live view. */
  private async listNow(): Promise<SessionListing> {
    const seq = ++this.listingSeq;
    const listing = await this.deps.tmux.list();
    this.useListing(listing, seq);
    return listing;
  }

  private freeSessionName(w: WorkspaceRecord, key: string, listing: SessionListing): string {
    const taken = new Set([...listing.sessions.map((s) => s.name), ...this.deps.store.sessions().map((s) => s.name)]);
    const base = `${w.baseSession}-${key}`;
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  /** R2: relaunch a session lost with the tmux server, with the agent's resume command where there is one. */
  async relaunchLost(id: string, sessionName: string): Promise<SessionView> {
    const w = this.requireWorkspace(id);
    const row = this.deps.store.sessions(id).find((s) => s.name === sessionName && s.lost);
    if (!row) throw new UserError(`There is no lost session ${sessionName} in "${w.branch}".`);
    const target = this.targets().targets.find((t) => t.key === row.targetKey)
      ?? { key: row.targetKey, label: row.label, command: row.command, source: 'configured' as const, available: true };
    if (w.status !== 'ready' || this.stopping.has(id)) throw new UserError(`"${w.branch}" is ${w.status}; launch needs a ready workspace.`);
    await this.requireTmux();
    await this.deps.store.write((tx) => tx.deleteSession(row.name, row.createdAt));
    return this.launchNow(w, target, target.resumeCommand ?? target.command, row.name);
  }

  // ── stop (S1) ────────────────────────────────────────────────────────────

  async stopSession(id: string, sessionName: string): Promise<void> {
    const w = this.requireWorkspace(id);
    const row = this.deps.store.sessions(id).find((s) => s.name === sessionName);
    if (!row) throw new UserError(`"${w.branch}" has no session ${sessionName}.`);
    // S1: the stored row finds it, whether or not this window has seen it live.
    if (!row.lost) {
      try {
        await this.deps.tmux.killOwned(sessionName);
      } catch (e) {
        if (!(e instanceof TmuxUnavailableError)) throw e;
      }
    }
    await this.deps.store.write((tx) => tx.deleteSession(sessionName));
    this.deps.logger.info(`Stopped ${sessionName} in ${w.branch}.`);
    // The live view drops it now; listing tmux again would only confirm what the kill did.
    if (this.listing) {
      const seq = ++this.listingSeq;
      this.useListing({ ...this.listing, sessions: this.listing.sessions.filter((s) => s.name !== sessionName) }, seq);
    }
    this.emitIfChanged(true);
  }

  /** A name the user gave a session, shown instead of its target's label; tmux is not involved. */
  async renameSession(id: string, sessionName: string, label: string): Promise<void> {
    const w = this.requireWorkspace(id);
    const text = label.trim();
    if (!text) throw new UserError('A session needs a name; it cannot be empty.');
    const renamed = await this.deps.store.write((tx) => {
      const row = tx.sessions(id).find((s) => s.name === sessionName);
      if (row) tx.upsertSession({ ...row, label: text });
      return row !== undefined;
    });
    if (!renamed) throw new UserError(`"${w.branch}" has no session ${sessionName}.`);
    this.emitIfChanged(true);
  }

  // ── delete (D1–D6) ───────────────────────────────────────────────────────

  /** D1: what a delete would refuse over; changes nothing. */
  async deletePreflight(id: string): Promise<{ dirtyFiles: string[] }> {
    const w = this.requireWorkspace(id);
    if (!fs.existsSync(w.worktreePath)) return { dirtyFiles: [] };
    // A folder git no longer lists as this repository's worktree is not ours to delete (nor to ask git about).
    if (!(await this.isOurWorktree(w))) {
      throw new UserError(`${w.worktreePath} is no longer a worktree of ${w.repoRoot}; it was left untouched. Use "Forget Workspace" to remove "${w.branch}" from the list.`);
    }
    return { dirtyFiles: await this.deps.git.dirtyFiles(w.worktreePath) };
  }

  private isOurWorktree(w: WorkspaceRecord): Promise<boolean> {
    return this.deps.git.isWorktreeOf(w.repoRoot, w.worktreePath);
  }

  async deleteWorkspace(id: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    const w = this.requireWorkspace(id);
    if (w.status === 'creating' && this.someoneWorksOn(w)) throw new UserError(`"${w.branch}" is still being set up; wait for it to finish or fail.`);
    if (w.status === 'deleting' && this.someoneWorksOn(w)) throw new UserError(`"${w.branch}" is already being deleted.`);
    return this.exclusive(`workspace:${id}`, async () => {
      // D1: refuse a dirty worktree before anything is stopped.
      const { dirtyFiles } = await this.deletePreflight(id);
      if (dirtyFiles.length && !options.force) return { deleted: false, dirtyFiles };
      this.stopping.add(id);
      try {
        return await this.withBusy(id, 'deleting', () => this.deleteNow(w, options, dirtyFiles.length > 0));
      } finally {
        this.stopping.delete(id);
      }
    });
  }

  private async deleteNow(w: WorkspaceRecord, options: DeleteOptions, dirtyAtPreflight: boolean): Promise<DeleteResult> {
    const { git, store } = this.deps;
    const progress = options.onProgress ?? (() => undefined);
    let step = 'recording the deletion';
    try {
      // D2: intent first.
      await store.write((tx) => tx.updateWorkspace(w.id, { status: 'deleting', error: undefined, opPid: this.pid }));
      this.emitIfChanged(true);
      // D3: launches already in flight finish, and are stopped below with the rest.
      await Promise.allSettled([...(this.inflight.get(w.id) ?? [])]);

      step = 'stopping its sessions';
      progress('Stopping sessions…');
      await this.stopAllSessions(w, { forgetRows: true });

      const result: DeleteResult = { deleted: true };
      if (fs.existsSync(w.worktreePath)) {
        // The preflight proved the folder is this repository's worktree (D1).
        const save = async () => {
          // D5: never destroy work silently.
          step = 'saving uncommitted changes';
          progress('Saving uncommitted changes…');
          const name = `${worktreeFolderName(w.branch)}-${new Date(this.now).toISOString().replace(/[:.]/g, '-')}`;
          result.savedChanges = await git.saveChanges(w.worktreePath, name, this.deps.savedChangesDir);
          this.deps.logger.info(`Saved ${result.savedChanges.files.length} changed file(s) of ${w.branch} to ${result.savedChanges.ref} and ${result.savedChanges.patchFile}.`);
        };
        if (dirtyAtPreflight) await save();
        step = 'removing the worktree';
        progress('Removing the worktree…');
        try {
          await git.removeWorktree(w.repoRoot, w.worktreePath, dirtyAtPreflight);
        } catch (e) {
          // git refuses to remove a worktree that changed since the preflight: save those changes too, then remove.
          if (dirtyAtPreflight || !/modified or untracked files|contains modified/i.test(message(e))) throw e;
          await save();
          step = 'removing the worktree';
          await git.removeWorktree(w.repoRoot, w.worktreePath, true);
        }
      } else {
        step = 'pruning the missing worktree';
        await git.pruneWorktrees(w.repoRoot);
      }

      step = 'applying the branch policy';
      const choice = options.branch ?? (this.deps.settings().deleteBranch === 'never' ? 'never' : 'merged');
      // D6: only a branch we made, and only when merged unless the user said otherwise.
      const state = w.createdBranch && choice !== 'never'
        ? await git.mergeState(w.repoRoot, w.branch, w.baseRef)
        : (await git.localBranchExists(w.repoRoot, w.branch)) ? 'unmerged' : 'missing';
      if (state !== 'missing') {
        const remove = w.createdBranch && (choice === 'delete' || (choice === 'merged' && state === 'merged'));
        // git refuses to delete a branch checked out in another worktree; it is then kept, and named.
        if (remove && (await git.deleteBranch(w.repoRoot, w.branch).then(() => true, () => false))) result.deletedBranch = w.branch;
        else result.keptBranch = w.branch;
      }

      step = 'forgetting the workspace';
      // D3: a launch from another window may have slipped in after the first sweep;
      // its row goes with the workspace's.
      await this.stopAllSessions(w, { forgetRows: false });
      await store.write((tx) => tx.deleteWorkspace(w.id));
      this.statsCache.delete(w.id);
      this.deps.logger.info(`Deleted workspace ${w.branch} (${w.id}).`);
      this.emitIfChanged(true);
      return result;
    } catch (e) {
      // D4: the row says what failed; a retry resumes.
      const msg = `${step}: ${message(e)}`;
      await store.write((tx) => {
        if (tx.workspace(w.id)) tx.updateWorkspace(w.id, { status: 'deletion_failed', error: msg, opPid: undefined });
      }).catch(() => undefined);
      this.deps.logger.error(`Deleting ${w.branch} failed while ${msg}`);
      throw new UserError(`Deleting "${w.branch}" failed while ${msg} Retry the delete to finish it.`, e instanceof Error ? e.stack : undefined);
    }
  }

  /** Kills every session of the workspace that carries our marker: recorded, base, and any launched meanwhile. */
  private async stopAllSessions(w: WorkspaceRecord, options: { forgetRows: boolean }): Promise<void> {
    const { tmux, store } = this.deps;
    let listing: SessionListing | undefined;
    try {
      listing = await tmux.list();
    } catch (e) {
      // D4: without tmux there is nothing running to stop.
      if (!(e instanceof TmuxUnavailableError)) throw e;
    }
    if (listing) {
      const names = new Set([w.baseSession, ...store.sessions(w.id).map((s) => s.name)]);
      for (const l of listing.sessions) if (l.name.startsWith(`${w.baseSession}-`) && l.owner === tmux.ownerId) names.add(l.name);
      const live = new Set(listing.sessions.map((l) => l.name));
      await tmux.killAllOwned([...names].filter((n) => live.has(n)));
      this.useListing({ ...listing, sessions: listing.sessions.filter((l) => !names.has(l.name)) }, ++this.listingSeq);
    }
    if (options.forgetRows && store.sessions(w.id).length) {
      await store.write((tx) => {
        for (const s of tx.sessions(w.id)) tx.deleteSession(s.name);
      });
    }
  }

  // ── missing worktrees (R4) ───────────────────────────────────────────────

  /** R4: forgets a workspace whose worktree is gone (or cannot be finished): stops its sessions, deletes no file, keeps the branch. */
  async forgetWorkspace(id: string): Promise<void> {
    const w = this.requireWorkspace(id);
    // A half-made or half-deleted workspace may be forgotten too, and so may one whose folder is no longer its worktree.
    if (fs.existsSync(w.worktreePath) && w.status !== 'error' && w.status !== 'deletion_failed' && (await this.isOurWorktree(w))) {
      throw new UserError(`The worktree of "${w.branch}" still exists at ${w.worktreePath}; delete the workspace instead.`);
    }
    await this.exclusive(`workspace:${id}`, async () => {
      await this.stopAllSessions(w, { forgetRows: false });
      await this.deps.store.write((tx) => tx.deleteWorkspace(id));
      if (!fs.existsSync(w.worktreePath)) await this.deps.git.pruneWorktrees(w.repoRoot).catch(() => undefined);
    });
    this.deps.logger.info(`Forgot workspace ${w.branch} (${id}).`);
    await this.reconcile();
  }

  /** Recreates the worktree of a workspace whose folder is gone, on the same branch. */
  recreateWorkspace(id: string, options: OperationOptions = {}): Promise<WorkspaceView> {
    return this.retrySetup(id, options);
  }

  // ── re-adoption after a lost database (SPEC §4) ──────────────────────────

  /**
   * Rebuilds rows for worktrees and sessions provably ours: a worktree whose
   * private git folder holds our marker, found through our base sessions'
   * @wts_worktree and the given repositories' worktree lists.
   */
  async readopt(candidateRepos: readonly string[]): Promise<string[]> {
    const { git, tmux, store } = this.deps;
    let listing: SessionListing = { serverRunning: false, sessions: [] };
    try {
      listing = await tmux.list();
    } catch { /* tmux absent: worktrees can still be adopted */ }
    const worktreePaths = new Set<string>();
    for (const s of listing.sessions) if (s.owner === tmux.ownerId && s.worktree) worktreePaths.add(s.worktree);
    for (const repo of candidateRepos) {
      try {
        for (const e of await git.worktrees(repo)) worktreePaths.add(e.path);
      } catch { /* not a repository any more */ }
    }
    const adopted: string[] = [];
    for (const wt of worktreePaths) {
      const marker = readMarker(wt);
      if (!marker || marker.ownerId !== tmux.ownerId) continue;
      const sessions = listing.sessions.filter((s) => s.owner === tmux.ownerId && s.name.startsWith(`wts-${marker.id}-`) && s.createdStamp !== undefined);
      const did = await store.write((tx) => {
        if (tx.workspace(marker.id) || tx.workspaceByBranch(marker.repoRoot, marker.branch)) return false;
        tx.insertWorkspace({
          id: marker.id, repoRoot: marker.repoRoot, worktreePath: wt, branch: marker.branch, baseRef: marker.baseRef,
          createdBranch: marker.createdBranch, baseSession: `wts-${marker.id}`, status: 'ready', createdAt: marker.createdAt, updatedAt: this.now,
        });
        for (const s of sessions) {
          const key = s.name.slice(`wts-${marker.id}-`.length).replace(/-\d+$/, '');
          tx.upsertSession({ name: s.name, workspaceId: marker.id, targetKey: key, label: key, command: [], createdAt: s.createdStamp!, lost: false });
        }
        return true;
      });
      if (did) {
        adopted.push(marker.id);
        this.deps.logger.info(`Re-adopted workspace ${marker.branch} (${marker.id}) at ${wt} with ${sessions.length} session(s).`);
      }
    }
    if (adopted.length) await this.reconcile();
    return adopted;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.exitWatch?.abort.abort();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

function readMarker(worktree: string): OwnershipMarker | undefined {
  try {
    const dotGit = fs.readFileSync(path.join(worktree, '.git'), 'utf8');
    const m = /^gitdir:\s*(.+)$/m.exec(dotGit);
    if (!m) return undefined;
    const gitDir = path.resolve(worktree, m[1].trim());
    return JSON.parse(fs.readFileSync(path.join(gitDir, MARKER_FILE), 'utf8')) as OwnershipMarker;
  } catch {
    return undefined;
  }
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return path.resolve(a) === path.resolve(b) || norm(a) === norm(b);
}

