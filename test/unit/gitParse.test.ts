import assert from 'node:assert/strict';
import { branchNamePrecheck, parseRefList, parseShortStat, parseStatusPorcelain, parseWorktreeList, worktreeFolderName } from '../../src/core/gitParse';

describe('git output parsers', () => {
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
