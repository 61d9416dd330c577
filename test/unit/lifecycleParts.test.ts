// Small parts the lifecycle relies on: comparing worktree paths as git lists
// them (C1, C4), the ownership marker in a worktree's git folder (SPEC §4), and
// the setup journal of C3.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LifecycleContext } from '../../src/core/lifecycle/context';
import { readMarker, writeMarker } from '../../src/core/lifecycle/marker';
import { samePath } from '../../src/core/lifecycle/paths';
import { SetupJournal } from '../../src/core/lifecycle/setupJournal';
import type { WorkspaceRecord } from '../../src/core/model';
import { git, makeCore, makeRepo, runCleanups, tempDir } from '../support/fixtures';

describe('lifecycle parts', () => {
  afterEach(runCleanups);

  it('C4: two paths are the same folder when they resolve alike or lead to the same place through a link', () => {
    const dir = tempDir();
    const real = path.join(dir, 'real');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(dir, 'alias'));
    assert.equal(samePath(real, path.join(dir, 'alias')), true);
    assert.equal(samePath(path.join(dir, 'alias'), `${real}/`), true);
    assert.equal(samePath(path.join(dir, 'gone', '..', 'missing'), path.join(dir, 'missing')), true, 'folders that do not exist compare as written');
    assert.equal(samePath(real, path.join(dir, 'other')), false);
  });

  it('the ownership marker is read back from a worktree made by git, and only from one', async () => {
    const repo = makeRepo();
    const worktree = path.join(tempDir(), 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'marked', worktree);
    const gitDir = git(worktree, 'rev-parse', '--path-format=absolute', '--git-dir').trim();
    assert.equal(readMarker(worktree), undefined, 'a worktree without a marker');
    const w: WorkspaceRecord = {
      id: 'abcdefabcdefabcd', repoRoot: repo, worktreePath: worktree, branch: 'marked', baseRef: 'main', createdBranch: true,
      baseSession: 'wts-abcdefabcdefabcd', status: 'creating', createdAt: 42, updatedAt: 43,
    };
    writeMarker(gitDir, 'owner-1', w);
    assert.deepEqual(readMarker(worktree), { ownerId: 'owner-1', id: w.id, repoRoot: repo, branch: 'marked', baseRef: 'main', createdBranch: true, createdAt: 42 });
    assert.equal(readMarker(repo), undefined, 'the main worktree is never a workspace');
    assert.equal(readMarker(tempDir()), undefined, 'nor is a plain folder');
  });

  it('C3: setup events of a workspace deleted meanwhile are dropped, not written', async () => {
    const core = await makeCore();
    const ctx = new LifecycleContext({
      store: core.store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger, savedChangesDir: core.storageDir,
    });
    const journal = new SetupJournal(ctx, '0000000000000000');
    journal.record('worktree', 'ok');
    let also = false;
    await journal.flush(() => (also = true));
    assert.equal(also, false);
    assert.deepEqual(core.store.events('0000000000000000'), []);
  });
});
