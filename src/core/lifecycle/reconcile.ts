import type { SessionRecord } from '../model';
import { isOwnSessionName } from '../tmux';
import type { SessionListing } from '../tmuxParse';
import type { LifecycleContext } from './context';
import { errorMessage, type ReconcileReport } from './types';

/**
 * R1–R5 in one pass: one tmux listing, no git calls. Safe to run at any time;
 * every removal it makes is conditional on the generation it saw.
 */
export class Reconciler {
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: LifecycleContext) {}

  reconcile(): Promise<ReconcileReport> {
    // Serialised: a caller that asks while a pass runs gets a fresh pass after it, never a stale answer.
    const run = this.running.then(() => this.reconcileNow());
    this.running = run.catch(() => undefined);
    return run;
  }

  private async reconcileNow(): Promise<ReconcileReport> {
    const { ctx } = this;
    const { store, tmux } = ctx.deps;
    const report: ReconcileReport = { interrupted: [], pruned: [], lost: [], orphansKilled: [] };
    store.refresh();
    // S2: a listing can only judge rows recorded before it began; a launch that
    // records itself while tmux is being listed is not in this listing.
    const rowsBefore = store.sessions();
    const begun = ctx.live.beginListing();
    let listing: SessionListing | undefined;
    try {
      listing = await tmux.list();
      ctx.live.tmuxError = undefined;
    } catch (e) {
      // Without a listing nothing can be judged gone: keep every row (D4: the rest still works).
      ctx.live.tmuxError = errorMessage(e);
      report.tmuxError = ctx.live.tmuxError;
    }
    ctx.live.show(listing, begun);

    await this.markInterrupted(report);
    if (listing) {
      await this.forgetEnded(listing, rowsBefore, report);
      report.orphansKilled = await this.reapOrphans(listing);
      // §8: screen rules only for panes that wrote something since their last check (none: no tmux call).
      await ctx.signals.afterListing(listing);
    }
    ctx.live.emitIfChanged(false);
    return report;
  }

  /** R1: a create or delete whose window is gone will never finish by itself. */
  private async markInterrupted(report: ReconcileReport): Promise<void> {
    const { store } = this.ctx.deps;
    const { guards } = this.ctx;
    const interrupted = store.workspaces().filter((w) => (w.status === 'creating' || w.status === 'deleting') && !guards.operationAlive(w));
    if (!interrupted.length) return;
    await store.write((tx) => {
      for (const w of interrupted) {
        const now = tx.workspace(w.id);
        if (!now || now.status !== w.status || guards.operationAlive(now)) continue;
        const setupPid = now.status === 'creating' ? guards.setupStillRunning(now) : undefined;
        tx.updateWorkspace(w.id, setupPid !== undefined
          ? { status: 'error', error: `The window that created it closed, but its setup command (process ${setupPid}) is still running in ${now.worktreePath}. Wait for it to finish, or end it, then retry setup.`, opPid: undefined }
          : now.status === 'creating'
          ? { status: 'error', error: 'Setup was interrupted (the window closed or crashed). Retry setup or delete the workspace.', opPid: undefined }
          : { status: 'deletion_failed', error: 'Deletion was interrupted (the window closed or crashed). Retry the delete to finish it.', opPid: undefined });
        report.interrupted.push(w.id);
      }
    });
  }

  /** S2 and R2: rows whose session ended leave; rows whose server was lost are remembered for relaunch. */
  private async forgetEnded(listing: SessionListing, rowsBefore: SessionRecord[], report: ReconcileReport): Promise<void> {
    const { store, tmux } = this.ctx.deps;
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
    const deadPanes = listing.sessions.filter((l) => l.paneDead && l.owner === tmux.ownerId && isOwnSessionName(l.name));
    for (const l of deadPanes) await tmux.killOwned(l.name);
    if (!gone.length && !lost.length) return;
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

  /** R3: marked ours, but no row claims it. Sessions without our marker are never touched. */
  private async reapOrphans(listing: SessionListing): Promise<string[]> {
    if (this.ctx.orphansOnHold) return [];
    const { store, tmux, logger } = this.ctx.deps;
    const claimed = () => new Set<string>([...store.workspaces().map((w) => w.baseSession), ...store.sessions().map((s) => s.name)]);
    const grace = this.ctx.deps.orphanGraceMs ?? 30_000;
    const before = claimed();
    const candidates = listing.sessions.filter((l) =>
      l.owner === tmux.ownerId && isOwnSessionName(l.name) && !before.has(l.name)
      // L2: a launch marks its session before recording it; give it time to record.
      && this.ctx.now - (l.createdStamp ?? l.createdAt) > grace);
    if (!candidates.length) return [];
    // Another window may have recorded them since our last read.
    store.refresh();
    const recheck = claimed();
    const killed: string[] = [];
    for (const l of candidates) {
      if (recheck.has(l.name)) continue;
      await tmux.killOwned(l.name);
      logger.info(`Killed orphaned tmux session ${l.name} (marked as ours, no record).`);
      killed.push(l.name);
    }
    return killed;
  }
}
