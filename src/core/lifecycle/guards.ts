import type { WorkspaceRecord } from '../model';
import { isSameProcessAlive } from '../process/liveness';

/**
 * What this window is doing to each workspace, and the order it does it in:
 * one operation at a time per key, the busy spinner, the stopping marker of a
 * delete and the launches in flight (D3).
 */
export class WorkspaceGuards {
  /** The tail of each key's queue of operations. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Workspaces this window is working on (spinning icon), with what it does. */
  private readonly busy = new Map<string, string>();
  /** D3: workspaces whose delete is under way in this window. */
  private readonly stopping = new Set<string>();
  /** D3: launches in flight, per workspace. */
  private readonly launches = new Map<string, Set<Promise<unknown>>>();

  constructor(private readonly pid: number, private readonly pidStartTime: string | undefined, private readonly onBusyChange: () => void) {}

  /** Runs `fn` after every operation queued earlier under `key` in this window has settled. */
  inTurn<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  isBusy(id: string): boolean {
    return this.busy.has(id);
  }

  async whileBusy<T>(id: string, what: string, fn: () => Promise<T>): Promise<T> {
    this.busy.set(id, what);
    this.onBusyChange();
    try {
      return await fn();
    } finally {
      this.busy.delete(id);
      this.onBusyChange();
    }
  }

  isStopping(id: string): boolean {
    return this.stopping.has(id);
  }

  /** D3: the stopping marker spans `fn`, the whole delete. */
  async whileStopping<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.stopping.add(id);
    try {
      return await fn();
    } finally {
      this.stopping.delete(id);
    }
  }

  /** D3: a launch is in flight from here until it settles; a delete waits for it. */
  async trackLaunch<T>(id: string, launch: Promise<T>): Promise<T> {
    let set = this.launches.get(id);
    if (!set) this.launches.set(id, (set = new Set()));
    set.add(launch);
    try {
      return await launch;
    } finally {
      set.delete(launch);
      if (!set.size && this.launches.get(id) === set) this.launches.delete(id);
    }
  }

  /** D3: resolves once every launch in flight for the workspace has settled. */
  async launchesSettled(id: string): Promise<void> {
    await Promise.allSettled([...(this.launches.get(id) ?? [])]);
  }

  /** The pid of the row's setup command when it still runs (its window may be gone). */
  setupStillRunning(w: WorkspaceRecord): number | undefined {
    if (!w.setupProcess) return undefined;
    const [pid, startTime] = w.setupProcess.split(':');
    const id = { pid: Number(pid), startTime: startTime || undefined };
    return isSameProcessAlive(id) ? id.pid : undefined;
  }

  /** Whether a create or delete recorded on the row is still being worked on, here or by another window (R1). */
  operationAlive(w: WorkspaceRecord): boolean {
    if (w.opPid === undefined) return false;
    if (w.opPid === this.pid && (w.opStartTime === undefined || w.opStartTime === this.pidStartTime)) return this.busy.has(w.id);
    // Issue 8: a pid now used by an unrelated process is not the window that wrote it.
    return isSameProcessAlive({ pid: w.opPid, startTime: w.opStartTime });
  }
}
