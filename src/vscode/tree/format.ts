import os from 'node:os';
import path from 'node:path';
import type { SessionState, ShortStat, WorkspaceStatus } from '../../core';

/** "42s", "5m", "3h", "2d": how long ago `then` was. */
export function formatAge(then: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** "+12 −3", "+5", "−2", "2 files changed" (binary only), or undefined for a clean worktree. */
export function formatStats(stats: ShortStat | undefined): string | undefined {
  if (!stats || stats.files === 0) return undefined;
  if (!stats.insertions && !stats.deletions) return `${stats.files} ${plural(stats.files, 'file')} changed`;
  return [stats.insertions ? `+${stats.insertions}` : '', stats.deletions ? `−${stats.deletions}` : ''].filter(Boolean).join(' ');
}

export const STATE_LABEL: Record<SessionState, string> = {
  working: 'working',
  done: 'done',
  running: 'running',
  waiting: 'waiting for input',
  idle: 'idle',
  exited: 'exited',
};

export const STATUS_LABEL: Record<WorkspaceStatus, string> = {
  creating: 'creating…',
  ready: 'ready',
  error: 'setup failed',
  deleting: 'deleting…',
  deletion_failed: 'delete failed',
  missing: 'worktree missing',
};

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
