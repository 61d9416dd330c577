import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { DATABASE_FILE, OwnershipStore, SCHEMA_VERSION, type RecoveryWhileRunning } from '../../src/core/store';
import type { WorkspaceRecord } from '../../src/core/model';
import { FullDisk } from '../support/faults';
import { makeCore, makeRepo, MemoryLogger, onCleanup, projectRoot, runCleanups, tempDir, waitFor, wasmPath } from '../support/fixtures';

const ws = (id: string, branch = `b-${id}`): WorkspaceRecord => ({
  id, repoRoot: '/repo', worktreePath: `/repo.worktrees/${branch}`, branch, baseRef: 'main', createdBranch: true,
  baseSession: `wts-${id}`, status: 'ready', createdAt: 1, updatedAt: 1,
});

async function open(dir: string, watch = false, lockTimeoutMs = 3000) {
  const logger = new MemoryLogger();
  const r = await OwnershipStore.open(dir, { wasmPath, logger, watch, lockTimeoutMs });
  return { ...r, logger };
}

let engine: Promise<SqlJsStatic> | undefined;
/** One sql.js engine for the tests' own reads: each instance adds process listeners. */
const sqlEngine = () => (engine ??= initSqlJs({ locateFile: () => wasmPath }));

/** The workspace ids in the file itself, read by a separate sql.js database. */
async function idsOnDisk(file: string): Promise<string[]> {
  const SQL = await sqlEngine();
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    return (db.exec('SELECT id FROM workspaces ORDER BY id')[0]?.values ?? []).map((r) => String(r[0]));
  } finally {
    db.close();
  }
}

/** Another writer that did not wait for the lock (an older version, a person): adds a row and replaces the file. */
function writeBehindTheLock(SQL: SqlJsStatic, file: string, id: string): void {
  const db = new SQL.Database(fs.readFileSync(file));
  db.run(`INSERT INTO workspaces (id, repo_root, worktree_path, branch, base_ref, created_branch, base_session, status, created_at, updated_at)
          VALUES (?, '/repo', ?, ?, 'main', 1, ?, 'ready', 1, 1)`, [id, `/repo.worktrees/${id}`, `b-${id}`, `wts-${id}`]);
  fs.writeFileSync(`${file}.elsewhere`, db.export());
  db.close();
  fs.renameSync(`${file}.elsewhere`, file);
}

const storeChild = () => path.join(projectRoot, 'out/test/support/storeChild.js');

