// §8 resume: the agent's conversation id is a column of the session row (schema 2), added to older databases in place.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { DATABASE_FILE, OwnershipStore, SCHEMA_VERSION } from '../../src/core/store';
import { MemoryLogger, runCleanups, tempDir, wasmPath } from '../support/fixtures';

describe('agent awareness: the conversation id in the store (§8)', () => {
  afterEach(runCleanups);

  it('a schema-1 database gains agent_session_id, keeps its rows, and keeps the id across reopen', async () => {
    const dir = tempDir();
    const SQL = await initSqlJs({ locateFile: () => wasmPath });
    const old = new SQL.Database();
    old.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema_version', '1');
      CREATE TABLE workspaces (id TEXT PRIMARY KEY, repo_root TEXT NOT NULL, worktree_path TEXT NOT NULL, branch TEXT NOT NULL, base_ref TEXT NOT NULL,
        created_branch INTEGER NOT NULL, base_session TEXT NOT NULL, status TEXT NOT NULL, error TEXT, op_pid INTEGER, created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL, UNIQUE (repo_root, branch));
      CREATE TABLE sessions (name TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE, target_key TEXT NOT NULL,
        label TEXT NOT NULL, command TEXT NOT NULL, created_at INTEGER NOT NULL, lost INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE setup_events (id INTEGER PRIMARY KEY AUTOINCREMENT, workspace_id TEXT NOT NULL, at INTEGER NOT NULL, step TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT);
      INSERT INTO workspaces VALUES ('a', '/r', '/r.w/x', 'x', 'main', 1, 'wts-a', 'ready', NULL, NULL, 1, 1);
      INSERT INTO sessions VALUES ('wts-a-claude', 'a', 'claude', 'Claude Code', '["claude"]', 5, 1);`);
    fs.writeFileSync(path.join(dir, DATABASE_FILE), old.export());
    old.close();

    const { store } = await OwnershipStore.open(dir, { wasmPath, logger: new MemoryLogger(), watch: false });
    assert.ok(SCHEMA_VERSION >= 2, `schema ${SCHEMA_VERSION}`);
    const row = store.sessions('a')[0];
    assert.equal(row.name, 'wts-a-claude');
    assert.equal(row.agentSessionId, undefined);
    await store.write((tx) => tx.upsertSession({ ...row, agentSessionId: '8f1c2d3e-aaaa-bbbb-cccc-0123456789ab' }));
    store.dispose();
    const again = (await OwnershipStore.open(dir, { wasmPath, logger: new MemoryLogger(), watch: false })).store;
    assert.equal(again.sessions('a')[0].agentSessionId, '8f1c2d3e-aaaa-bbbb-cccc-0123456789ab');
    assert.equal(again.sessions('a')[0].lost, true);
    again.dispose();
  });
});
