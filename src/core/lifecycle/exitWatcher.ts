import type { Disposable } from '../event';
import type { LifecycleContext } from './context';
import { errorMessage } from './types';

/**
 * Each listing forks a process from the extension host; once a second cost
 * about 1 % of a core with 100 sessions (`npm run bench`), so the poll only
 * keeps activity states fresh and exits arrive through the tmux hook.
 */
const DEFAULT_POLL_MS = 2_000;

/**
 * S2: notices exits. The tmux server wakes a waiting tmux process when a
 * session closes (or a bell rings: "waiting for input") and a reconciliation
 * follows at once; a listing every poll interval is the fallback, and keeps
 * activity states fresh.
 */
export class ExitWatcher {
  private timer?: NodeJS.Timeout;
  private watch?: { socket: string; abort: AbortController };
  private disposed = false;
  private started = false;
  private viewChanges?: Disposable;

  constructor(private readonly ctx: LifecycleContext) {}

  start(): void {
    this.started = true;
    // A poll interval of 0 turns the poll off: exits then arrive only through the hook.
    if ((this.ctx.deps.pollIntervalMs ?? DEFAULT_POLL_MS) > 0) this.schedule();
    // After the caller has its report: forking the watcher need not delay activation.
    setImmediate(() => this.ensureWatching());
    // A server this window starts later (its first launch, a base terminal) is hooked once the
    // view shows it, not at the next reconciliation, which with the poll off may not come.
    this.viewChanges = this.ctx.live.onDidChange(() => this.ensureWatching());
  }

  private schedule(): void {
    if (this.disposed) return;
    const { store } = this.ctx.deps;
    this.timer = setTimeout(async () => {
      try {
        if (store.workspaces().length || this.ctx.live.current?.sessions.length) await this.ctx.reconcile();
        else if (store.refresh()) this.ctx.live.emitIfChanged(true);
      } catch (e) {
        this.ctx.deps.logger.warn(`Reconciliation failed: ${errorMessage(e)}`);
      }
      // §8: at most every 30 s, only panes that changed.
      void this.ctx.signals.saveScrollback();
      // A watch that failed (no server yet, tmux restarted, socket changed) is retried once per tick.
      this.ensureWatching();
      this.schedule();
    }, this.ctx.deps.pollIntervalMs ?? DEFAULT_POLL_MS);
    this.timer.unref?.();
  }

  /** Starts waiting on the hook unless a wait is under way; a no-op while no server runs. */
  ensureWatching(): void {
    const { tmux } = this.ctx.deps;
    if (this.watch && this.watch.socket !== tmux.socket) this.watch.abort.abort();
    if (!this.started || this.disposed || this.watch || !this.ctx.live.current?.serverRunning) return;
    const watch = { socket: tmux.socket, abort: new AbortController() };
    this.watch = watch;
    void tmux.waitForChange(watch.abort.signal).then((woken) => {
      if (this.watch === watch) this.watch = undefined;
      if (this.disposed || watch.abort.signal.aborted) return;
      // Waiting again before listing: an exit while the listing runs is not missed.
      // A failed wait (the server went away) is retried by the next tick, not here.
      if (woken) this.ensureWatching();
      this.ctx.reconcile().catch((e) => this.ctx.deps.logger.warn(`Reconciliation failed: ${errorMessage(e)}`));
    });
  }

  dispose(): void {
    this.disposed = true;
    this.viewChanges?.dispose();
    clearTimeout(this.timer);
    this.watch?.abort.abort();
  }
}
