import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { DATABASE_FILE, OwnershipStore, SCHEMA_VERSION } from '../../src/core/store';
import type { WorkspaceRecord } from '../../src/core/model';
import { MemoryLogger, runCleanups, tempDir, waitFor, wasmPath } from '../support/fixtures';

const ws = (id: string, branch = `b-${id}`): WorkspaceRecord => ({
  id, repoRoot: '/repo', worktreePath: `/repo.worktrees/${branch}`, branch, baseRef: 'main', createdBranch: true,
  baseSession: `wts-${id}`, status: 'ready', createdAt: 1, updatedAt: 1,
});

async function open(dir: string, watch = false) {
  const logger = new MemoryLogger();
  const r = await OwnershipStore.open(dir, { wasmPath, logger, watch, lockTimeoutMs: 3000 });
  return { ...r, logger };
}

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
    const SQL = await initSqlJs({ locateFile: () => wasmPath });
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
    const SQL = await initSqlJs({ locateFile: () => wasmPath });
    const db = new SQL.Database();
    db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '999');");
    fs.writeFileSync(path.join(dir, DATABASE_FILE), db.export());
    db.close();
    const { store, recovered } = await open(dir);
    stores.push(store);
    assert.match(recovered!.reason, /newer version of Worktree Sessions/);
    assert.ok(fs.existsSync(recovered!.movedTo), 'kept, for the newer version to use');
  });
});
