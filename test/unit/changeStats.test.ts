// Git.changeStats: the row's "+N −M" and file count, untracked files included
// (issue 13 item 7: the row said "+1" while delete listed two files).
import * as assert from 'assert';
import fs from 'node:fs';
import path from 'node:path';
import { Git } from '../../src/core/git';
import { ProcessRunner } from '../../src/core/process/runner';
import { silentLogger } from '../../src/core/log';
import { makeRepo, runCleanups } from '../support/fixtures';

describe('Git.changeStats', () => {
  const git = new Git(new ProcessRunner(silentLogger));

  afterEach(runCleanups);

  it('counts untracked files as changed files and their lines as insertions', async () => {
    const repo = makeRepo();
    fs.appendFileSync(path.join(repo, 'README.md'), 'one more line\n');
    fs.writeFileSync(path.join(repo, 'new.txt'), 'a\nb\nc');
    fs.mkdirSync(path.join(repo, 'sub'));
    fs.writeFileSync(path.join(repo, 'sub', 'blob.bin'), Buffer.from([1, 0, 2, 10]));
    assert.deepStrictEqual(await git.changeStats(repo), { files: 3, insertions: 4, deletions: 0 });
  });

  it('leaves ignored files out', async () => {
    const repo = makeRepo();
    fs.writeFileSync(path.join(repo, '.gitignore'), '*.log\n');
    fs.writeFileSync(path.join(repo, 'debug.log'), 'noise\n');
    assert.deepStrictEqual(await git.changeStats(repo), { files: 1, insertions: 1, deletions: 0 });
  });
});
