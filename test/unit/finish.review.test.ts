// SPEC §10, review: every change since the merge-base with the base ref,
// committed or not, untracked included; commits ahead of and behind the base.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { git, makeCore, makeRepo, rejects, runCleanups } from '../support/fixtures';

describe('finishing: review (SPEC §10)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('lists committed, staged, unstaged, deleted, renamed and untracked changes since the merge-base, not ignored files nor main\'s own', async () => {
    const core = await makeCore();
    const repo = makeRepo({ files: { 'README.md': '# r\n', 'src/app.txt': 'hello\n', 'old.txt': 'a long enough line to be recognised as a rename\n', 'doomed.txt': 'x\n', '.gitignore': '*.log\n' } });
    const ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/review' });
    const wt = ws.worktreePath;
    fs.writeFileSync(path.join(wt, 'committed.txt'), 'c\n');
    git(wt, 'add', 'committed.txt');
    git(wt, 'commit', '-q', '-m', 'committed');
    fs.writeFileSync(path.join(wt, 'README.md'), '# staged\n');
    git(wt, 'add', 'README.md');
    fs.writeFileSync(path.join(wt, 'src/app.txt'), 'unstaged\n');
    git(wt, 'mv', 'old.txt', 'new.txt');
    git(wt, 'rm', '-q', 'doomed.txt');
    fs.writeFileSync(path.join(wt, 'untracked.txt'), 'u\n');
    fs.writeFileSync(path.join(wt, 'debug.log'), 'ignored\n');
    // main moves on: its change is not the workspace's.
    fs.writeFileSync(path.join(repo, 'main-only.txt'), 'm\n');
    git(repo, 'add', 'main-only.txt');
    git(repo, 'commit', '-q', '-m', 'main moves on');

    const review = await core.lifecycle.reviewChanges(ws.id);
    assert.equal(review.baseRef, 'main');
    assert.equal(review.mergeBase, git(repo, 'rev-parse', 'main~1').trim());
    assert.deepEqual(review.files, [
      { path: 'README.md', kind: 'modified' },
      { path: 'committed.txt', kind: 'added' },
      { path: 'doomed.txt', kind: 'deleted' },
      { path: 'new.txt', kind: 'renamed', originalPath: 'old.txt' },
      { path: 'src/app.txt', kind: 'modified' },
      { path: 'untracked.txt', kind: 'untracked' },
    ]);
    assert.deepEqual(await core.lifecycle.aheadBehind(ws.id), { ahead: 1, behind: 1 });
    assert.equal(await core.lifecycle.fileAtCommit(repo, review.mergeBase, 'README.md'), '# r\n');
    assert.equal(await core.lifecycle.fileAtCommit(repo, review.mergeBase, 'committed.txt'), '', 'a file that did not exist is empty on the left');
    await rejects(core.lifecycle.fileAtCommit(repo, review.mergeBase, '../outside'), /not a path inside/);
    await rejects(core.lifecycle.fileAtCommit(repo, 'main', 'README.md'), /not a commit id/);
  });

  it('has nothing to review in a fresh workspace, and counts nothing ahead or behind', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    const ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/fresh' });
    assert.deepEqual((await core.lifecycle.reviewChanges(ws.id)).files, []);
    assert.deepEqual(await core.lifecycle.aheadBehind(ws.id), { ahead: 0, behind: 0 });
  });
});
