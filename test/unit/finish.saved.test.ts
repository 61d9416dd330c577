// SPEC §10, saved changes (the saves D5 makes before a forced delete):
// listed per repository, shown as a diff, restored into a new workspace, dropped.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { git, makeCore, makeRepo, rejects, runCleanups, type TestCore } from '../support/fixtures';

describe('finishing: saved changes (SPEC §10)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  let core: TestCore;
  let repo: string;

  /** A workspace with a commit of its own and uncommitted changes, force-deleted: D5 saves them. */
  async function saveOne(branch: string, commitFirst: boolean) {
    const ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch });
    if (commitFirst) {
      fs.writeFileSync(path.join(ws.worktreePath, 'committed.txt'), 'committed\n');
      git(ws.worktreePath, 'add', 'committed.txt');
      git(ws.worktreePath, 'commit', '-q', '-m', 'committed');
    }
    const tip = git(ws.worktreePath, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(ws.worktreePath, 'README.md'), '# changed\n');
    fs.rmSync(path.join(ws.worktreePath, 'src/app.txt'));
    fs.writeFileSync(path.join(ws.worktreePath, 'new.txt'), 'new\n');
    const result = await core.lifecycle.deleteWorkspace(ws.id, { force: true });
    return { tip, saved: result.savedChanges! };
  }

  beforeEach(async () => {
    core = await makeCore();
    repo = makeRepo();
  });

  it('lists saved changes with their workspace, time, base and patch file, and their files', async () => {
    const { tip, saved } = await saveOne('feat/x', true);
    const list = await core.lifecycle.savedChanges([repo]);
    assert.equal(list.length, 1);
    const [s] = list;
    assert.equal(s.ref, saved.ref);
    assert.equal(s.label, 'feat-x');
    assert.equal(s.base, tip);
    assert.equal(s.patchFile, saved.patchFile);
    assert.ok(Math.abs(s.savedAt - Date.now()) < 60_000);
    assert.deepEqual(await core.lifecycle.savedChangeFiles(s), [
      { path: 'README.md', kind: 'modified' },
      { path: 'new.txt', kind: 'added' },
      { path: 'src/app.txt', kind: 'deleted' },
    ]);
  });

  it('restores onto the original branch when it still ends where the changes were made: a workspace with them uncommitted; the save is dropped', async () => {
    const { tip, saved } = await saveOne('feat/x', true);
    assert.equal(git(repo, 'branch', '--list', 'feat/x').trim(), 'feat/x', 'D6 kept the unmerged branch');
    const ws = await core.lifecycle.restoreSavedChanges(saved.ref, [repo]);
    assert.equal(ws.branch, 'feat/x');
    assert.equal(ws.createdBranch, true, 'still a branch the extension made (D6)');
    assert.equal(git(ws.worktreePath, 'rev-parse', 'HEAD').trim(), tip);
    assert.deepEqual(git(ws.worktreePath, 'status', '--porcelain=v1', '--untracked-files=all').split('\n').filter(Boolean).sort(), [' D src/app.txt', ' M README.md', '?? new.txt']);
    assert.equal(fs.readFileSync(path.join(ws.worktreePath, 'README.md'), 'utf8'), '# changed\n');
    assert.equal(git(repo, 'for-each-ref', saved.ref), '', 'the save is dropped once restored');
    assert.ok(!fs.existsSync(saved.patchFile));
    assert.deepEqual(await core.lifecycle.savedChanges([repo]), []);
  });

  it('restores into a new "-restored" branch on the saved base when the original branch is gone', async () => {
    const { tip, saved } = await saveOne('feat/y', false);
    assert.equal(git(repo, 'branch', '--list', 'feat/y'), '', 'D6 deleted the merged branch');
    const ws = await core.lifecycle.restoreSavedChanges(saved.ref, [repo]);
    assert.equal(ws.branch, 'feat-y-restored');
    assert.equal(ws.baseRef, 'main');
    assert.equal(git(ws.worktreePath, 'rev-parse', 'HEAD').trim(), tip);
    assert.equal(fs.readFileSync(path.join(ws.worktreePath, 'new.txt'), 'utf8'), 'new\n');
    assert.ok(!fs.existsSync(path.join(ws.worktreePath, 'src/app.txt')));
  });

  it('drops saved changes: the ref and the patch file go', async () => {
    const { saved } = await saveOne('feat/z', true);
    assert.equal((await core.lifecycle.savedChanges([repo])).length, 1);
    await core.lifecycle.dropSavedChanges(saved.ref, [repo]);
    assert.deepEqual(await core.lifecycle.savedChanges([repo]), [], 'the list forgets it at once, not after its cache expires');
    assert.equal(git(repo, 'for-each-ref', 'refs/worktree-sessions/'), '');
    assert.ok(!fs.existsSync(saved.patchFile));
    await rejects(core.lifecycle.dropSavedChanges(saved.ref, [repo]), /No saved changes/);
  });

  it('refuses a ref outside refs/worktree-sessions/saved/', async () => {
    await saveOne('feat/w', true);
    for (const bad of ['refs/heads/main', 'refs/worktree-sessions/saved/', 'refs/worktree-sessions/saved/../../heads/main', 42]) {
      await rejects(core.lifecycle.dropSavedChanges(bad, [repo]), /is not a saved-changes ref/);
    }
    assert.equal(git(repo, 'branch', '--list', 'main').trim(), '* main');
  });
});
