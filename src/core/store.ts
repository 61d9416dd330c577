import fs from 'node:fs';
import path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import type { SessionRecord, SetupEvent, WorkspaceRecord } from './model';
import { Emitter } from './event';
import { DatabaseLock } from './store/lockFile';
import { fileSignature, isDiskFull, moveAside, realDisk, replaceFile, replaceFileAsync, signatureOf, writeTemporary, writeTemporaryAsync, type StoreDisk } from './store/durableFile';
import { migrate, missingTables, schemaVersion, SCHEMA_VERSION } from './store/migrations';
import { patchSnapshot, readSnapshot, type Snapshot } from './store/snapshot';
import { nothingTouched, rows, toEvent, transactionOn, type StoreTx } from './store/transaction';

export { SCHEMA_VERSION } from './store/migrations';
export type { StoreDisk } from './store/durableFile';
export type { StoreTx } from './store/transaction';
export type { OpenOptions, Recovery, RecoveryWhileRunning, WorkspaceStore } from './store/types';
import type { OpenOptions, Recovery, RecoveryWhileRunning, WorkspaceStore } from './store/types';

export const DATABASE_FILE = 'worktree-sessions.db';

const engines = new Map<string, Promise<SqlJsStatic>>();
function engine(wasmPath: string): Promise<SqlJsStatic> {
  if (!engines.has(wasmPath)) engines.set(wasmPath, initSqlJs({ locateFile: () => wasmPath }));
  return engines.get(wasmPath)!;
}

/** Never equal to a file's signature: memory that must be re-read before the next write. */
const UNREAD = 'unread';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

class NewerDatabaseError extends Error {}

/**
 * The ownership records, in one sql.js database file shared by every window
 * of the installation (SPEC §4). Reads come from memory; each write takes the
 * lock file, re-reads the file if another process changed it, applies the
 * change in a transaction and replaces the file atomically — or, failing
 * that, changes nothing, on disk or in memory.
 */
export class OwnershipStore implements WorkspaceStore {
  readonly file: string;
  private readonly lock: DatabaseLock;
  private readonly disk: StoreDisk;
  private db!: Database;
  /** The file as this window last read or wrote it; a different one means someone else wrote. */
  private signature: string | undefined;
  private snapshot: Snapshot = { workspaces: [], sessions: [] };
  private queue: Promise<unknown> = Promise.resolve();
  private recoveryQueued = false;
  private reportedUnusable?: string;
  private watcher?: fs.FSWatcher;
  private watchTimer?: NodeJS.Timeout;
  private readonly changed = new Emitter<void>();
  readonly onDidChangeExternally = this.changed.event;
  private readonly recovered = new Emitter<RecoveryWhileRunning>();
  /** The database was lost while this window ran and a new one started (SPEC §4): re-adopt and tell the user. */
  readonly onDidRecover = this.recovered.event;
  private disposed = false;

  private constructor(private readonly sql: SqlJsStatic, readonly dir: string, private readonly options: OpenOptions) {
    this.file = path.join(dir, DATABASE_FILE);
    this.lock = new DatabaseLock(this.file, options.logger, options.lockTimeoutMs ?? 15_000);
    this.disk = options.disk ?? realDisk;
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
    await this.lock.acquire();
    try {
      if (!fs.existsSync(this.file)) {
        this.startAfresh();
        return undefined;
      }
      let migrated: boolean;
      try {
        // At start an empty file or a database without our tables is simply made ours.
        this.load(false);
        migrated = this.migrate();
      } catch (e) {
        const { movedTo, reason } = this.recover(message(e), false);
        return movedTo ? { movedTo, reason } : undefined;
      }
      // Outside the try: a file that cannot be saved (a full disk) is still a good one, not to be moved aside.
      if (migrated) this.save();
      return undefined;
    } finally {
      this.lock.release();
    }
  }

