import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import type { Logger } from './log';
import { processAlive } from './processAlive';
import type { SessionRecord, SetupEvent, StoredWorkspaceStatus, WorkspaceRecord } from './model';
import { Emitter, type Event } from './event';

export const DATABASE_FILE = 'worktree-sessions.db';

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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** What a write may do; every change goes through one of these inside `write`. */
export interface StoreTx {
  workspace(id: string): WorkspaceRecord | undefined;
  workspaceByBranch(repoRoot: string, branch: string): WorkspaceRecord | undefined;
  sessions(workspaceId?: string): SessionRecord[];
  insertWorkspace(w: WorkspaceRecord): void;
  updateWorkspace(id: string, patch: Partial<Omit<WorkspaceRecord, 'id'>>): void;
  /** Removes the row with its sessions and setup events. */
  deleteWorkspace(id: string): void;
  upsertSession(s: SessionRecord): void;
  /** Removes the row only if its generation matches (L3, S2); returns whether it did. */
  deleteSession(name: string, createdAt?: number): boolean;
  addEvent(e: SetupEvent): void;
}

/** What the lifecycle needs of persistence; the tests wrap it to inject faults. */
export interface WorkspaceStore {
  readonly file: string;
  workspaces(): WorkspaceRecord[];
  workspace(id: string): WorkspaceRecord | undefined;
  sessions(workspaceId?: string): SessionRecord[];
  events(workspaceId: string): SetupEvent[];
  /** Re-reads the file if another process changed it; true when it did. */
  refresh(): boolean;
  write<T>(fn: (tx: StoreTx) => T): Promise<T>;
  readonly onDidChangeExternally: Event<void>;
  dispose(): void;
}

export interface OpenOptions {
  wasmPath: string;
  logger: Logger;
  /** Watch the file for other windows' writes (default true). */
  watch?: boolean;
  /** How long to wait for another process's lock before giving up. */
  lockTimeoutMs?: number;
}

export interface Recovery {
  movedTo: string;
  reason: string;
}

const engines = new Map<string, Promise<SqlJsStatic>>();
function engine(wasmPath: string): Promise<SqlJsStatic> {
  let e = engines.get(wasmPath);
  if (!e) {
    e = initSqlJs({ locateFile: () => wasmPath });
    engines.set(wasmPath, e);
  }
  return e;
}

type Row = Record<string, SqlValue>;

