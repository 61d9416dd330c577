import os from 'node:os';
import path from 'node:path';
import type { AheadBehind, SessionState, ShortStat, WorkspaceStatus } from '../../core';

/**
 * How long ago `then` was: "<1m", "5m", "3h", "2d" — or, `precise`, "42s"
 * under a minute. Rows use minutes: a row repainted every second would close
 * its tooltip before it opens.
 */
export function formatAge(then: number, now = Date.now(), precise = false): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return precise ? `${s}s` : '<1m';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/**
 * When formatAge(then) next shows something else: each unit's label turns
 * half a second before its boundary, since formatAge rounds to whole seconds.
 */
export function nextAgeChange(then: number, now = Date.now()): number {
  const ms = Math.max(0, now - then);
  if (ms < 59_500) return then + 59_500;
  const unit = ms < 3_599_500 ? 60_000 : ms < 48 * 3_600_000 - 500 ? 3_600_000 : 86_400_000;
  return then + (Math.floor((ms + 500) / unit) + 1) * unit - 500;
}

/** "+12 −3", "+5", "−2", "2 files changed" (binary only), or undefined for a clean worktree. */
export function formatStats(stats: ShortStat | undefined): string | undefined {
  if (!stats || stats.files === 0) return undefined;
  if (!stats.insertions && !stats.deletions) return `${stats.files} ${plural(stats.files, 'file')} changed`;
  return [stats.insertions ? `+${stats.insertions}` : '', stats.deletions ? `−${stats.deletions}` : ''].filter(Boolean).join(' ');
}

/** "↑2 ↓1": commits ahead of and behind the base (SPEC §10); undefined when level or unknown. */
export function formatAheadBehind(counts: AheadBehind | undefined): string | undefined {
  if (!counts || (!counts.ahead && !counts.behind)) return undefined;
  return [counts.ahead ? `↑${counts.ahead}` : '', counts.behind ? `↓${counts.behind}` : ''].filter(Boolean).join(' ');
}

export const STATE_LABEL: Record<SessionState, string> = {
  working: 'working',
  done: 'done',
  running: 'running',
  waiting: 'waiting for input',
  idle: 'idle',
  exited: 'exited',
  unknown: 'unknown (tmux cannot be reached)',
};

export const STATUS_LABEL: Record<WorkspaceStatus, string> = {
  creating: 'creating…',
  ready: 'ready',
  error: 'setup failed',
  deleting: 'deleting…',
  deletion_failed: 'delete failed',
  missing: 'worktree missing',
};

/**
 * Sessions counted by state, in the user's words: "1 idle session",
 * "2 sessions waiting for input", "3 sessions (1 running, 2 idle)".
 */
export function describeSessions(states: readonly SessionState[]): string {
  const n = states.length;
  const counts = new Map<SessionState, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  if (counts.size === 1) {
    const [state] = counts.keys();
    return state === 'waiting' ? `${n} ${plural(n, 'session')} waiting for input` : `${n} ${STATE_LABEL[state]} ${plural(n, 'session')}`;
  }
  const order: SessionState[] = ['waiting', 'running', 'idle', 'exited'];
  return `${n} ${plural(n, 'session')} (${order.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${STATE_LABEL[s]}`).join(', ')})`;
}

/** An agent in the middle of its work: stopping it is the one stop that deserves a modal (SPEC §5). */
export function isWorkingAgent(s: { target: string; state: SessionState }): boolean {
  return s.target !== 'shell' && (s.state === 'running' || s.state === 'waiting');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** A path with the home folder written as `~`. */
export function tildify(p: string): string {
  const home = os.homedir();
  return home && (p === home || p.startsWith(home + path.sep)) ? `~${p.slice(home.length)}` : p;
}

/** A fenced code block that no backtick run in `text` can close early. */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}
