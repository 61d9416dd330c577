import fs from 'node:fs';
import { watchesNotifications, wireCommand, wireEnv } from '../agents/wiring';
import { UserError, type LaunchTarget, type SessionRecord, type SessionView, type WorkspaceRecord } from '../model';
import { isSameProcessAlive } from '../process/liveness';
import type { LiveSession, SessionListing } from '../tmuxParse';
import type { LifecycleContext } from './context';
import { relaunchCommand } from './relaunchCommand';
import { sessionWorkspaceEnv } from './repoSetup';
import { errorMessage } from './types';

/** How often a launch picks another name when tmux says the one it chose was taken meanwhile. */
const NAME_ATTEMPTS = 8;

/** L1–L3: starts a launch target in a ready workspace and records that the session is ours. */
export async function launch(ctx: LifecycleContext, id: string, targetKey: string): Promise<SessionView> {
  const w = ctx.requireWorkspace(id);
  // L1 / D3: nothing starts in a workspace that is not ready or is being stopped.
  if (ctx.guards.isStopping(id) || w.status === 'deleting') throw new UserError(`"${w.branch}" is being deleted; nothing can be launched in it.`);
  if (w.status !== 'ready') throw new UserError(`"${w.branch}" is ${w.status === 'deletion_failed' ? 'half deleted' : w.status}; launch needs a ready workspace.`);
  if (!fs.existsSync(w.worktreePath)) throw new UserError(`The worktree ${w.worktreePath} is missing; recreate it first.`);
  const { targets } = ctx.targets();
  const target = targets.find((t) => t.key === targetKey);
  if (!target) throw new UserError(`Unknown launch target "${targetKey}". Available: ${targets.filter((t) => t.available).map((t) => t.key).join(', ')}.`);
  if (!target.available) throw new UserError(`${target.label} cannot be launched: ${target.reason}.`);

  // D3: from here on the launch is in flight; a delete that starts now waits for it, then stops it.
  return ctx.guards.trackLaunch(id, (async () => {
    await ctx.requireTmux();
    return startSession(ctx, w, target);
  })());
}

/** R2: relaunch a session lost with the tmux server, with the agent's resume command where there is one. */
export async function relaunchLost(ctx: LifecycleContext, id: string, sessionName: string): Promise<SessionView> {
  const w = ctx.requireWorkspace(id);
  const row = ctx.deps.store.sessions(id).find((s) => s.name === sessionName && s.lost);
  if (!row) throw new UserError(`There is no lost session ${sessionName} in "${w.branch}".`);
  const target = ctx.targets().targets.find((t) => t.key === row.targetKey)
    ?? { key: row.targetKey, label: row.label, command: row.command, source: 'configured' as const, available: true };
  if (w.status !== 'ready' || ctx.guards.isStopping(id)) throw new UserError(`"${w.branch}" is ${w.status}; launch needs a ready workspace.`);
  await ctx.requireTmux();
  const replay = takeScrollback(ctx, row.name);
  // R2: the lost row stays until the new session's row (same name) replaces it; a relaunch that fails leaves it, to retry or forget.
  return ctx.guards.trackLaunch(id, startSession(ctx, w, target, relaunchCommand(target, row), row.name, replay).catch(async (e: unknown) => {
    await keepLost(ctx, row, replay);
    throw e;
  }));
}

/** R2: after a failed relaunch the session is lost as before, with its scrollback unless the pane already printed it. */
async function keepLost(ctx: LifecycleContext, row: SessionRecord, replay: string | undefined): Promise<void> {
  if (replay) {
    try {
      fs.renameSync(replay, ctx.signals.scrollbackFile(row.name));
    } catch {
      // The pane printed and removed it: there is nothing to put back.
    }
  }
  // L3 removed the row of a relaunch that exited at once; another window may have launched under the name since.
  await ctx.deps.store.write((tx) => {
    if (tx.workspace(row.workspaceId) && !tx.sessions().some((s) => s.name === row.name)) tx.upsertSession(row);
  }).catch((e: unknown) => ctx.deps.logger.error(`Could not keep ${row.name} as lost after its relaunch failed: ${errorMessage(e)}`));
}

/**
 * §8: the lost session's saved scrollback, moved out of the way of the
 * sweep that removes files without a row; the relaunched pane prints it,
 * then removes it.
 */
function takeScrollback(ctx: LifecycleContext, name: string): string | undefined {
  const saved = ctx.signals.scrollbackFile(name);
  const replay = saved.replace(/\.txt$/, '.replay');
  try {
    fs.renameSync(saved, replay);
    return replay;
  } catch {
    return undefined;
  }
}

