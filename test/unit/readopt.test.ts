// SPEC §4 after a lost database: only what is provably ours comes back — a
// worktree whose private git folder holds this installation's marker, and the
// sessions this installation marked and stamped in it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeCore, makeRepo, git, runCleanups, tempDir, tmux, type TestCore } from '../support/fixtures';

/** A new window on the same storage and socket whose database was lost (deleted). */
async function afterLostDatabase(first: TestCore, settings: Partial<TestCore['settings']> = {}): Promise<TestCore> {
  first.dispose();
  fs.rmSync(path.join(first.storageDir, 'worktree-sessions.db'));
  const second = await makeCore({ storageDir: first.storageDir, socket: first.socket, settings });
  assert.deepEqual(second.store.workspaces(), []);
  return second;
}

function mark(socket: string, name: string, options: Record<string, string>): void {
  const args = ['new-session', '-d', '-s', name];
  for (const [k, v] of Object.entries(options)) args.push(';', 'set-option', '-t', `=${name}:`, k, v);
  tmux(socket, ...args);
}

describe('re-adoption after a lost database (SPEC §4)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('finds a worktree through its base terminal alone, with the stamped sessions this installation marked in it', async () => {
    const first = await makeCore();
    const w = await first.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/back' });
    const a = await first.lifecycle.launch(w.id, 'shell');
    const b = await first.lifecycle.launch(w.id, 'shell');
    mark(first.socket, `wts-${w.id}-unstamped`, { '@wts_owner': first.tmux.ownerId });
    mark(first.socket, `wts-${w.id}-foreign`, { '@wts_owner': 'another-install', '@wts_created': String(Date.now()) });
    const second = await afterLostDatabase(first);

    assert.deepEqual(await second.lifecycle.readopt([]), [w.id]);
    const row = second.store.workspace(w.id)!;
    assert.deepEqual(
      { branch: row.branch, worktreePath: row.worktreePath, repoRoot: row.repoRoot, baseRef: row.baseRef, createdBranch: row.createdBranch, baseSession: row.baseSession, status: row.status },
      { branch: 'feat/back', worktreePath: w.worktreePath, repoRoot: w.repoRoot, baseRef: w.baseRef, createdBranch: true, baseSession: w.baseSession.name, status: 'ready' },
    );
    const rows = second.store.sessions(w.id).sort((x, y) => x.name.localeCompare(y.name));
    assert.deepEqual(rows, [
      { name: a.name, workspaceId: w.id, targetKey: 'shell', label: 'shell', command: [], createdAt: a.createdAt, lost: false },
      { name: b.name, workspaceId: w.id, targetKey: 'shell', label: 'shell', command: [], createdAt: b.createdAt, lost: false },
    ]);
    assert.deepEqual(second.lifecycle.workspace(w.id)!.sessions.map((s) => s.name).sort(), [a.name, b.name].sort());
  });

  it("finds worktrees through the repositories' lists when tmux is not there; only this installation's marker counts, and only once", async () => {
    const first = await makeCore();
    const repo = makeRepo();
    const ours = await first.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/ours' });
    const theirs = await first.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/theirs' });
    const taken = await first.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/taken' });
    // Another installation's marker, and a worktree the user made by hand.
    const markerOf = (w: { worktreePath: string }) => path.join(git(w.worktreePath, 'rev-parse', '--path-format=absolute', '--git-dir').trim(), 'worktree-sessions.json');
    const marker = JSON.parse(fs.readFileSync(markerOf(theirs), 'utf8'));
    fs.writeFileSync(markerOf(theirs), JSON.stringify({ ...marker, ownerId: 'another-install' }));
    git(repo, 'worktree', 'add', '-q', '-b', 'by-hand', path.join(tempDir(), 'by-hand'));
    const second = await afterLostDatabase(first, { tmuxPath: path.join(tempDir(), 'no-tmux-here') });
    // The branch of one of them has a workspace again already (made in another window).
    await second.store.write((tx) => tx.insertWorkspace({
      id: 'ffffffffffffffff', repoRoot: repo, worktreePath: taken.worktreePath, branch: 'feat/taken', baseRef: 'main', createdBranch: false,
      baseSession: 'wts-ffffffffffffffff', status: 'ready', createdAt: 1, updatedAt: 1,
    }));

    assert.deepEqual(await second.lifecycle.readopt([tempDir(), repo]), [ours.id]);
    assert.deepEqual(second.store.workspaces().map((w) => w.id).sort(), [ours.id, 'ffffffffffffffff'].sort());
    assert.deepEqual(await second.lifecycle.readopt([repo]), [], 'nothing twice');
  });
});
