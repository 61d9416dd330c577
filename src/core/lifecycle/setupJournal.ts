import type { SetupEvent, SetupStep } from '../model';
import type { StoreTx } from '../store';
import type { LifecycleContext } from './context';

/**
 * C3: the setup steps of one create, recorded as events. They are kept until
 * the next write of the workspace row, since each write costs an fsync.
 */
export class SetupJournal {
  private pending: SetupEvent[] = [];

  constructor(private readonly ctx: LifecycleContext, private readonly workspaceId: string) {}

  record(step: SetupStep, outcome: SetupEvent['outcome'], message?: string): void {
    this.pending.push({ workspaceId: this.workspaceId, at: this.ctx.now, step, outcome, message });
  }

  /** Writes the recorded events, with `also` in the same transaction. */
  async flush(also: (tx: StoreTx) => void = () => undefined): Promise<void> {
    const events = this.pending;
    this.pending = [];
    const id = this.workspaceId;
    await this.ctx.deps.store.write((tx) => {
      if (!tx.workspace(id)) return;
      for (const e of events) tx.addEvent(e);
      also(tx);
    });
  }
}