/**
 * What the session's process runs: the agent's own argv with its state
 * wiring (§8), behind a shell that first prints the saved scrollback when
 * there is one. Everything stays argv: the file and the command are
 * arguments of that shell, never part of its script.
 */
function processArgv(ctx: LifecycleContext, target: LaunchTarget, command: string[], replay: string | undefined): string[] {
  const wired = wireCommand(target.key, command, ctx.agentFiles());
  return replay ? ['/bin/sh', '-c', 'cat -- "$1"; rm -f -- "$1"; shift; exec "$@"', 'wts-replay', replay, ...wired] : wired;
}

/** §8: every session can report its state with one line, "$WTS_STATE_HOOK" <state>; the target's own env cannot replace these. */
function sessionEnv(ctx: LifecycleContext, w: WorkspaceRecord, target: LaunchTarget, name: string, stamp: number): Record<string, string> {
  const files = ctx.agentFiles();
  const settings = ctx.deps.settings();
  return {
    ...wireEnv(target.key, files),
    ...target.env,
    // §9: WTS_WORKSPACE_ID, WTS_BRANCH, …, WTS_PORT and the repository file's env.
    ...sessionWorkspaceEnv(ctx, w),
    ...(files ? { WTS_STATE_HOOK: files.stateHook } : {}),
    WTS_TMUX: settings.tmuxPath || 'tmux',
    WTS_SOCKET: ctx.deps.tmux.socket,
    WTS_SESSION: name,
    WTS_GENERATION: String(stamp),
  };
}

/** §8: OSC 9 / 777 notifications of agents whose hooks do not say when they wait. */
function oscWatch(ctx: LifecycleContext, target: LaunchTarget): { watchNotifications?: { hook: string; tmux: string } } {
  const files = ctx.agentFiles();
  if (!files || !watchesNotifications(target.key)) return {};
  return { watchNotifications: { hook: files.stateHook, tmux: ctx.deps.settings().tmuxPath || 'tmux' } };
}

