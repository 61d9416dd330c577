import { UserError, type SessionRecord, type WorkspaceRecord } from '../model';
import { TmuxUnavailableError } from '../tmux';
import { serverListening, tmuxSocketPath } from '../tmuxServer';
import type { SessionListing } from '../tmuxParse';
import type { LifecycleContext } from './context';

/** Sessions that may still run but cannot be stopped: tmux cannot be started while its server runs. */
export class SessionsBeyondReachError extends UserError {}

/** Whether the extension's tmux server still runs, asked without tmux (which could not be started). */
function serverStillRunning(ctx: LifecycleContext): Promise<boolean> {
  return serverListening(tmuxSocketPath(ctx.env, ctx.deps.tmux.socket));
}

function beyondReach(ctx: LifecycleContext, cause: TmuxUnavailableError, names: string[], what: string): SessionsBeyondReachError {
  return new SessionsBeyondReachError(
    `${cause.message} Its server (socket "${ctx.deps.tmux.socket}") is still running, so ${names.join(', ')} may still be running; ${what}`,
  );
}

/** S1: kills the session and forgets its row; the stored row finds it even when this window never saw it live. */
export async function stopSession(ctx: LifecycleContext, id: string, sessionName: string): Promise<void> {
  const { tmux, store, logger } = ctx.deps;
  const w = ctx.requireWorkspace(id);
  const row = store.sessions(id).find((s) => s.name === sessionName);
  if (!row) throw new UserError(`"${w.branch}" has no session ${sessionName}.`);
  let stopped = 'Stopped';
  // S1: the kill and the row's removal run together; a session that could not be stopped gets its row back.
  const forgetting = store.write((tx) => tx.deleteSession(sessionName));
  if (!row.lost) {
    try {
      await tmux.killOwned(sessionName);
    } catch (e) {
      // D4: without tmux and without its server nothing can be running, and the row goes.
      if (!(e instanceof TmuxUnavailableError) || (await serverStillRunning(ctx))) {
        // S1: a session we could not stop keeps its row, so a later stop (or R3) can still find it.
        await restoreRow(ctx, row, forgetting);
        if (e instanceof TmuxUnavailableError) throw beyondReach(ctx, e, [sessionName], 'it was not stopped and is still listed. Make tmux available again, then stop it.');
        throw e;
      }
      stopped = 'Forgot (no tmux server is running)';
    }
  }
  await forgetting;
  logger.info(`${stopped} ${sessionName} in ${w.branch}.`);
  ctx.live.removeStopped(new Set([sessionName]));
  ctx.live.emitIfChanged(true);
}

/** S1: puts back the row of a session the stop could not kill, unless a newer launch took its name meanwhile. */
async function restoreRow(ctx: LifecycleContext, row: SessionRecord, forgetting: Promise<unknown>): Promise<void> {
  // A removal that failed left the row where it was.
  if (!(await forgetting.then(() => true, () => false))) return;
  await ctx.deps.store.write((tx) => {
    if (!tx.sessions(row.workspaceId).some((s) => s.name === row.name)) tx.upsertSession(row);
  });
}

/**
 * D1 for item 12: the reason a delete must not start, when tmux cannot be
 * started but its server still runs (the workspace's sessions would keep
 * running in a removed folder); no reason when its sessions can be stopped.
 * The listing it took is lent to the delete's first stop (issue 14).
 */
export async function sessionsBeyondReach(ctx: LifecycleContext, w: WorkspaceRecord): Promise<{ reason?: string; listing?: SessionListing }> {
  try {
    return { listing: await ctx.deps.tmux.list() };
  } catch (e) {
    // Other tmux failures surface when the delete stops the sessions (D4).
    if (!(e instanceof TmuxUnavailableError) || !(await serverStillRunning(ctx))) return {};
    return { reason: beyondReach(ctx, e, knownSessions(ctx, w), 'they were not stopped and nothing was removed. Make tmux available again, then delete again.').message };
  }
}

function knownSessions(ctx: LifecycleContext, w: WorkspaceRecord): string[] {
  return [w.baseSession, ...ctx.deps.store.sessions(w.id).filter((s) => !s.lost).map((s) => s.name)];
}

/**
 * Kills every session of the workspace that carries our marker: recorded, base,
 * and any launched meanwhile. `listing`: one taken just before, when the caller
 * has one (a session started after it is found by a later sweep).
 */
export async function stopAllSessions(ctx: LifecycleContext, w: WorkspaceRecord, options: { forgetRows: boolean; listing?: SessionListing }): Promise<void> {
  const { tmux, store } = ctx.deps;
  try {
    const listing = options.listing ?? (await tmux.list());
    const names = new Set([w.baseSession, ...store.sessions(w.id).map((s) => s.name)]);
    for (const l of listing.sessions) if (l.name.startsWith(`${w.baseSession}-`) && l.owner === tmux.ownerId) names.add(l.name);
    const live = new Set(listing.sessions.map((l) => l.name));
    await tmux.killAllOwned([...names].filter((n) => live.has(n)));
    ctx.live.removeStopped(names, listing);
  } catch (e) {
    if (!(e instanceof TmuxUnavailableError)) throw e;
    // D4: without tmux and without its server, nothing runs that could be stopped; with the server, the rows stay (item 12).
    if (await serverStillRunning(ctx)) throw beyondReach(ctx, e, knownSessions(ctx, w), 'they were not stopped. Make tmux available again, then retry.');
  }
  if (options.forgetRows && store.sessions(w.id).length) {
    await store.write((tx) => {
      for (const s of tx.sessions(w.id)) tx.deleteSession(s.name);
    });
  }
}

/** A name the user gave a session, shown instead of its target's label; tmux is not involved. */
export async function renameSession(ctx: LifecycleContext, id: string, sessionName: string, label: string): Promise<void> {
  const w = ctx.requireWorkspace(id);
  const text = label.trim();
  if (!text) throw new UserError('A session needs a name; it cannot be empty.');
  const renamed = await ctx.deps.store.write((tx) => {
    const row = tx.sessions(id).find((s) => s.name === sessionName);
    if (row) tx.upsertSession({ ...row, label: text });
    return row !== undefined;
  });
  if (!renamed) throw new UserError(`"${w.branch}" has no session ${sessionName}.`);
  ctx.live.emitIfChanged(true);
}