function toWorkspace(r: Row): WorkspaceRecord {
  return {
    id: String(r.id),
    repoRoot: String(r.repo_root),
    worktreePath: String(r.worktree_path),
    branch: String(r.branch),
    baseRef: String(r.base_ref),
    createdBranch: r.created_branch === 1,
    baseSession: String(r.base_session),
    status: String(r.status) as StoredWorkspaceStatus,
    error: r.error === null ? undefined : String(r.error),
    opPid: r.op_pid === null ? undefined : Number(r.op_pid),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toSession(r: Row): SessionRecord {
  return {
    name: String(r.name),
    workspaceId: String(r.workspace_id),
    targetKey: String(r.target_key),
    label: String(r.label),
    command: JSON.parse(String(r.command)) as string[],
    createdAt: Number(r.created_at),
    lost: r.lost === 1,
    ...(typeof r.agent_session_id === 'string' && r.agent_session_id ? { agentSessionId: r.agent_session_id } : {}),
  };
}

function fileSignature(file: string): string | undefined {
  try {
    const s = fs.statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The ownership records, in one sql.js database file shared by every window
 * of the installation (SPEC §4). Reads come from memory; each write takes the
 * lock file, re-reads the file if another process changed it, applies the
 * change in a transaction and replaces the file atomically.
 */
export class OwnershipStore implements WorkspaceStore {
  readonly file: string;
  private readonly lockFile: string;
  private db!: Database;
  private signature: string | undefined;
  private snapshot: { workspaces: WorkspaceRecord[]; sessions: SessionRecord[] } = { workspaces: [], sessions: [] };
  private queue: Promise<unknown> = Promise.resolve();
  private watcher?: fs.FSWatcher;
  private watchTimer?: NodeJS.Timeout;
  private readonly changed = new Emitter<void>();
  readonly onDidChangeExternally = this.changed.event;
  private disposed = false;

  private constructor(private readonly sql: SqlJsStatic, readonly dir: string, private readonly options: OpenOptions) {
    this.file = path.join(dir, DATABASE_FILE);
    this.lockFile = `${this.file}.lock`;
  }

  /** Opens (or creates) the database in `dir`; an unreadable file is moved aside and reported. */
  static async open(dir: string, options: OpenOptions): Promise<{ store: OwnershipStore; recovered?: Recovery }> {
    const sql = await engine(options.wasmPath);
    fs.mkdirSync(dir, { recursive: true });
    const store = new OwnershipStore(sql, dir, options);
    const recovered = await store.initialise();
    if (options.watch !== false) store.startWatching();
    return { store, recovered };
  }

  private async initialise(): Promise<Recovery | undefined> {
    await this.acquireLock();
    try {
      if (!fs.existsSync(this.file)) {
        this.db = new this.sql.Database();
        this.migrate();
        this.persist();
        return undefined;
      }
      try {
        this.load();
        if (this.migrate()) this.persist();
        return undefined;
      } catch (e) {
        // SPEC §4: never delete an unreadable database; move it aside and start afresh.
        const reason = e instanceof Error ? e.message : String(e);
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const movedTo = `${this.file}.unreadable-${stamp}`;
        fs.renameSync(this.file, movedTo);
        this.options.logger.error(`The database ${this.file} could not be read (${reason}); moved it to ${movedTo} and started a new one.`);
        this.db = new this.sql.Database();
        this.migrate();
        this.persist();
        return { movedTo, reason };
      }
    } finally {
      this.releaseLock();
    }
  }

  private load(): void {
    const bytes = fs.readFileSync(this.file);
    const signature = fileSignature(this.file);
    const db = new this.sql.Database(bytes);
    try {
      // Garbage only shows when the first page is read.
      db.exec('SELECT count(*) FROM sqlite_master');
      const version = this.versionOf(db);
      if (version > SCHEMA_VERSION) {
        throw new Error(`it was written by a newer version of Worktree Sessions (schema ${version}, this one knows ${SCHEMA_VERSION})`);
      }
    } catch (e) {
      db.close();
      throw e;
    }
    this.db?.close();
    this.db = db;
    this.db.exec('PRAGMA foreign_keys = ON');
    this.signature = signature;
    this.rebuildSnapshot();
  }

  private versionOf(db: Database): number {
    const hasMeta = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
    if (!hasMeta.length) return 0;
    const r = db.exec("SELECT value FROM meta WHERE key = 'schema_version'");
    return r.length ? Number(r[0].values[0][0]) : 0;
  }

  /** Applies pending migrations; true when it changed anything. */
  private migrate(): boolean {
    const from = this.versionOf(this.db);
    if (from >= SCHEMA_VERSION) {
      this.db.exec('PRAGMA foreign_keys = ON');
      return false;
    }
    this.db.exec('BEGIN');
    try {
      for (let v = from; v < SCHEMA_VERSION; v++) this.db.exec(MIGRATIONS[v]);
      this.db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [String(SCHEMA_VERSION)]);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    this.db.exec('PRAGMA foreign_keys = ON');
    this.rebuildSnapshot();
    return true;
  }

  private rows(sql: string, params: SqlValue[] = [], db: Database = this.db): Row[] {
    const stmt = db.prepare(sql);
    try {
      stmt.bind(params);
      // get() with the column names read once: getAsObject() asks sql.js for them on every row,
      // which made rebuilding the snapshot after each write the bulk of a write's cost.
      const names = stmt.getColumnNames();
      const out: Row[] = [];
      while (stmt.step()) {
        const values = stmt.get();
        const row: Row = {};
        for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
        out.push(row);
      }
      return out;
    } finally {
      stmt.free();
    }
  }

  private rebuildSnapshot(): void {
    this.snapshot = {
      workspaces: this.rows('SELECT * FROM workspaces ORDER BY repo_root, branch').map(toWorkspace),
      sessions: this.rows('SELECT * FROM sessions ORDER BY workspace_id, created_at, name').map(toSession),
    };
  }

  /** Writes the database atomically: temporary file, fsync, rename, fsync of the folder. */
  private persist(): void {
    const data = this.db.export();
    // export() reopens the database, which resets pragmas.
    this.db.exec('PRAGMA foreign_keys = ON');
    const tmp = `${this.file}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    try {
      const dfd = fs.openSync(this.dir, 'r');
      try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
    } catch {
      // Some file systems refuse fsync on a folder; the rename is still atomic.
    }
    this.signature = fileSignature(this.file);
  }

  // ── lock file ────────────────────────────────────────────────────────────

  private async acquireLock(): Promise<void> {
    const deadline = Date.now() + (this.options.lockTimeoutMs ?? 15_000);
    for (let attempt = 0; ; attempt++) {
      // The lock appears with its content in one step (link), so no reader ever sees it empty.
      const tmp = `${this.lockFile}.${process.pid}.${Math.random().toString(16).slice(2)}`;
      fs.writeFileSync(tmp, `${process.pid}\n${Date.now()}\n${os.hostname()}\n`, { mode: 0o600 });
      try {
        fs.linkSync(tmp, this.lockFile);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      const holder = this.readLock();
      if (holder && this.isStale(holder)) {
        this.breakStaleLock(holder.raw);
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`The Worktree Sessions database is locked by process ${holder?.pid ?? '?'} (${this.lockFile}); try again, or remove the lock file if that process is gone.`);
      }
      await sleep(Math.min(25, 1 + attempt) * (0.5 + Math.random()));
    }
  }

  private readLock(): { raw: string; pid: number; at: number; host: string } | undefined {
    try {
      const raw = fs.readFileSync(this.lockFile, 'utf8');
      const [pid, at, host] = raw.split('\n');
      return { raw, pid: Number(pid), at: Number(at), host: host ?? '' };
    } catch {
      return undefined;
    }
  }

  private isStale(holder: { pid: number; at: number; host: string }): boolean {
    // A write holds the lock for milliseconds; a minute means its holder is stuck or gone.
    if (!Number.isFinite(holder.at)) {
      try {
        return Date.now() - fs.statSync(this.lockFile).mtimeMs > 60_000;
      } catch {
        return false;
      }
    }
    if (Date.now() - holder.at > 60_000) return true;
    if (holder.host === os.hostname() && Number.isInteger(holder.pid) && holder.pid > 0) return !processAlive(holder.pid);
    return false;
  }

  /** Removes a dead holder's lock, guarded so two breakers cannot remove a fresh lock. */
  private breakStaleLock(seen: string): void {
    const breaker = `${this.lockFile}.break`;
    try {
      fs.closeSync(fs.openSync(breaker, 'wx'));
    } catch {
      try {
        if (Date.now() - fs.statSync(breaker).mtimeMs > 5_000) fs.rmSync(breaker, { force: true });
      } catch { /* gone already */ }
      return;
    }
    try {
      if (this.readLock()?.raw === seen) {
        fs.rmSync(this.lockFile, { force: true });
        this.options.logger.warn(`Removed a stale database lock left by a process that is gone: ${seen.split('\n')[0]}`);
      }
    } finally {
      fs.rmSync(breaker, { force: true });
    }
  }

  private releaseLock(): void {
    const holder = this.readLock();
    if (holder && holder.pid === process.pid && holder.host === os.hostname()) fs.rmSync(this.lockFile, { force: true });
  }

  // ── reads ────────────────────────────────────────────────────────────────

  workspaces(): WorkspaceRecord[] {
    return this.snapshot.workspaces;
  }

  workspace(id: string): WorkspaceRecord | undefined {
    return this.snapshot.workspaces.find((w) => w.id === id);
  }

  sessions(workspaceId?: string): SessionRecord[] {
    return workspaceId === undefined ? this.snapshot.sessions : this.snapshot.sessions.filter((s) => s.workspaceId === workspaceId);
  }

  events(workspaceId: string): SetupEvent[] {
    return this.rows('SELECT * FROM setup_events WHERE workspace_id = ? ORDER BY id', [workspaceId]).map((r) => ({
      workspaceId: String(r.workspace_id),
      at: Number(r.at),
      step: String(r.step) as SetupEvent['step'],
      outcome: String(r.outcome) as SetupEvent['outcome'],
      message: r.message === null ? undefined : String(r.message),
    }));
  }

  refresh(): boolean {
    if (this.disposed) return false;
    const now = fileSignature(this.file);
    if (now === undefined || now === this.signature) return false;
    try {
      this.load();
      return true;
    } catch (e) {
      this.options.logger.error(`Could not re-read ${this.file}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  // ── writes ───────────────────────────────────────────────────────────────

  write<T>(fn: (tx: StoreTx) => T): Promise<T> {
    const run = this.queue.then(() => this.writeNow(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeNow<T>(fn: (tx: StoreTx) => T): Promise<T> {
    if (this.disposed) throw new Error('The Worktree Sessions database is closed.');
    await this.acquireLock();
    try {
      // Another window may have written since we last looked: start from its rows.
      if (fileSignature(this.file) !== this.signature) this.load();
      this.db.exec('BEGIN');
      let result: T;
      try {
        result = fn(this.transaction());
        this.db.exec('COMMIT');
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw e;
      }
      this.persist();
      this.rebuildSnapshot();
      return result;
    } finally {
      this.releaseLock();
    }
  }

  private transaction(): StoreTx {
    const one = (sql: string, params: SqlValue[]) => this.rows(sql, params)[0];
    const changes = () => Number(this.db.exec('SELECT changes()')[0].values[0][0]);
    return {
      workspace: (id) => {
        const r = one('SELECT * FROM workspaces WHERE id = ?', [id]);
        return r ? toWorkspace(r) : undefined;
      },
      workspaceByBranch: (repoRoot, branch) => {
        const r = one('SELECT * FROM workspaces WHERE repo_root = ? AND branch = ?', [repoRoot, branch]);
        return r ? toWorkspace(r) : undefined;
      },
      sessions: (workspaceId) =>
        (workspaceId === undefined
          ? this.rows('SELECT * FROM sessions ORDER BY created_at')
          : this.rows('SELECT * FROM sessions WHERE workspace_id = ? ORDER BY created_at', [workspaceId])
        ).map(toSession),
      insertWorkspace: (w) => {
        this.db.run(
          `INSERT INTO workspaces (id, repo_root, worktree_path, branch, base_ref, created_branch, base_session, status, error, op_pid, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [w.id, w.repoRoot, w.worktreePath, w.branch, w.baseRef, w.createdBranch ? 1 : 0, w.baseSession, w.status, w.error ?? null, w.opPid ?? null, w.createdAt, w.updatedAt],
        );
      },
      updateWorkspace: (id, patch) => {
        const columns: Record<string, SqlValue> = { updated_at: patch.updatedAt ?? Date.now() };
        if (patch.status !== undefined) columns.status = patch.status;
        if ('error' in patch) columns.error = patch.error ?? null;
        if ('opPid' in patch) columns.op_pid = patch.opPid ?? null;
        if (patch.worktreePath !== undefined) columns.worktree_path = patch.worktreePath;
        if (patch.baseRef !== undefined) columns.base_ref = patch.baseRef;
        if (patch.createdBranch !== undefined) columns.created_branch = patch.createdBranch ? 1 : 0;
        const names = Object.keys(columns);
        this.db.run(`UPDATE workspaces SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?`, [...names.map((n) => columns[n]), id]);
      },
      deleteWorkspace: (id) => {
        this.db.run('DELETE FROM workspaces WHERE id = ?', [id]);
      },
      upsertSession: (s) => {
        this.db.run(
          `INSERT OR REPLACE INTO sessions (name, workspace_id, target_key, label, command, created_at, lost, agent_session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [s.name, s.workspaceId, s.targetKey, s.label, JSON.stringify(s.command), s.createdAt, s.lost ? 1 : 0, s.agentSessionId ?? null],
        );
      },
      deleteSession: (name, createdAt) => {
        if (createdAt === undefined) this.db.run('DELETE FROM sessions WHERE name = ?', [name]);
        else this.db.run('DELETE FROM sessions WHERE name = ? AND created_at = ?', [name, createdAt]);
        return changes() > 0;
      },
      addEvent: (e) => {
        this.db.run('INSERT INTO setup_events (workspace_id, at, step, outcome, message) VALUES (?, ?, ?, ?, ?)', [
          e.workspaceId, e.at, e.step, e.outcome, e.message ?? null,
        ]);
      },
    };
  }

  // ── other windows ────────────────────────────────────────────────────────

  private startWatching(): void {
    try {
      // Watch the folder: every write replaces the file, so a watch on the file itself would go stale.
      this.watcher = fs.watch(this.dir, { persistent: false }, (_event, name) => {
        if (name && name !== DATABASE_FILE) return;
        clearTimeout(this.watchTimer);
        this.watchTimer = setTimeout(() => {
          if (this.refresh()) this.changed.fire();
        }, 30);
      });
      this.watcher.on('error', (e) => this.options.logger.warn(`Stopped watching ${this.dir}: ${e.message}`));
    } catch (e) {
      this.options.logger.warn(`Cannot watch ${this.dir} for other windows' changes: ${(e as Error).message}`);
    }
  }

  /** Called on each lifecycle tick too, in case the file watch misses an event. */
  pollExternalChange(): boolean {
    if (this.refresh()) {
      this.changed.fire();
      return true;
    }
    return false;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.watchTimer);
    this.watcher?.close();
    this.changed.dispose();
    this.db?.close();
  }
}
