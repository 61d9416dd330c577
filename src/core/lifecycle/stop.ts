import { UserError, type WorkspaceRecord } from '../model';
import { TmuxUnavailableError } from '../tmux';
import type { SessionListing } from '../tmuxParse';
import type { LifecycleContext } from './context';

/** S1: kills the session and forgets its row; the stored row finds it even when this window never saw it live. */
export async function stopSession(ctx: LifecycleContext, id: string, sessionName: string): Promise<void> {
  const { tmux, store, logger } = ctx.deps;
  const w = ctx.requireWorkspace(id);
  const row = store.sessions(id).find((s) => s.name === sessionName);
  if (!row) throw new UserError(`"${w.branch}" has no session ${sessionName}.`);
  if (!row.lost) {
    try {
      await tmux.killOwned(sessionName);
    } catch (e) {
      if (!(e instanceof TmuxUnavailableError)) throw e;
    }
  }
  await store.write((tx) => tx.deleteSession(sessionName));
  logger.info(`Stopped ${sessionName} in ${w.branch}.`);
  ctx.live.removeStopped(new Set([sessionName]));
  ctx.live.emitIfChanged(true);
}

/** Kills every session of the workspace that carries our marker: recorded, base, and any launched meanwhile. */
export async function stopAllSessions(ctx: LifecycleContext, w: WorkspaceRecord, options: { forgetRows: boolean }): Promise<void> {
  const { tmux, store } = ctx.deps;
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
    ctx.live.removeStopped(names, listing);
  }
  if (options.forgetRows && store.sessions(w.id).length) {
    await store.write((tx) => {
      for (const s of tx.sessions(w.id)) tx.deleteSession(s.name);
    });
  }
}