async function startSession(ctx: LifecycleContext, w: WorkspaceRecord, target: LaunchTarget, command = target.command, requested?: string, replay?: string): Promise<SessionView> {
  const { tmux, store, logger } = ctx.deps;
  const reserved = ctx.namesBeingStarted;
  // The last listing (one poll old at most), the rows and the names other launches
  // of this window are choosing tell which names are taken; a name taken since
  // (by another window) makes tmux refuse it, and a fresh listing picks another.
  let listing = ctx.live.current;
  if (!listing?.serverRunning) listing = await ctx.live.listNow();
  let name = '';
  let stamp = 0;
  let started: { exitedImmediately: boolean; panePid?: number } | undefined;
  try {
    for (let attempt = 1; !started; attempt++) {
      name = requested ?? freeSessionName(ctx, w, target.key, listing, reserved);
      // Reserved until the launch is settled: this window's reconciliation leaves the row of a launch in flight alone.
      reserved.add(name);
      stamp = ctx.nextStamp();
      const row: SessionRecord = { name, workspaceId: w.id, targetKey: target.key, label: target.label, command, createdAt: stamp, lost: false };
      // L2: tmux starts the session and marks it ours in one call while the row is
      // recorded, each side undone if the other fails; until tmux lists the session,
      // reconciliation treats the young row as a launch in flight (reconcile.ts).
      const starting = tmux.newSession({
        name, cwd: w.worktreePath, stamp, launcher: ctx.windowId,
        command: processArgv(ctx, target, command, replay),
        env: sessionEnv(ctx, w, target, name, stamp),
        ...oscWatch(ctx, target),
      });
      const beforeRecord = ctx.deps.seams?.beforeRecord;
      // R2: a relaunch asks for the lost session's own name, and its row takes the lost one's place.
      const replacesLost = requested !== undefined;
      const recording = beforeRecord ? Promise.resolve(beforeRecord(name)).then(() => record(ctx, w, row, replacesLost)) : record(ctx, w, row, replacesLost);
      const [tmuxSide, rowSide] = await Promise.allSettled([starting, recording]);
      if (tmuxSide.status === 'rejected') {
        // L2: no row without its session: the one just written goes (only that generation).
        if (rowSide.status === 'fulfilled' && rowSide.value === 'recorded') await forgetRow(ctx, name, stamp);
        const e: unknown = tmuxSide.reason;
        reserved.delete(name);
        if (requested !== undefined || attempt >= NAME_ATTEMPTS || !/duplicate session/i.test(errorMessage(e))) throw e;
        listing = await ctx.live.listNow();
        continue;
      }
      if (rowSide.status === 'fulfilled' && rowSide.value === 'recorded') {
        started = tmuxSide.value;
        break;
      }
      // L2: a session whose row could not be written is killed.
      await tmux.killOwned(name).catch((k) => logger.error(`Could not stop ${name} after a failed record: ${errorMessage(k)}`));
      reserved.delete(name);
      if (rowSide.status === 'rejected') {
        const e: unknown = rowSide.reason;
        logger.error(`Recording ${name} failed: ${errorMessage(e)}`);
        throw new UserError(`Launching ${target.label} failed: could not record the session in the database (${errorMessage(e)}). The tmux session was stopped.`);
      }
      // Another window recorded this name meanwhile: its row stays, and this launch picks another name.
      if (requested !== undefined || attempt >= NAME_ATTEMPTS) throw new UserError(`Launching ${target.label} failed: another window took the session name ${name} meanwhile. Try again.`);
      listing = await ctx.live.listNow();
    }
    await ctx.deps.seams?.launchStarted?.(name);
    // L3: it may already have exited; remove only the row just written. Its pane's
    // process answers that without another tmux call; a listing when its pid is unknown.
    let alive: LiveSession | undefined;
    if (started.panePid !== undefined) {
      if (!started.exitedImmediately && isSameProcessAlive({ pid: started.panePid })) {
        alive = { name, owner: tmux.ownerId, createdStamp: stamp, createdAt: ctx.now, activityAt: ctx.now, panePid: started.panePid, paneDead: false, bell: false, launcher: ctx.windowId };
        ctx.live.addStarted(alive);
      }
    } else {
      alive = (await ctx.live.listNow()).sessions.find((s) => s.name === name && s.createdStamp === stamp && !s.paneDead);
    }
    if (!alive || started.exitedImmediately) {
      await store.write((tx) => tx.deleteSession(name, stamp));
      if (alive) await tmux.killOwned(name);
      ctx.live.emitIfChanged(true);
      throw new UserError(`${target.label} exited right after it started (${command.join(' ')}). Open a shell session in the workspace and run it there to see why.`);
    }
    ctx.launchedHere(name, stamp);
    logger.info(`Launched ${target.label} as ${name} in ${w.branch}.`);
    ctx.live.emitIfChanged(true);
    return ctx.live.sessionView({ name, targetKey: target.key, label: target.label, createdAt: stamp }, alive);
  } finally {
    reserved.delete(name);
  }
}

/**
 * L2: the ownership row, written while tmux starts the session. 'taken' when
 * another window recorded a session of that name meanwhile (its row stays);
 * throws when the row cannot be written or the workspace no longer takes launches.
 * A relaunch (R2) replaces the lost row of its name; keepLost puts it back if the start fails.
 */
function record(ctx: LifecycleContext, w: WorkspaceRecord, row: SessionRecord, replacesLost: boolean): Promise<'recorded' | 'taken'> {
  return ctx.deps.store.write((tx) => {
    const current = tx.workspace(w.id);
    // A launch in flight when a delete began is recorded and stopped by that delete (D3); any other state refuses it.
    if (!current || (current.status !== 'ready' && current.status !== 'deleting')) throw new Error(`the workspace is ${current ? current.status : 'gone'}`);
    if (tx.sessions(w.id).some((s) => s.name === row.name && !(replacesLost && s.lost))) return 'taken';
    tx.upsertSession(row);
    return 'recorded';
  });
}

/** Undoes a row whose session never started; a failure to is logged, and reconciliation removes the row later (S2). */
async function forgetRow(ctx: LifecycleContext, name: string, stamp: number): Promise<void> {
  try {
    await ctx.deps.store.write((tx) => tx.deleteSession(name, stamp));
  } catch (e) {
    ctx.deps.logger.error(`Could not remove the row of ${name}, whose session did not start: ${errorMessage(e)}`);
  }
}

function freeSessionName(ctx: LifecycleContext, w: WorkspaceRecord, key: string, listing: SessionListing, reserved: ReadonlySet<string>): string {
  const taken = new Set([...listing.sessions.map((s) => s.name), ...ctx.deps.store.sessions().map((s) => s.name), ...reserved]);
  // tmux turns "." and ":" in a session name into "_"; choose the name it will keep.
  const base = `${w.baseSession}-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
