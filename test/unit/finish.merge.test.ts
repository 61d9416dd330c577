// SPEC §10, merge into base: each mode against real git, and the all-or-nothing
// guarantee — a conflict or a refusal leaves every HEAD, index, worktree and
// git folder as it was.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkspaceView } from '../../src/core/model';
import { git, makeCore, makeRepo, rejects, runCleanups, type TestCore } from '../support/fixtures';

function commit(cwd: string, file: string, content: string, message: string): void {
  fs.mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
  fs.writeFileSync(path.join(cwd, file), content);
  git(cwd, 'add', '--', file);
  git(cwd, 'commit', '-q', '-m', message);
}

const rev = (cwd: string, ref: string) => git(cwd, 'rev-parse', ref).trim();

/** Everything a failed merge must leave as it was. */
function snapshot(repo: string, ws: WorkspaceView) {
  const gitDirOf = (wt: string) => git(wt, 'rev-parse', '--path-format=absolute', '--git-dir').trim();
  const inProgress = (wt: string) => ['MERGE_HEAD', 'rebase-merge', 'rebase-apply', 'CHERRY_PICK_HEAD', 'AUTO_MERGE'].filter((f) => fs.existsSync(path.join(gitDirOf(wt), f)));
  return {
    refs: git(repo, 'for-each-ref', '--format=%(refname) %(objectname)'),
    heads: [rev(repo, 'HEAD'), rev(ws.worktreePath, 'HEAD')],
    status: [git(repo, 'status', '--porcelain=v1', '--untracked-files=all'), git(ws.worktreePath, 'status', '--porcelain=v1', '--untracked-files=all')],
    files: [fs.readFileSync(path.join(repo, 'README.md'), 'utf8'), fs.readFileSync(path.join(ws.worktreePath, 'README.md'), 'utf8')],
    inProgress: [...inProgress(repo), ...inProgress(ws.worktreePath)],
    worktrees: git(repo, 'worktree', 'list', '--porcelain'),
    scratches: fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('wts-scratch-')),
  };
}