  /**
   * Replaces memory with the file. While running, a file without our tables is
   * refused: it was emptied or replaced, and its rows are lost.
   */
  private load(running: boolean): void {
    // The signature of the very bytes read: a stat after reading could describe a newer file.
    const fd = fs.openSync(this.file, 'r');
    let signature: string;
    let bytes: Buffer;
    try {
      signature = signatureOf(fs.fstatSync(fd));
      bytes = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const db = new this.sql.Database(bytes);
    try {
      // Garbage only shows when the first page is read.
      db.exec('SELECT count(*) FROM sqlite_master');
      const version = schemaVersion(db);
      if (version > SCHEMA_VERSION) {
        throw new NewerDatabaseError(`it was written by a newer version of Worktree Sessions (schema ${version}, this one knows ${SCHEMA_VERSION})`);
      }
      if (running) {
        const missing = missingTables(db);
        if (missing.length) throw new Error(`it no longer holds the Worktree Sessions tables (${missing.join(', ')} missing)`);
        migrate(db);
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

  /** Applies pending migrations; true when it changed anything. */
  private migrate(): boolean {
    const changed = migrate(this.db);
    this.db.exec('PRAGMA foreign_keys = ON');
    if (changed) this.rebuildSnapshot();
    return changed;
  }

  /**
   * SPEC §4: never delete a database that cannot be read; move it aside and
   * start a new one, from memory when memory holds a good copy. Under the lock.
   */
  private recover(reason: string, fromMemory: boolean): { movedTo?: string; reason: string } {
    const movedTo = moveAside(this.file);
    const started = fromMemory ? `started a new one from this window's copy (${this.snapshot.workspaces.length} workspace(s))` : 'started a new one';
    this.options.logger.error(movedTo
      ? `The database ${this.file} could not be read (${reason}); moved it to ${movedTo} and ${started}.`
      : `The database ${this.file} is gone (${reason}); ${started}.`);
    if (fromMemory) this.saveAsNew();
    else this.startAfresh();
    return movedTo ? { movedTo, reason } : { reason };
  }

  private startAfresh(): void {
    this.db?.close();
    this.db = new this.sql.Database();
    this.migrate();
    this.saveAsNew();
  }

  /** Saves memory where no file is now (or none was expected). */
  private saveAsNew(): void {
    this.signature = fileSignature(this.file);
    if (!this.save()) throw new Error(`${this.file} appeared while a new database was being started; try again.`);
  }

  /**
   * Under the lock: starts from the file as it is now if someone else wrote
   * it, or writes a new one (and says so) when it is no longer our database.
   */
  private catchUp(): 'unchanged' | 'reloaded' | 'recovered' {
    const now = fileSignature(this.file);
    if (now === this.signature) return 'unchanged';
    let reason = 'the file was deleted';
    if (now !== undefined) {
      try {
        this.load(true);
        return 'reloaded';
      } catch (e) {
        // A newer version's database is theirs to read: refuse to write rather than move it away.
        if (e instanceof NewerDatabaseError) throw new Error(`Cannot write to ${this.file}: ${e.message}.`);
        // A file that could not be opened or read (permissions, too many open files) may be fine: nothing is moved for that.
        const { code, syscall } = e as NodeJS.ErrnoException;
        if (syscall && code !== 'ENOENT') throw new Error(`Cannot read ${this.file}: ${message(e)}`);
        if (code !== 'ENOENT') reason = message(e);
      }
    }
    const repoRoots = [...new Set(this.snapshot.workspaces.map((w) => w.repoRoot))];
    // The failed read replaced nothing, so memory is the last good copy: starting from it keeps every row
    // this window knew (commands, setup events), and none of their live sessions looks orphaned (R3)
    // while re-adoption looks for anything else.
    const recovery = this.recover(reason, this.signature !== UNREAD);
    this.recovered.fire({ ...recovery, repoRoots });
    this.changed.fire();
    return 'recovered';
  }

  private rebuildSnapshot(): void {
    this.snapshot = readSnapshot(this.db);
  }

  /**
   * Replaces the file with memory, atomically (temporary file, fsync, rename,
   * fsync of the folder), unless the file changed since it was read: then
   * false. A save that fails rolls memory back to the file and throws.
   */
  private save(): boolean {
    let tmp: string | undefined;
    try {
      tmp = writeTemporary(this.file, this.exportDb(), this.disk);
      if (!this.stillOurs(tmp)) return false;
      replaceFile(tmp, this.file);
    } catch (e) {
      throw this.saveFailed(e, tmp);
    }
    this.signature = fileSignature(this.file);
    return true;
  }

  /** save() for writes: the two flushes are waited for off the main thread (issue 14), under the lock as ever. */
  private async saveAsync(): Promise<boolean> {
    let tmp: string | undefined;
    try {
      tmp = await writeTemporaryAsync(this.file, this.exportDb(), this.disk);
      if (!this.stillOurs(tmp)) return false;
      // The signature is taken at once, so a refresh meanwhile (the folder watch) sees the file as ours.
      await replaceFileAsync(tmp, this.file, () => (this.signature = fileSignature(this.file)));
    } catch (e) {
      throw this.saveFailed(e, tmp);
    }
    return true;
  }

  private exportDb(): Uint8Array {
    const data = this.db.export();
    // export() reopens the database, which resets pragmas.
    this.db.exec('PRAGMA foreign_keys = ON');
    return data;
  }

  /** SPEC §4: no write may replace a file newer than the one it read, even one written without the lock. */
  private stillOurs(tmp: string): boolean {
    if (fileSignature(this.file) === this.signature) return true;
    fs.rmSync(tmp, { force: true });
    return false;
  }

  private saveFailed(e: unknown, tmp: string | undefined): Error {
    if (tmp) fs.rmSync(tmp, { force: true });
    this.rollBack();
    const hint = isDiskFull(e) ? ' Is the disk full?' : '';
    return new Error(`Could not save the Worktree Sessions database ${this.file}: ${message(e)}.${hint} Nothing was changed.`);
  }

  /** Back to the last saved state: under the lock, the file is what this window last read or wrote. */
  private rollBack(): void {
    try {
      this.load(true);
    } catch {
      this.signature = UNREAD;
    }
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
    return rows(this.db, 'SELECT * FROM setup_events WHERE workspace_id = ? ORDER BY id', [workspaceId]).map(toEvent);
  }

  refresh(): boolean {
    if (this.disposed) return false;
    const now = fileSignature(this.file);
    if (now === this.signature) return false;
    if (now !== undefined) {
      try {
        this.load(true);
        return true;
      } catch (e) {
        if (e instanceof NewerDatabaseError) {
          if (this.reportedUnusable !== now) this.options.logger.error(`Cannot use ${this.file}: ${e.message}.`);
          this.reportedUnusable = now;
          return false;
        }
      }
    }
    // Emptied, replaced or deleted: recover under the lock now, not at the next write.
    this.recoverSoon();
    return false;
  }

  private recoverSoon(): void {
    if (this.recoveryQueued) return;
    this.recoveryQueued = true;
    void this.enqueue(async () => {
      this.recoveryQueued = false;
      if (this.disposed) return;
      await this.lock.acquire();
      try {
        if (this.catchUp() === 'reloaded') this.changed.fire();
      } finally {
        this.lock.release();
      }
    }).catch((e: unknown) => this.options.logger.error(`Could not re-read ${this.file}: ${message(e)}`));
  }

  // ── writes ───────────────────────────────────────────────────────────────

  write<T>(fn: (tx: StoreTx) => T): Promise<T> {
    return this.enqueue(() => this.writeNow(fn));
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeNow<T>(fn: (tx: StoreTx) => T): Promise<T> {
    if (this.disposed) throw new Error('The Worktree Sessions database is closed.');
    await this.lock.acquire();
    try {
      for (let attempt = 1; ; attempt++) {
        // Another window may have written since we last looked: start from its rows.
        this.catchUp();
        this.db.exec('BEGIN');
        let result: T;
        const touched = nothingTouched();
        try {
          result = fn(transactionOn(this.db, touched));
          this.db.exec('COMMIT');
        } catch (e) {
          this.db.exec('ROLLBACK');
          throw e;
        }
        if (await this.saveAsync()) {
          // Issue 14: the rows the write touched, read again alone; a write then costs the same at any size.
          this.snapshot = patchSnapshot(this.db, this.snapshot, touched);
          return result;
        }
        // Written meanwhile by something that ignored the lock: apply the change again to what it wrote.
        this.options.logger.warn(`${this.file} changed while this window was saving to it; applying the change again to the new copy.`);
        this.rollBack();
        if (attempt === 3) {
          throw new Error(`Could not save the Worktree Sessions database ${this.file}: it kept changing while this window saved to it. Nothing was changed.`);
        }
      }
    } finally {
      this.lock.release();
    }
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

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.watchTimer);
    this.watcher?.close();
    this.changed.dispose();
    this.recovered.dispose();
    this.db?.close();
  }
}
