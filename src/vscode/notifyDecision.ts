// No `vscode` import: the decision is plain data in, plain data out (unit-tested in test/unit/agents.notify.test.ts).
import type { SessionState, SessionView, WorkspaceView } from '../core/model';

export interface NotifySettings {
  waiting: boolean;
  done: boolean;
}

export interface NotifyContext {
  state: SessionState;
  settings: NotifySettings;
  /** This VS Code window has the OS focus. */
  focused: boolean;
  /** The session's terminal is this window's active terminal. */
  lookingAtIt: boolean;
  /** This window launched the session. */
  launchedHere: boolean;
}

export type NotifyDecision =
  | { kind: 'ignore' }
  /** Claim the event after `delayMs` (the focused window claims first); `show` false means it is claimed only to keep others quiet. */
  | { kind: 'claim'; delayMs: number; show: boolean };

/** How long windows that are not focused let a focused one claim first, and the launching one before the rest. */
export const LAUNCHER_DELAY_MS = 1_500;
export const OTHER_WINDOW_DELAY_MS = 3_000;

/**
 * §8: when a session becomes waiting or done, exactly one window notifies:
 * the focused one, else the one that launched it, else any. Every window that
 * sees the change races for the same claim on the session (tmux decides the
 * winner); the delays give the focused window, then the launcher, the first
 * try. A focused window whose user is looking at that terminal claims it and
 * shows nothing, so no other window shows it either.
 */
export function decideNotification(c: NotifyContext): NotifyDecision {
  if (c.state !== 'waiting' && c.state !== 'done') return { kind: 'ignore' };
  if (!c.settings[c.state]) return { kind: 'ignore' };
  if (c.focused) return { kind: 'claim', delayMs: 0, show: !c.lookingAtIt };
  return { kind: 'claim', delayMs: c.launchedHere ? LAUNCHER_DELAY_MS : OTHER_WINDOW_DELAY_MS, show: true };
}

/** One claim per state change: the state and the second it was set. */
export function notificationKey(state: SessionState, stateAt: number): string {
  return `${state}-${Math.floor(stateAt / 1000)}`;
}

/** Next Waiting Session's order: waiting first (the longest waiting first), then done. */
export function sessionsNeedingUser(list: readonly WorkspaceView[]): Array<{ workspace: WorkspaceView; session: SessionView }> {
  const all = list.flatMap((workspace) => workspace.sessions.map((session) => ({ workspace, session })));
  const rank = (x: SessionView) => (x.state === 'waiting' ? 0 : 1);
  return all
    .filter(({ session }) => session.state === 'waiting' || session.state === 'done')
    .sort((a, b) => rank(a.session) - rank(b.session) || a.session.stateAt - b.session.stateAt || a.session.name.localeCompare(b.session.name));
}
