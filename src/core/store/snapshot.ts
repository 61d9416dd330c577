import type { Database } from 'sql.js';
import type { SessionRecord, WorkspaceRecord } from '../model';
import { rows, toSession, toWorkspace, type Touched } from './transaction';

/** The rows every read is served from, in the order the SQL that reads them all gives. */
export interface Snapshot {
  workspaces: WorkspaceRecord[];
  sessions: SessionRecord[];
}

/** More rows than this changed at once, and reading them all again is as quick. */
const PATCH_LIMIT = 64;

export function readSnapshot(db: Database): Snapshot {
  return {
    workspaces: rows(db, 'SELECT * FROM workspaces ORDER BY repo_root, branch').map(toWorkspace),
    sessions: rows(db, 'SELECT * FROM sessions ORDER BY workspace_id, created_at, name').map(toSession),
  };
}

/**
 * SQLite's order for TEXT (BINARY: the UTF-8 bytes), which is the order of
 * code points; JavaScript's < compares UTF-16 units, which differs only where
 * a surrogate meets a unit from U+E000 up.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const surrogate = (u: number) => u >= 0xd800 && u <= 0xdfff;
    if (surrogate(x) || surrogate(y)) return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
    return x - y;
  }
  return a.length - b.length;
}

const workspaceOrder = (a: WorkspaceRecord, b: WorkspaceRecord) => compareText(a.repoRoot, b.repoRoot) || compareText(a.branch, b.branch);
const sessionOrder = (a: SessionRecord, b: SessionRecord) => compareText(a.workspaceId, b.workspaceId) || a.createdAt - b.createdAt || compareText(a.name, b.name);

/** Puts `row` into the sorted `list` (a copy already), where the order says. */
function insertSorted<T>(list: T[], row: T, order: (a: T, b: T) => number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order(list[mid], row) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, row);
}

/**
 * The snapshot after a write: only the rows it touched are read again, so a
 * write costs the same with 100 rows or 10,000. New arrays every time: a
 * caller may still hold the ones from before the write (reconcile.ts does).
 */
export function patchSnapshot(db: Database, before: Snapshot, touched: Touched): Snapshot {
  if (touched.workspaces.size + touched.sessions.size + touched.sessionsOf.size > PATCH_LIMIT) return readSnapshot(db);
  let { workspaces, sessions } = before;
  if (touched.workspaces.size) {
    workspaces = workspaces.filter((w) => !touched.workspaces.has(w.id));
    for (const id of touched.workspaces) {
      const r = rows(db, 'SELECT * FROM workspaces WHERE id = ?', [id])[0];
      if (r) insertSorted(workspaces, toWorkspace(r), workspaceOrder);
    }
  }
  if (touched.sessions.size || touched.sessionsOf.size) {
    sessions = sessions.filter((s) => !touched.sessions.has(s.name) && !touched.sessionsOf.has(s.workspaceId));
    const again = new Map<string, SessionRecord>();
    for (const id of touched.sessionsOf) {
      for (const r of rows(db, 'SELECT * FROM sessions WHERE workspace_id = ?', [id])) again.set(String(r.name), toSession(r));
    }
    for (const name of touched.sessions) {
      const r = rows(db, 'SELECT * FROM sessions WHERE name = ?', [name])[0];
      if (r) again.set(name, toSession(r));
    }
    for (const s of again.values()) insertSorted(sessions, s, sessionOrder);
  }
  return { workspaces, sessions };
}
