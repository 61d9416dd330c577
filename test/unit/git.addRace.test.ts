// C2 across windows: while one window's `git worktree add` writes its record,
// another window's add in the same repository fails reading it ("failed to read
// .git/worktrees/x/commondir"). Ours tries once more. The half-written record is
// real (a record whose commondir is still empty); the moment it is finished cannot be timed
// from here, so a small Exec around the real runner finishes it (removes it)
// right after our first attempt failed on it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Git } from '../../src/core/git';
import { silentLogger } from '../../src/core/log';
import { ProcessRunner, type Exec, type ExecOptions, type ExecResult } from '../../src/core/process/runner';
import { git, makeRepo, runCleanups, tempDir } from '../support/fixtures';

/** Runs every call for real; after the first failed `worktree add`, the other window's record is done. */
class OtherWindowFinishes implements Exec {
  adds: ExecResult[] = [];
  constructor(private readonly real: Exec, private readonly halfRecord: string) {}
  async run(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const r = await this.real.run(file, args, options);
    if (args.includes('worktree') && args.includes('add')) {
      this.adds.push(r);
      if (r.exitCode !== 0) fs.rmSync(this.halfRecord, { recursive: true, force: true });
    }
    return r;
  }
}

describe('git worktree add while another window adds one (C2)', () => {
  afterEach(runCleanups);

  for (const branchMade of [false, true]) {
    it(`fails on the other window's half-written record, then succeeds once it is written${branchMade ? ' (git had made the new branch already)' : ''}`, async () => {
      const repo = makeRepo();
      const half = path.join(repo, '.git', 'worktrees', 'being-added');
      // As another add leaves it for a moment: its gitdir written, its commondir not yet.
      fs.mkdirSync(half, { recursive: true });
      fs.writeFileSync(path.join(half, 'gitdir'), path.join(tempDir(), 'being-added', '.git\n'));
      fs.writeFileSync(path.join(half, 'commondir'), '');
      // git makes a new branch before it reads the records; a branch so made is then checked out as it is.
      if (branchMade) git(repo, 'branch', 'feat/race', 'main');
      const exec = new OtherWindowFinishes(new ProcessRunner(silentLogger), half);
      const target = path.join(tempDir(), 'feat-race');
      await new Git(exec).addWorktree(repo, target, branchMade ? { existingBranch: 'feat/race' } : { newBranch: 'feat/race', startPoint: 'main' });
      assert.equal(exec.adds.length, 2);
      assert.match(exec.adds[0].stderr, /failed to read .*being-added/);
      assert.equal(git(target, 'rev-parse', '--abbrev-ref', 'HEAD').trim(), 'feat/race');
    });
  }

  it('any other failure is not tried again', async () => {
    const repo = makeRepo();
    const exec = new OtherWindowFinishes(new ProcessRunner(silentLogger), path.join(repo, 'none'));
    await assert.rejects(new Git(exec).addWorktree(repo, path.join(tempDir(), 'x'), { newBranch: 'feat/x', startPoint: 'no-such-ref' }));
    assert.equal(exec.adds.length, 1);
  });
});
