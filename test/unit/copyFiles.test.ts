// C3's copy step, one file at a time: what copyIgnoredFile copies, keeps and refuses
// (issue 8: a copy never leaves either tree), on real folders and links.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { copyIgnoredFile, within } from '../../src/core/lifecycle/copyFiles';
import { runCleanups, tempDir } from '../support/fixtures';

describe('copying git-ignored files into a new worktree (C3)', () => {
  let repo: string;
  let worktree: string;
  let outside: string;

  beforeEach(() => {
    const parent = tempDir();
    repo = path.join(parent, 'repo');
    worktree = path.join(parent, 'worktree');
    outside = path.join(parent, 'outside');
    for (const dir of [repo, worktree, outside]) fs.mkdirSync(dir);
  });
  afterEach(runCleanups);

  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };

  it('copies a file, making the folders it needs', () => {
    write(path.join(repo, 'config/dev/app.local'), 'secret=1\n');
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'config/dev/app.local'), { copied: true });
    assert.equal(fs.readFileSync(path.join(worktree, 'config/dev/app.local'), 'utf8'), 'secret=1\n');
  });

  it('copies into folders the worktree already has', () => {
    write(path.join(repo, 'config/app.local'), 'a\n');
    fs.mkdirSync(path.join(worktree, 'config'));
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'config/app.local'), { copied: true });
    assert.equal(fs.readFileSync(path.join(worktree, 'config/app.local'), 'utf8'), 'a\n');
  });

  it('keeps a file the branch already has, without calling it a refusal', () => {
    write(path.join(repo, '.env'), 'from main\n');
    write(path.join(worktree, '.env'), 'the branch\'s own\n');
    assert.deepEqual(copyIgnoredFile(repo, worktree, '.env'), { copied: false });
    assert.equal(fs.readFileSync(path.join(worktree, '.env'), 'utf8'), 'the branch\'s own\n');
  });

  it('skips a source that is gone, without calling it a refusal', () => {
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'vanished.local'), { copied: false });
  });

  it('refuses paths that are absolute or climb out of the repository', () => {
    write(path.join(outside, 'secret'), 'x\n');
    assert.deepEqual(copyIgnoredFile(repo, worktree, path.join(outside, 'secret')), { copied: false, refused: `${path.join(outside, 'secret')}: not a path inside the repository` });
    assert.deepEqual(copyIgnoredFile(repo, worktree, '../outside/secret'), { copied: false, refused: '../outside/secret: not a path inside the repository' });
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'a\\..\\..\\outside\\secret'), { copied: false, refused: 'a\\..\\..\\outside\\secret: not a path inside the repository' });
    assert.deepEqual(fs.readdirSync(worktree), []);
  });

  it('refuses a source that is a link, or not a file', () => {
    write(path.join(outside, 'target'), 'outside\n');
    fs.symlinkSync(path.join(outside, 'target'), path.join(repo, 'link.local'));
    fs.mkdirSync(path.join(repo, 'folder.local'));
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'link.local'), { copied: false, refused: 'link.local: a symbolic link in the main worktree; only regular files are copied' });
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'folder.local'), { copied: false, refused: 'folder.local: not a regular file' });
    assert.deepEqual(fs.readdirSync(worktree), []);
  });

  it('refuses a source reached through a linked folder that resolves outside the main worktree', () => {
    write(path.join(outside, 'conf', 'app.local'), 'outside\n');
    fs.symlinkSync(path.join(outside, 'conf'), path.join(repo, 'conf'));
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'conf/app.local'), { copied: false, refused: 'conf/app.local: resolves outside the main worktree' });
    assert.deepEqual(fs.readdirSync(worktree), []);
  });

  it('copies through a linked folder that stays inside the main worktree', () => {
    write(path.join(repo, 'real', 'app.local'), 'inside\n');
    fs.symlinkSync(path.join(repo, 'real'), path.join(repo, 'alias'));
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'alias/app.local'), { copied: true });
    assert.equal(fs.readFileSync(path.join(worktree, 'alias', 'app.local'), 'utf8'), 'inside\n');
  });

  it('never writes through a folder of the new worktree that is a link, or a file', () => {
    write(path.join(repo, 'conf', 'app.local'), 'secret\n');
    write(path.join(repo, 'data', 'db.local'), 'secret\n');
    fs.symlinkSync(outside, path.join(worktree, 'conf'));
    write(path.join(worktree, 'data'), 'a file where a folder would go\n');
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'conf/app.local'), { copied: false, refused: 'conf/app.local: its folder conf in the new worktree is a symbolic link' });
    assert.deepEqual(copyIgnoredFile(repo, worktree, 'data/db.local'), { copied: false, refused: 'data/db.local: its folder data in the new worktree is not a folder' });
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('never follows a link the new worktree has where the file would go, even a dangling one', () => {
    write(path.join(repo, '.env'), 'secret\n');
    fs.symlinkSync(path.join(outside, 'stolen'), path.join(worktree, '.env'));
    assert.deepEqual(copyIgnoredFile(repo, worktree, '.env'), { copied: false, refused: '.env: a symbolic link in the new worktree' });
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('copies a file whose name starts with two dots (..env is inside the repository, not above it)', () => {
    write(path.join(repo, '..env'), 'dots\n');
    write(path.join(repo, '..config', 'app.local'), 'dotted folder\n');
    assert.deepEqual(copyIgnoredFile(repo, worktree, '..env'), { copied: true });
    assert.deepEqual(copyIgnoredFile(repo, worktree, '..config/app.local'), { copied: true });
    assert.equal(fs.readFileSync(path.join(worktree, '..env'), 'utf8'), 'dots\n');
    assert.equal(fs.readFileSync(path.join(worktree, '..config', 'app.local'), 'utf8'), 'dotted folder\n');
  });
});

describe('within: only a whole ".." step leaves a folder', () => {
  it('the folder itself and anything below it are within, names starting with dots included', () => {
    assert.equal(within('/r/repo', '/r/repo'), true);
    assert.equal(within('/r/repo', '/r/repo/a/b'), true);
    assert.equal(within('/r/repo', '/r/repo/..env'), true);
    assert.equal(within('/r/repo', '/r/repo/...'), true);
  });

  it('the parent, a sibling and a folder elsewhere are not', () => {
    assert.equal(within('/r/repo', '/r'), false);
    assert.equal(within('/r/repo', '/r/repo2'), false);
    assert.equal(within('/r/repo', '/r/other/x'), false);
    assert.equal(within('/r/repo', '/'), false);
  });
});
