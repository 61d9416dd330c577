import assert from 'node:assert/strict';
import { branchNamePrecheck, parseRefList, parseShortStat, parseStatusPorcelain, parseStatusV2, parseWorktreeList, worktreeFolderName } from '../../src/core/gitParse';
import { git, makeRepo, runCleanups } from '../support/fixtures';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

describe('git output parsers', () => {
  afterEach(runCleanups);
  it('parses worktree list --porcelain -z', () => {
    const out = 'worktree /r\0HEAD abc\0branch refs/heads/main\0\0worktree /r.wt/feat x\0HEAD def\0branch refs/heads/feat/x\0locked\0\0worktree /r.wt/d\0HEAD 123\0detached\0prunable gitdir file points to non-existent location\0\0';
    const list = parseWorktreeList(out);
    assert.equal(list.length, 3);
    assert.deepEqual(list[1], { path: '/r.wt/feat x', head: 'def', branch: 'feat/x', bare: false, detached: false, locked: true, prunable: false });
    assert.equal(list[2].detached, true);
    assert.equal(list[2].prunable, true);
    assert.equal(list[2].branch, undefined);
  });

  it('parses the newline form of worktree list --porcelain too', () => {
    const list = parseWorktreeList('worktree /a\nHEAD 1\nbranch refs/heads/main\n\nworktree /b\nbare\n\n');
    assert.equal(list.length, 2);
    assert.equal(list[1].bare, true);
  });

  it('parses status --porcelain -z with renames and untracked files', () => {
    const out = ' M src/a.ts\0?? new file.txt\0R  to.txt\0from.txt\0A  ünï.txt\0';
    assert.deepEqual(parseStatusPorcelain(out), [
      { code: ' M', path: 'src/a.ts' },
      { code: '??', path: 'new file.txt' },
      { code: 'R ', path: 'to.txt', from: 'from.txt' },
      { code: 'A ', path: 'ünï.txt' },
    ]);
    assert.deepEqual(parseStatusPorcelain(''), []);
  });

  it('parses status --porcelain=v2 --branch -z from real git: HEAD, renames, conflicts, hostile paths', () => {
    const repo = makeRepo({ files: { 'a b.txt': 'a\n', 'old.txt': 'old\n', 'c.txt': 'base\n' } });
    const status = () => parseStatusV2(execFileSync('git', ['-C', repo, 'status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all'], { encoding: 'utf8' }));
    const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    // A conflict on c.txt, then the other changes.
    git(repo, 'checkout', '-q', '-b', 'other');
    fs.writeFileSync(path.join(repo, 'c.txt'), 'other\n');
    git(repo, 'commit', '-q', '-am', 'other');
    git(repo, 'checkout', '-q', 'main');
    fs.writeFileSync(path.join(repo, 'c.txt'), 'main\n');
    git(repo, 'commit', '-q', '-am', 'main');
    const tip = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    assert.notEqual(tip, head);
    try { git(repo, 'merge', '-q', 'other'); } catch { /* the conflict */ }
    fs.writeFileSync(path.join(repo, 'a b.txt'), 'changed\n');
    git(repo, 'mv', 'old.txt', 'new name.txt');
    fs.writeFileSync(path.join(repo, 'line\nbreak 1 2 3.txt'), 'x\n');
    const s = status();
    assert.equal(s.oid, tip);
    assert.equal(s.branch, 'main');
    assert.deepEqual(s.entries.sort((x, y) => x.path.localeCompare(y.path)), [
      { code: ' M', path: 'a b.txt' },
      { code: 'UU', path: 'c.txt' },
      { code: '??', path: 'line\nbreak 1 2 3.txt' },
      { code: 'R ', path: 'new name.txt', from: 'old.txt' },
    ]);
    git(repo, 'merge', '--abort');
    git(repo, 'checkout', '-q', '--detach');
    assert.deepEqual({ ...status(), entries: [] }, { oid: tip, entries: [] });
    git(repo, 'checkout', '-q', '--orphan', 'feat/unborn');
    const unborn = status();
    assert.equal(unborn.oid, undefined);
    assert.equal(unborn.branch, 'feat/unborn');
  });

  it('parses --shortstat', () => {
    assert.deepEqual(parseShortStat(' 3 files changed, 10 insertions(+), 2 deletions(-)\n'), { files: 3, insertions: 10, deletions: 2 });
    assert.deepEqual(parseShortStat(' 1 file changed, 1 deletion(-)\n'), { files: 1, insertions: 0, deletions: 1 });
    assert.deepEqual(parseShortStat(''), { files: 0, insertions: 0, deletions: 0 });
  });

  it('lists refs without the symbolic HEAD', () => {
    assert.deepEqual(parseRefList('origin/HEAD\norigin/main\norigin/feat/x\n'), ['origin/main', 'origin/feat/x']);
  });

  it('prechecks names git would accept but a folder cannot hold', () => {
    assert.match(branchNamePrecheck('-x')!, /start with "-"/);
    assert.match(branchNamePrecheck('HEAD')!, /not allowed/);
    assert.match(branchNamePrecheck('x'.repeat(300))!, /300 characters/);
    assert.match(branchNamePrecheck('')!, /empty/);
    assert.match(branchNamePrecheck('@{-1}')!, /@\{/);
    assert.equal(branchNamePrecheck('feat/ünïcödé'), undefined);
  });

  it('turns a branch into one folder name', () => {
    assert.equal(worktreeFolderName('feat/x/y'), 'feat-x-y');
    assert.equal(worktreeFolderName('.hidden'), '_hidden');
  });
});
