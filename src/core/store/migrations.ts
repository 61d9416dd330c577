import type { Database } from 'sql.js';

/** Schema migrations: entry i takes the database from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE workspaces (
     id TEXT PRIMARY KEY,
     repo_root TEXT NOT NULL,
     worktree_path TEXT NOT NULL,
     branch TEXT NOT NULL,
     base_ref TEXT NOT NULL,
     created_branch INTEGER NOT NULL,
     base_session TEXT NOT NULL,
     status TEXT NOT NULL,
     error TEXT,
     op_pid INTEGER,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     UNIQUE (repo_root, branch)
   );
   CREATE TABLE sessions (
     name TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
     target_key TEXT NOT NULL,
     label TEXT NOT NULL,
     command TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     lost INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX sessions_by_workspace ON sessions(workspace_id);
   CREATE TABLE setup_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
     at INTEGER NOT NULL,
     step TEXT NOT NULL,
     outcome TEXT NOT NULL,
     message TEXT
   );
   CREATE INDEX events_by_workspace ON setup_events(workspace_id);`,
  // §8: the agent's own conversation id, so a relaunch resumes exactly that conversation.
  `ALTER TABLE sessions ADD COLUMN agent_session_id TEXT;`,
  // R1: who works on a row is a process identity (pid and start time), and so is its setup command.
  `ALTER TABLE workspaces ADD COLUMN op_start_time TEXT;
   ALTER TABLE workspaces ADD COLUMN setup_process TEXT;`,
  // §9: a workspace's port block, reserved in the same write that checks no other row holds it.
  `ALTER TABLE workspaces ADD COLUMN port_first INTEGER;
   ALTER TABLE workspaces ADD COLUMN port_count INTEGER;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Tables every schema version since 1 has; a file without one of them is no longer our database. */
const LASTING_TABLES = ['meta', 'workspaces', 'sessions', 'setup_events'];

export function schemaVersion(db: Database): number {
  const hasMeta = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  if (!hasMeta.length) return 0;
  const r = db.exec("SELECT value FROM meta WHERE key = 'schema_version'");
  return r.length ? Number(r[0].values[0][0]) : 0;
}

/** Our tables the database lacks (all of them for an empty file or someone else's database). */
export function missingTables(db: Database): string[] {
  const present = new Set((db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0])));
  return LASTING_TABLES.filter((t) => !present.has(t));
}

/** Applies pending migrations in one transaction; true when it changed anything. */
export function migrate(db: Database): boolean {
  const from = schemaVersion(db);
  if (from >= SCHEMA_VERSION) return false;
  db.exec('BEGIN');
  try {
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [String(SCHEMA_VERSION)]);
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
  return true;
}
