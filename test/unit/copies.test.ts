// D5: the record of what copyFiles copied into a worktree, and which copies the
// user changed since (only those are work a delete must save).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { changedCopies, differingFromMain, recordCopies } from '../../src/core/lifecycle/copies';
import { git, makeRepo, runCleanups, tempDir } from '../support/fixtures';

/** A linked worktree made by git, and its private git folder, where the record lives. */
function worktree() {
  const repo = makeRepo();
  const wt = path.join(tempDir(), 'wt');
  git(repo, 'worktree', 'add', '-q', '-b', 'copies', wt);
  return { repo, wt, gitDir: git(wt, 'rev-parse', '--path-format=absolute', '--git-dir').trim() };
}

const recordFile = (gitDir: string) => path.join(gitDir, 'worktree-sessions-copies.json');

describe('copies kept track of (D5)', () => {
  afterEach(runCleanups);

  it('D5: a copy the user changed is named; one left as copied, or deleted, is not', () => {
    const { wt, gitDir } = worktree();
    for (const f of ['.env', 'kept.local', 'gone.local']) fs.writeFileSync(path.join(wt, f), `${f} as copied\n`);
    recordCopies(gitDir, wt, ['.env', 'kept.local', 'gone.local']);
    assert.deepEqual(changedCopies(wt), []);
    fs.writeFileSync(path.join(wt, '.env'), 'changed by the user\n');
    fs.rmSync(path.join(wt, 'gone.local'));
    assert.deepEqual(changedCopies(wt), ['.env']);
  });

  it('D5: a worktree without a record says so (undefined), unlike one whose copies are all unchanged ([])', () => {
    const { wt, gitDir } = worktree();
    assert.equal(changedCopies(wt), undefined);
    recordCopies(gitDir, wt, []);
    assert.deepEqual(changedCopies(wt), []);
    assert.equal(changedCopies(tempDir()), undefined, 'not a worktree at all');
  });

  it('D5: a retried setup adds to the record; a file that is not there, or not a file, is not recorded', () => {
    const { wt, gitDir } = worktree();
    fs.writeFileSync(path.join(wt, 'first.local'), '1\n');
    recordCopies(gitDir, wt, ['first.local']);
    fs.writeFileSync(path.join(wt, 'second.local'), '2\n');
    fs.mkdirSync(path.join(wt, 'folder.local'));
    recordCopies(gitDir, wt, ['second.local', 'missing.local', 'folder.local']);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(recordFile(gitDir), 'utf8'))).sort(), ['first.local', 'second.local']);
    fs.writeFileSync(path.join(wt, 'first.local'), 'changed\n');
    fs.writeFileSync(path.join(wt, 'second.local'), 'changed\n');
    assert.deepEqual(changedCopies(wt)!.sort(), ['first.local', 'second.local']);
  });

  it('D5: a record that names paths outside the worktree is not followed there', () => {
    const { wt, gitDir } = worktree();
    const outside = path.join(path.dirname(wt), 'outside.txt');
    fs.writeFileSync(outside, 'not ours\n');
    fs.mkdirSync(path.join(wt, 'sub'));
    fs.writeFileSync(path.join(wt, 'sub', 'in.local'), 'now\n');
    fs.writeFileSync(recordFile(gitDir), JSON.stringify({ [outside]: 'x', '../outside.txt': 'x', 'sub\\..\\..\\outside.txt': 'x', 'sub/in.local': 'x', '..env': 'x' }));
    fs.writeFileSync(path.join(wt, '..env'), 'dots\n');
    assert.deepEqual(changedCopies(wt)!.sort(), ['..env', 'sub/in.local']);
  });

  it('D5: a record that cannot be read counts as no record', () => {
    const { wt, gitDir } = worktree();
    fs.writeFileSync(recordFile(gitDir), '{ half');
    assert.equal(changedCopies(wt), undefined);
    // Recording again starts a fresh one.
    fs.writeFileSync(path.join(wt, 'a.local'), 'a\n');
    recordCopies(gitDir, wt, ['a.local']);
    assert.deepEqual(changedCopies(wt), []);
  });

  it('D5 without a record: only ignored files whose content differs from the main worktree are at risk', () => {
    const { repo, wt } = worktree();
    fs.writeFileSync(path.join(repo, 'same.local'), 'same\n');
    fs.writeFileSync(path.join(wt, 'same.local'), 'same\n');
    fs.writeFileSync(path.join(repo, 'differs.local'), 'main\n');
    fs.writeFileSync(path.join(wt, 'differs.local'), 'here\n');
    fs.writeFileSync(path.join(wt, 'only-here.local'), 'here\n');
    fs.writeFileSync(path.join(repo, 'only-in-main.local'), 'main\n');
    assert.deepEqual(differingFromMain(repo, wt, ['same.local', 'differs.local', 'only-here.local', 'only-in-main.local', 'vanished.local']), ['differs.local', 'only-here.local']);
  });
});