describe('ownership store (SPEC §4)', () => {
  afterEach(runCleanups);
  const stores: OwnershipStore[] = [];
  afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

  it('creates a versioned schema and keeps rows across reopen', async () => {
    const dir = tempDir();
    const { store } = await open(dir);
    stores.push(store);
    await store.write((tx) => {
      tx.insertWorkspace(ws('a'));
      tx.upsertSession({ name: 'wts-a-shell', workspaceId: 'a', targetKey: 'shell', label: 'Shell', command: ['sh', '-c', 'x y'], createdAt: 5, lost: false });
      tx.addEvent({ workspaceId: 'a', at: 9, step: 'worktree', outcome: 'ok' });
    });
    store.dispose();
    const again = (await open(dir)).store;
    stores.push(again);
    assert.equal(again.workspace('a')!.branch, 'b-a');
    assert.deepEqual(again.sessions('a')[0].command, ['sh', '-c', 'x y']);
    assert.deepEqual(again.events('a').map((e) => e.step), ['worktree']);
    const SQL = await sqlEngine();
    const db = new SQL.Database(fs.readFileSync(path.join(dir, DATABASE_FILE)));
    assert.equal(db.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0].values[0][0], String(SCHEMA_VERSION));
    db.close();
  });

  it('deleting a workspace removes its sessions and events; a unique branch per repository', async () => {
    const { store } = await open(tempDir());
    stores.push(store);
    await store.write((tx) => {
      tx.insertWorkspace(ws('a', 'x'));
      tx.upsertSession({ name: 'wts-a-shell', workspaceId: 'a', targetKey: 'shell', label: 'Shell', command: [], createdAt: 5, lost: false });
    });
    await assert.rejects(store.write((tx) => tx.insertWorkspace(ws('b', 'x'))), /UNIQUE/);
    assert.equal(store.workspaces().length, 1, 'a failed write changes nothing');
    await store.write((tx) => tx.deleteWorkspace('a'));
    assert.deepEqual(store.sessions(), []);
    assert.deepEqual(store.events('a'), []);
  });

  it('deleteSession with a generation removes only that generation', async () => {
    const { store } = await open(tempDir());
    stores.push(store);
    await store.write((tx) => {
      tx.insertWorkspace(ws('a'));
      tx.upsertSession({ name: 's', workspaceId: 'a', targetKey: 'shell', label: 'Shell', command: [], createdAt: 200, lost: false });
    });
    assert.equal(await store.write((tx) => tx.deleteSession('s', 100)), false);
    assert.equal(store.sessions().length, 1);
    assert.equal(await store.write((tx) => tx.deleteSession('s', 200)), true);
    assert.equal(store.sessions().length, 0);
  });

  it('writes atomically: no temporary files remain and the file is always a whole database', async () => {
    const dir = tempDir();
    const { store } = await open(dir);
    stores.push(store);
    for (let i = 0; i < 20; i++) await store.write((tx) => tx.insertWorkspace(ws(`w${i}`)));
    assert.deepEqual(fs.readdirSync(dir).sort(), [DATABASE_FILE]);
    assert.equal(fs.statSync(path.join(dir, DATABASE_FILE)).mode & 0o777, 0o600);
  });

  it('a write re-reads the file first when another process changed it, so neither erases the other', async () => {
    const dir = tempDir();
    const a = (await open(dir)).store;
    const b = (await open(dir)).store;
    stores.push(a, b);
    await a.write((tx) => tx.insertWorkspace(ws('from-a')));
    await b.write((tx) => tx.insertWorkspace(ws('from-b')));
    await a.write((tx) => tx.insertWorkspace(ws('from-a2')));
    a.refresh();
    b.refresh();
    assert.deepEqual(a.workspaces().map((w) => w.id).sort(), ['from-a', 'from-a2', 'from-b']);
    assert.deepEqual(b.workspaces().map((w) => w.id).sort(), ['from-a', 'from-a2', 'from-b']);
  });

  it('fires a change event when another window changes the file', async () => {
    const dir = tempDir();
    const watcher = (await open(dir, true)).store;
    const writer = (await open(dir)).store;
    stores.push(watcher, writer);
    let fired = 0;
    watcher.onDidChangeExternally(() => fired++);
    await writer.write((tx) => tx.insertWorkspace(ws('other-window')));
    await waitFor(() => fired > 0, 'the change event');
    assert.equal(watcher.workspace('other-window')?.id, 'other-window');
    const before = fired;
    await watcher.write((tx) => tx.insertWorkspace(ws('own')));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(fired, before, 'its own writes are not reported as external');
  });

  it('recovers the lock from a holder that died, and waits for a live one', async () => {
    const dir = tempDir();
    const { store } = await open(dir);
    stores.push(store);
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(`${store.file}.lock`, `${dead.pid}\n${Date.now()}\n${os.hostname()}\n`);
    await store.write((tx) => tx.insertWorkspace(ws('after-stale')));
    assert.ok(store.workspace('after-stale'));
    assert.equal(fs.existsSync(`${store.file}.lock`), false);

    const alive = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(`${store.file}.lock`, `${alive.pid}\n${Date.now()}\n${os.hostname()}\n`);
      const err = await store.write((tx) => tx.insertWorkspace(ws('blocked'))).then(() => undefined, (e: Error) => e);
      assert.match(err?.message ?? '', new RegExp(`locked by process ${alive.pid}`));
      assert.equal(store.workspace('blocked'), undefined);
    } finally {
      alive.kill();
      fs.rmSync(`${store.file}.lock`, { force: true });
    }
  });

  it('moves an unreadable file aside with a timestamped name and starts afresh', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, DATABASE_FILE), Buffer.alloc(4096, 7));
    const { store, recovered, logger } = await open(dir);
    stores.push(store);
    assert.match(recovered!.movedTo, new RegExp(`${DATABASE_FILE}\\.unreadable-\\d{4}-\\d\\d-\\d\\dT`));
    assert.deepEqual([...fs.readFileSync(recovered!.movedTo)].slice(0, 3), [7, 7, 7]);
    assert.deepEqual(store.workspaces(), []);
    assert.ok(logger.lines.some((l) => l.startsWith('error') && l.includes('moved it to')));
  });

  it('refuses a database written by a newer schema rather than damaging it', async () => {
    const dir = tempDir();
    const SQL = await sqlEngine();
    const db = new SQL.Database();
    db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '999');");
    fs.writeFileSync(path.join(dir, DATABASE_FILE), db.export());
    db.close();
    const { store, recovered } = await open(dir);
    stores.push(store);
    assert.match(recovered!.reason, /newer version of Worktree Sessions/);
    assert.ok(fs.existsSync(recovered!.movedTo), 'kept, for the newer version to use');
  });

  it('work kept: a live lock holder is waited for however old its lock, so a stuck writer cannot erase a row written meanwhile', async function () {
    this.timeout(20_000);
    const dir = tempDir();
    const ready = path.join(tempDir(), 'holding');
    const { store } = await open(dir, false, 15_000);
    stores.push(store);
    const child = spawn(process.execPath, [storeChild(), 'hold', dir, '2500', ready], { stdio: ['ignore', 'inherit', 'inherit'] });
    onCleanup(() => child.exitCode === null && child.kill());
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    await waitFor(() => fs.existsSync(ready), 'the child to take the lock and read the file');
    // The lock now looks two minutes old, past the 60 s after which a holder used to be called stale; its holder still runs.
    const lockFile = `${store.file}.lock`;
    const lines = fs.readFileSync(lockFile, 'utf8').split('\n');
    lines[1] = String(Date.now() - 120_000);
    fs.writeFileSync(lockFile, lines.join('\n'));
    await store.write((tx) => tx.insertWorkspace(ws('meanwhile')));
    assert.equal(await exited, 0);
    assert.deepEqual(await idsOnDisk(store.file), ['meanwhile', 'stuck']);
  });

  it('work kept: a lock naming a live pid that started at another time (pid reuse) is taken over', async () => {
    const dir = tempDir();
    const { store, logger } = await open(dir);
    stores.push(store);
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    onCleanup(() => other.kill());
    // Written as a holder whose pid the unrelated `sleep` now has: a start time just after boot.
    fs.writeFileSync(`${store.file}.lock`, `${other.pid}\n${Date.now()}\n${os.hostname()}\n1\n`);
    await store.write((tx) => tx.insertWorkspace(ws('after-reuse')));
    assert.deepEqual(await idsOnDisk(store.file), ['after-reuse']);
    assert.ok(logger.lines.some((l) => l.includes('stale database lock')));
  });

  it('work kept: a write never replaces a file newer than the one it read', async () => {
    const dir = tempDir();
    const { store } = await open(dir);
    stores.push(store);
    await store.write((tx) => tx.insertWorkspace(ws('first')));
    const SQL = await sqlEngine();
    let replaced = false;
    await store.write((tx) => {
      // The file changes after this write read it and before it is saved.
      if (!replaced) writeBehindTheLock(SQL, store.file, 'other');
      replaced = true;
      tx.insertWorkspace(ws('mine'));
    });
    assert.deepEqual(await idsOnDisk(store.file), ['first', 'mine', 'other']);
    assert.deepEqual(store.workspaces().map((w) => w.id).sort(), ['first', 'mine', 'other']);
  });

  const shortWrites = [
    { what: 'a write that stops halfway (disk nearly full)', room: 0.5, claimsAll: false },
    { what: 'a write that stops halfway but reports the whole', room: 0.5, claimsAll: true },
    { what: 'a write that fails after the transaction committed', room: 0, claimsAll: false },
  ];
  for (const fault of shortWrites) {
    it(`work kept: ${fault.what} changes nothing, on disk or in memory, and says so`, async () => {
      const dir = tempDir();
      const disk = new FullDisk();
      const { store } = await OwnershipStore.open(dir, { wasmPath, logger: new MemoryLogger(), watch: false, disk });
      stores.push(store);
      await store.write((tx) => tx.insertWorkspace(ws('kept')));
      const before = fs.readFileSync(store.file);

      disk.room = Math.floor(before.length * fault.room);
      disk.claimsAll = fault.claimsAll;
      await assert.rejects(store.write((tx) => {
        tx.insertWorkspace(ws('failed'));
        tx.addEvent({ workspaceId: 'kept', at: 1, step: 'setup-command', outcome: 'ok' });
      }), /Could not save the Worktree Sessions database .*Is the disk full\? Nothing was changed/);
      assert.deepEqual(fs.readFileSync(store.file), before, 'the file is still the old database');
      assert.deepEqual(fs.readdirSync(dir), [DATABASE_FILE], 'no temporary file is left');
      assert.equal(store.workspace('failed'), undefined);
      assert.deepEqual(store.events('kept'), [], 'memory holds nothing of the failed write');

      disk.room = Infinity;
      disk.claimsAll = false;
      const seen = await store.write((tx) => {
        tx.insertWorkspace(ws('next'));
        return tx.workspace('failed');
      });
      assert.equal(seen, undefined, 'the next write does not see the failed change');
      assert.deepEqual(await idsOnDisk(store.file), ['kept', 'next'], 'nor does it save it');
      assert.deepEqual(store.events('kept'), []);
    });
  }

  const replacements: Array<{ what: string; bytes: () => Promise<Buffer> }> = [
    { what: 'garbage', bytes: async () => Buffer.alloc(4096, 7) },
    { what: 'an empty file', bytes: async () => Buffer.alloc(0) },
    {
      what: 'a database without our tables',
      bytes: async () => {
        const SQL = await sqlEngine();
        const db = new SQL.Database();
        db.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('not ours')");
        const bytes = Buffer.from(db.export());
        db.close();
        return bytes;
      },
    },
  ];
  for (const replacement of replacements) {
    it(`work kept: the database replaced by ${replacement.what} while a window runs is moved aside, started again from the window's copy and reported`, async () => {
      const dir = tempDir();
      const { store } = await open(dir);
      stores.push(store);
      await store.write((tx) => {
        tx.insertWorkspace({ ...ws('before'), repoRoot: '/work/repo' });
        tx.addEvent({ workspaceId: 'before', at: 1, step: 'setup-command', outcome: 'ok' });
      });
      const recoveries: RecoveryWhileRunning[] = [];
      store.onDidRecover((r) => recoveries.push(r));
      const bytes = await replacement.bytes();
      fs.writeFileSync(store.file, bytes);

      await store.write((tx) => tx.insertWorkspace(ws('after')));
      assert.deepEqual(await idsOnDisk(store.file), ['after', 'before']);
      assert.deepEqual(store.workspaces().map((w) => w.id), ['after', 'before']);
      assert.equal(store.events('before').length, 1, 'what re-adoption could not rebuild is kept');
      assert.equal(recoveries.length, 1, 'the recovery is reported once');
      assert.deepEqual(recoveries[0].repoRoots, ['/work/repo'], 'with the repositories known before, for re-adoption');
      assert.match(recoveries[0].movedTo ?? '', new RegExp(`${DATABASE_FILE}\\.unreadable-`));
      assert.deepEqual(fs.readFileSync(recoveries[0].movedTo!), bytes, 'the replaced file is kept aside, never deleted');
    });
  }

  it('work kept: a database deleted while a window runs is noticed by the file watch, written again from the window\'s copy and reported', async () => {
    const dir = tempDir();
    const { store } = await open(dir, true);
    stores.push(store);
    await store.write((tx) => tx.insertWorkspace(ws('before')));
    const recoveries: RecoveryWhileRunning[] = [];
    store.onDidRecover((r) => recoveries.push(r));
    fs.rmSync(store.file);
    await waitFor(() => recoveries.length, 'the recovery event');
    assert.equal(recoveries[0].movedTo, undefined);
    assert.deepEqual(await idsOnDisk(store.file), ['before'], 'a new database is in place');
    assert.deepEqual(store.workspaces().map((w) => w.id), ['before']);
  });

  it('work kept: the database emptied while the window runs: the core keeps what it knew and re-adopts the rest', async function () {
    this.timeout(30_000);
    const core = await makeCore();
    const repo = makeRepo();
    const known = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/known' });
    const knownSession = await core.lifecycle.launch(known.id, 'shell');
    const unknown = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/unknown' });
    const unknownSession = await core.lifecycle.launch(unknown.id, 'shell');
    // A row the lost file had and this window's copy lacks (as if another window wrote it just before the loss).
    const elsewhere = (await open(core.storageDir)).store;
    stores.push(elsewhere);
    await elsewhere.write((tx) => tx.deleteWorkspace(unknown.id));
    await waitFor(() => !core.store.workspace(unknown.id), 'this window to read the change');

    let recovered = 0;
    core.store.onDidRecover(() => recovered++);
    fs.writeFileSync(core.store.file, '');
    await waitFor(() => recovered, 'the recovery');
    await waitFor(() => core.logger.lines.some((l) => l.includes('Re-adopted 1 workspace(s) after the database was lost')), 're-adoption');
    assert.equal(core.lifecycle.workspace(unknown.id)?.branch, 'feat/unknown');
    assert.deepEqual(core.store.sessions().map((x) => x.name).sort(), [knownSession.name, unknownSession.name].sort(), 'recorded, so never reaped as orphans');
    assert.equal(core.store.sessions(known.id)[0].label, knownSession.label, 'the known row kept its label (re-adoption would name it by its key)');
    assert.ok(fs.readdirSync(core.storageDir).some((f) => f.startsWith(`${DATABASE_FILE}.unreadable-`)));
  });
});