describe('finishing: merge into base (SPEC §10)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  let core: TestCore;
  let repo: string;
  let ws: WorkspaceView;

  beforeEach(async () => {
    core = await makeCore();
    repo = makeRepo();
    ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/a' });
  });

  /** main and the branch each get a commit of their own, in different files. */
  function diverge(): void {
    commit(ws.worktreePath, 'src/feature.txt', 'feature\n', 'Add the feature');
    commit(ws.worktreePath, 'src/more.txt', 'more\n', 'Add more');
    commit(repo, 'docs/notes.txt', 'notes\n', 'Notes on main');
  }

  /** Both sides change the same line of README.md. */
  function conflict(): void {
    commit(ws.worktreePath, 'README.md', '# from the branch\n', 'Branch edits the title');
    commit(repo, 'README.md', '# from main\n', 'Main edits the title');
  }

  it('merge: main gets a merge commit of both sides; its worktree is updated and clean; the branch is untouched', async () => {
    diverge();
    const branchTip = rev(repo, 'feat/a');
    const mainTip = rev(repo, 'main');
    const result = await core.lifecycle.mergeIntoBase(ws.id, 'merge');
    assert.equal(result.merged, true);
    assert.equal(result.conflicts, undefined);
    assert.deepEqual(git(repo, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ').slice(1), [mainTip, branchTip]);
    assert.equal(git(repo, 'log', '-1', '--format=%s', 'main').trim(), "Merge branch 'feat/a' into main");
    assert.equal(rev(repo, 'feat/a'), branchTip);
    assert.equal(fs.readFileSync(path.join(repo, 'src/feature.txt'), 'utf8'), 'feature\n', 'the main worktree has the merged files');
    assert.equal(git(repo, 'status', '--porcelain'), '');
    assert.equal(git(ws.worktreePath, 'status', '--porcelain'), '');
    assert.equal(snapshot(repo, ws).scratches.length, 0, 'the scratch worktree is gone');
  });

  it('squash: main gets one commit with the branch changes and a message from its commits', async () => {
    diverge();
    const mainTip = rev(repo, 'main');
    const branchTip = rev(repo, 'feat/a');
    const result = await core.lifecycle.mergeIntoBase(ws.id, 'squash');
    assert.equal(result.merged, true);
    assert.deepEqual(git(repo, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ').slice(1), [mainTip], 'one parent: a squash');
    assert.equal(git(repo, 'log', '-1', '--format=%B', 'main').trim(), "Squashed 'feat/a' (2 commits)\n\n* Add the feature\n* Add more");
    assert.deepEqual(git(repo, 'ls-tree', '-r', '--name-only', 'main', 'src').trim().split('\n'), ['src/app.txt', 'src/feature.txt', 'src/more.txt']);
    assert.equal(rev(repo, 'feat/a'), branchTip);
    assert.equal(git(repo, 'status', '--porcelain'), '');
  });

  it('rebase: the branch is replayed onto main, main fast-forwards to it, and the clean workspace follows', async () => {
    diverge();
    const mainTip = rev(repo, 'main');
    const result = await core.lifecycle.mergeIntoBase(ws.id, 'rebase');
    assert.equal(result.merged, true);
    const tip = rev(repo, 'feat/a');
    assert.equal(rev(repo, 'main'), tip, 'main fast-forwarded to the rebased branch');
    assert.equal(rev(ws.worktreePath, 'HEAD'), tip, 'the workspace is on the rebased branch');
    assert.equal(git(repo, 'merge-base', '--is-ancestor', mainTip, tip), '');
    assert.deepEqual(git(repo, 'log', '--format=%s', `${mainTip}..main`).trim().split('\n'), ['Add more', 'Add the feature']);
    assert.equal(git(repo, 'rev-list', '--merges', '--count', 'main').trim(), '0', 'linear history');
    assert.equal(git(ws.worktreePath, 'status', '--porcelain'), '');
    assert.equal(fs.readFileSync(path.join(ws.worktreePath, 'docs/notes.txt'), 'utf8'), 'notes\n', 'the workspace has main\'s commit under it');
  });

  for (const mode of ['merge', 'squash', 'rebase'] as const) {
    it(`${mode}: a conflict names the files and leaves everything as it was`, async () => {
      conflict();
      commit(ws.worktreePath, 'src/clean.txt', 'no conflict here\n', 'A clean commit');
      const before = snapshot(repo, ws);
      const result = await core.lifecycle.mergeIntoBase(ws.id, mode);
      assert.deepEqual(result.conflicts, ['README.md']);
      assert.equal(result.merged, false);
      assert.deepEqual(snapshot(repo, ws), before);
      assert.equal(core.lifecycle.workspace(ws.id)?.busy, false);
    });
  }

  it('refuses a dirty workspace, naming the files, and changes nothing', async () => {
    diverge();
    fs.writeFileSync(path.join(ws.worktreePath, 'scratch.txt'), 'untracked\n');
    const before = snapshot(repo, ws);
    await rejects(core.lifecycle.mergeIntoBase(ws.id, 'rebase'), /"feat\/a" has uncommitted changes \(scratch\.txt\)/);
    assert.deepEqual(snapshot(repo, ws), before);
  });

  it('refuses when the base is checked out in a worktree with changes, and changes nothing', async () => {
    diverge();
    fs.appendFileSync(path.join(repo, 'README.md'), 'work in progress on main\n');
    const before = snapshot(repo, ws);
    for (const mode of ['merge', 'squash', 'rebase'] as const) {
      await rejects(core.lifecycle.mergeIntoBase(ws.id, mode), /"main" is checked out in .*, which has uncommitted changes \(README\.md\)/);
    }
    assert.deepEqual(snapshot(repo, ws), before);
  });

  it('refuses a base that is being rebased in its worktree (its HEAD is detached meanwhile)', async () => {
    diverge();
    commit(repo, 'docs/second.txt', 'second\n', 'Second on main');
    git(repo, '-c', 'sequence.editor=sed -i 1s/^pick/edit/', 'rebase', '-q', '-i', 'HEAD~1');
    const before = snapshot(repo, ws);
    await rejects(core.lifecycle.mergeIntoBase(ws.id, 'merge'), /"main" is being rebased in /);
    assert.deepEqual(snapshot(repo, ws), before);
    assert.ok(fs.existsSync(path.join(repo, '.git', 'rebase-merge')), 'the user\'s rebase is still in progress');
  });

  it('moves a base that no worktree has checked out by a compare-and-swap of the ref', async () => {
    diverge();
    git(repo, 'checkout', '-q', '--detach');
    const result = await core.lifecycle.mergeIntoBase(ws.id, 'merge');
    assert.equal(result.merged, true);
    assert.equal(git(repo, 'merge-base', '--is-ancestor', 'feat/a', 'main'), '');
    assert.equal(git(repo, 'status', '--porcelain'), '', 'the detached main worktree was not touched');
  });

  it('runs none of the repository\'s hooks in the scratch worktree or the base worktree', async () => {
    diverge();
    const marker = path.join(path.dirname(repo), 'hook-ran');
    for (const hook of ['post-checkout', 'post-merge', 'pre-merge-commit', 'pre-commit']) {
      fs.writeFileSync(path.join(repo, '.git', 'hooks', hook), `#!/bin/sh\necho ${hook} >> "${marker}"\n`, { mode: 0o755 });
    }
    await core.lifecycle.mergeIntoBase(ws.id, 'merge');
    assert.equal(fs.existsSync(marker), false, fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '');
  });

  it('says when there is nothing to merge', async () => {
    const result = await core.lifecycle.mergeIntoBase(ws.id, 'squash');
    assert.deepEqual({ merged: result.merged, alreadyMerged: result.alreadyMerged }, { merged: true, alreadyMerged: true });
  });

  it('refuses a base that is not a local branch, and an unknown mode', async () => {
    const other = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/tagged', baseRef: rev(repo, 'main') });
    await rejects(core.lifecycle.mergeIntoBase(other.id, 'merge'), /not a local branch/);
    await rejects(core.lifecycle.mergeIntoBase(ws.id, 'octopus' as never), /not a merge mode/);
  });

  it('after a merge, the safe delete deletes the merged branch (D6)', async () => {
    diverge();
    await core.lifecycle.mergeIntoBase(ws.id, 'merge');
    const result = await core.lifecycle.deleteWorkspace(ws.id);
    assert.equal(result.deleted, true);
    assert.equal(result.deletedBranch, 'feat/a');
    assert.equal(git(repo, 'branch', '--list', 'feat/a'), '');
  });

  it('waits for the workspace\'s turn: a merge asked for after a delete finds the workspace gone', async () => {
    diverge();
    const mainTip = rev(repo, 'main');
    const deleting = core.lifecycle.deleteWorkspace(ws.id, { branch: 'never' });
    const merging = core.lifecycle.mergeIntoBase(ws.id, 'merge');
    assert.equal((await deleting).deleted, true);
    await rejects(merging, /No workspace with id/);
    assert.equal(rev(repo, 'main'), mainTip);
  });
});
