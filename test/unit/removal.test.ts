// D4 (issue 8 item 15): the record a delete leaves before `git worktree remove`,
// and what proves a folder without its `.git` to be our removal stopped halfway.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { clearRemoving, finishRemoval, interruptedRemoval, recordRemoving } from '../../src/core/lifecycle/removal';
import type { WorkspaceRecord } from '../../src/core/model';
import { git, makeRepo, runCleanups, tempDir } from '../support/fixtures';

const record = (id: string, repoRoot: string, worktreePath: string): WorkspaceRecord => ({
  id, repoRoot, worktreePath, branch: `feat/${id}`, baseRef: 'main', createdBranch: true,
  baseSession: `wts-${id}`, status: 'deleting', createdAt: 1, updatedAt: 1,
});

/** A repository with two linked worktrees, as git makes them, and their private git folders. */
function twoWorktrees() {
  const repo = makeRepo();
  const parent = tempDir();
  const one = path.join(parent, 'one');
  const two = path.join(parent, 'two');
  git(repo, 'worktree', 'add', '-q', '-b', 'one', one);
  git(repo, 'worktree', 'add', '-q', '-b', 'two', two);
  const gitDirOf = (wt: string) => git(wt, 'rev-parse', '--path-format=absolute', '--git-dir').trim();
  return { repo, one, two, oneGitDir: gitDirOf(one), twoGitDir: gitDirOf(two) };
}

describe('an interrupted removal (D4)', () => {
  afterEach(runCleanups);

  it('D4: the record names the workspace, its folder and when; a whole worktree is never taken for an interrupted removal', () => {
    const { repo, one, oneGitDir } = twoWorktrees();
    const w = record('aaaaaaaaaaaaaaaa', repo, one);
    recordRemoving(oneGitDir, w, 1234);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(oneGitDir, 'worktree-sessions-removing.json'), 'utf8')), { id: w.id, worktreePath: one, at: 1234 });
    assert.equal(interruptedRemoval(w), undefined, 'its .git is still there: git has not started');
    fs.rmSync(path.join(one, '.git'));
    assert.equal(interruptedRemoval(w), oneGitDir);
  });

  it('D4: only our record for this very workspace and folder, in the private folder that names this folder, proves it', () => {
    const { repo, one, two, oneGitDir, twoGitDir } = twoWorktrees();
    const w = record('aaaaaaaaaaaaaaaa', repo, one);
    fs.rmSync(path.join(one, '.git'));
    assert.equal(interruptedRemoval(w), undefined, 'no record at all');
    // A record for this workspace, but in the private folder of another worktree.
    recordRemoving(twoGitDir, w, 1);
    assert.equal(interruptedRemoval(w), undefined, 'the record is in the private folder of another worktree');
    fs.rmSync(path.join(twoGitDir, 'worktree-sessions-removing.json'));
    // In the right folder, but for another workspace, or another folder.
    recordRemoving(oneGitDir, record('bbbbbbbbbbbbbbbb', repo, one), 1);
    assert.equal(interruptedRemoval(w), undefined, 'another workspace\'s record');
    recordRemoving(oneGitDir, record(w.id, repo, two), 1);
    assert.equal(interruptedRemoval(w), undefined, 'a record naming another folder');
    recordRemoving(oneGitDir, w, 1);
    assert.equal(interruptedRemoval(w), oneGitDir);
    // A private folder whose gitdir file cannot be read is skipped, not fatal.
    fs.rmSync(path.join(twoGitDir, 'gitdir'));
    assert.equal(interruptedRemoval(w), oneGitDir);
  });

  it('D4: a folder that is gone, or a repository without linked worktrees, proves nothing', () => {
    const { repo, one, oneGitDir } = twoWorktrees();
    const w = record('aaaaaaaaaaaaaaaa', repo, one);
    recordRemoving(oneGitDir, w, 1);
    fs.rmSync(one, { recursive: true });
    assert.equal(interruptedRemoval(w), undefined, 'nothing left to finish');
    const lone = makeRepo();
    const folder = path.join(tempDir(), 'lone');
    fs.mkdirSync(folder);
    assert.equal(interruptedRemoval(record('cccccccccccccccc', lone, folder)), undefined);
  });

  it('D4: a cleared record proves nothing, and clearing twice is fine', () => {
    const { repo, one, oneGitDir } = twoWorktrees();
    const w = record('aaaaaaaaaaaaaaaa', repo, one);
    recordRemoving(oneGitDir, w, 1);
    clearRemoving(oneGitDir);
    clearRemoving(oneGitDir);
    fs.rmSync(path.join(one, '.git'));
    assert.equal(interruptedRemoval(w), undefined);
  });

  it('D4: finishing removes the rest of the folder and the private folder; a link goes, never its target; what is gone already is fine', () => {
    const { repo, one, oneGitDir } = twoWorktrees();
    const outside = tempDir();
    fs.writeFileSync(path.join(outside, 'keep.txt'), 'theirs\n');
    fs.mkdirSync(path.join(one, 'nested', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(one, 'nested', 'deeper', 'file'), 'x\n');
    fs.symlinkSync(outside, path.join(one, 'shared'));
    fs.rmSync(path.join(one, '.git'));
    finishRemoval(one, oneGitDir);
    assert.equal(fs.existsSync(one), false);
    assert.equal(fs.existsSync(oneGitDir), false);
    assert.equal(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'theirs\n');
    finishRemoval(one, oneGitDir);
    assert.ok(fs.existsSync(repo));
  });
});
