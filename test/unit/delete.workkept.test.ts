// Issue 8, "work kept": a delete never loses work, never claims a save that did not happen,
// and never leaves something running or half removed that a retry cannot finish.
// Real git repositories, a real tmux server on a private socket, a real sql.js file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { branchFate } from '../../src/core/lifecycle';
import { InterceptingStore } from '../support/faults';
import {
  deleteInChildUntilRemoving, git, makeCore, makeRepo, rebuildLifecycle, rejects, runCleanups, tempDir, tmuxSessions, type TestCore,
} from '../support/fixtures';

const FILE_PROTOCOL = ['-c', 'protocol.file.allow=always'];

/** A repository `app` whose `lib` folder is a submodule cloned from the repository `lib` beside it. */
function repoWithSubmodule(): { repo: string; libOrigin: string } {
  const parent = tempDir();
  const libOrigin = makeRepo({ parent, name: 'lib', files: { 'lib.txt': 'lib\n' } });
  const repo = makeRepo({ parent, name: 'app' });
  git(repo, ...FILE_PROTOCOL, 'submodule', 'add', '-q', libOrigin, 'lib');
  git(repo, 'commit', '-q', '-m', 'add lib');
  return { repo, libOrigin };
}

async function workspaceWithSubmodule(core: TestCore, branch: string) {
  const { repo, libOrigin } = repoWithSubmodule();
  const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch });
  git(w.worktreePath, ...FILE_PROTOCOL, 'submodule', 'update', '-q', '--init');
  const s = await core.lifecycle.launch(w.id, 'shell');
  return { repo, libOrigin, w, s, lib: path.join(w.worktreePath, 'lib') };
}

const running = (core: TestCore, ...names: string[]) => assert.deepEqual(tmuxSessions(core.socket).sort(), [...names].sort());

describe('delete keeps work (issue 8)', function () {
  this.timeout(60_000);
  afterEach(runCleanups);

  it('work kept: a submodule with uncommitted changes or unpushed commits is named in the preflight and blocks even a force delete', async () => {
    const core = await makeCore();
    const { w, s, lib } = await workspaceWithSubmodule(core, 'feat/sub');

    fs.writeFileSync(path.join(lib, 'lib.txt'), 'edited inside the submodule\n');
    const dirty = await core.lifecycle.deletePreflight(w.id);
    assert.deepEqual(dirty.submodules, [{ path: 'lib', problem: 'has uncommitted changes (1 file)' }]);
    assert.match(dirty.blockers.join(' '), /"lib" has uncommitted changes/);
    await rejects(core.lifecycle.deleteWorkspace(w.id, { force: true }), /"feat\/sub" cannot be deleted now\. "lib" has uncommitted changes \(1 file\).*commit and push it.*Nothing was stopped or removed/);
    running(core, w.baseSession.name, s.name);
    assert.equal(fs.readFileSync(path.join(lib, 'lib.txt'), 'utf8'), 'edited inside the submodule\n');
    assert.equal(core.store.workspace(w.id)!.status, 'ready');

    git(lib, 'commit', '-q', '-am', 'work that lives only in this worktree');
    await rejects(core.lifecycle.deleteWorkspace(w.id, { force: true }), /"lib" has 1 commit on no remote/);
    running(core, w.baseSession.name, s.name);

    // Resolved: pushed. The superproject now records the new submodule commit, which force saves.
    git(lib, 'push', '-q', 'origin', 'HEAD:refs/heads/pushed');
    const pushed = git(lib, 'rev-parse', 'HEAD').trim();
    const result = await core.lifecycle.deleteWorkspace(w.id, { force: true });
    assert.equal(result.deleted, true);
    assert.deepEqual(result.savedChanges!.files, ['lib']);
    assert.equal(git(w.repoRoot, 'rev-parse', `${result.savedChanges!.ref}:lib`).trim(), pushed);
    assert.equal(fs.existsSync(w.worktreePath), false);
  });

  it('work kept: a clean worktree with an initialised submodule is deleted, sessions and all', async () => {
    const core = await makeCore();
    const { w, libOrigin } = await workspaceWithSubmodule(core, 'feat/clean-sub');
    const preflight = await core.lifecycle.deletePreflight(w.id);
    assert.deepEqual(preflight.submodules, [{ path: 'lib', problem: undefined }]);
    assert.deepEqual(preflight.blockers, []);
    const result = await core.lifecycle.deleteWorkspace(w.id);
    assert.deepEqual(result, { deleted: true, deletedBranch: 'feat/clean-sub' });
    assert.equal(fs.existsSync(w.worktreePath), false);
    assert.deepEqual(tmuxSessions(core.socket), []);
    assert.deepEqual(core.store.workspaces(), []);
    assert.equal(git(libOrigin, 'status', '--porcelain').trim(), '', 'the submodule\'s origin is untouched');
  });

  it('work kept: a submodule dirtied after the preflight stops the delete before the worktree goes; a retry finishes once it is resolved', async () => {
    const core = await makeCore();
    const intercepting = new InterceptingStore(core.store);
    const lifecycle = rebuildLifecycle(core, { store: intercepting });
    const { w, lib } = await workspaceWithSubmodule(core, 'feat/late-sub');
    // An agent writes inside the submodule between the clean preflight and the removal.
    intercepting.beforeWrite = async () => fs.writeFileSync(path.join(lib, 'late.txt'), 'late\n');
    await rejects(lifecycle.deleteWorkspace(w.id, { force: true }), /failed while checking the worktree: .*"lib" has uncommitted changes.*Retry the delete/);
    assert.equal(core.store.workspace(w.id)!.status, 'deletion_failed');
    assert.equal(fs.readFileSync(path.join(lib, 'late.txt'), 'utf8'), 'late\n');
    fs.rmSync(path.join(lib, 'late.txt'));
    assert.equal((await lifecycle.deleteWorkspace(w.id)).deleted, true);
    assert.equal(fs.existsSync(w.worktreePath), false);
  });

  it('work kept: ignored files the extension copied in and that changed since are listed, refused without force, and saved', async () => {
    const core = await makeCore({ settings: { copyFiles: ['.env', '.env.local'] } });
    const repo = makeRepo({ files: { '.gitignore': '.env*\n', 'README.md': '# app\n' } });
    fs.writeFileSync(path.join(repo, '.env'), 'TOKEN=original\n');
    fs.writeFileSync(path.join(repo, '.env.local'), 'LOCAL=1\n');
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/env' });
    assert.deepEqual((await core.lifecycle.deletePreflight(w.id)).changedCopies, []);

    fs.writeFileSync(path.join(w.worktreePath, '.env'), 'TOKEN=edited in the worktree\n');
    assert.deepEqual((await core.lifecycle.deletePreflight(w.id)).changedCopies, ['.env']);
    assert.deepEqual(await core.lifecycle.deleteWorkspace(w.id), { deleted: false, dirtyFiles: [], changedCopies: ['.env'] });
    assert.ok(fs.existsSync(w.worktreePath));

    const result = await core.lifecycle.deleteWorkspace(w.id, { force: true });
    assert.equal(result.deleted, true);
    const saved = result.savedChanges!;
    assert.deepEqual(saved.files, ['.env'], 'the unchanged copy is not claimed, the changed one is in the commit');
    assert.equal(git(repo, 'show', `${saved.ref}:.env`), 'TOKEN=edited in the worktree\n');
    assert.match(fs.readFileSync(saved.patchFile, 'utf8'), /\+TOKEN=edited in the worktree/);
    assert.equal(fs.readFileSync(path.join(repo, '.env'), 'utf8'), 'TOKEN=original\n');
  });

  it('work kept: a worktree made before copies were recorded: ignored files matching copyFiles that differ from the main worktree count as changed', async () => {
    const core = await makeCore({ settings: { copyFiles: ['.env', '.env.local'] } });
    const repo = makeRepo({ files: { '.gitignore': '.env*\n', 'README.md': '# app\n' } });
    fs.writeFileSync(path.join(repo, '.env'), 'TOKEN=original\n');
    fs.writeFileSync(path.join(repo, '.env.local'), 'LOCAL=1\n');
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/old-env' });
    fs.rmSync(path.join(git(w.worktreePath, 'rev-parse', '--absolute-git-dir').trim(), 'worktree-sessions-copies.json'));
    fs.writeFileSync(path.join(w.worktreePath, '.env'), 'TOKEN=edited\n');
    assert.deepEqual((await core.lifecycle.deletePreflight(w.id)).changedCopies, ['.env']);
    const result = await core.lifecycle.deleteWorkspace(w.id, { force: true });
    assert.deepEqual(result.savedChanges!.files, ['.env']);
    assert.equal(git(repo, 'show', `${result.savedChanges!.ref}:.env`), 'TOKEN=edited\n');
  });

  it('work kept: the staged version of a file whose worktree copy differs is saved too, and the result lists exactly what the commit holds', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/staged' });
    fs.writeFileSync(path.join(w.worktreePath, 'README.md'), 'staged version\n');
    git(w.worktreePath, 'add', 'README.md');
    fs.writeFileSync(path.join(w.worktreePath, 'README.md'), 'version on disk\n');
    fs.writeFileSync(path.join(w.worktreePath, 'new.txt'), 'untracked\n');
    const result = await core.lifecycle.deleteWorkspace(w.id, { force: true });
    const saved = result.savedChanges!;
    assert.equal(git(repo, 'show', `${saved.ref}:README.md`), 'version on disk\n');
    assert.equal(git(repo, 'show', `${saved.ref}^2:README.md`), 'staged version\n');
    assert.deepEqual(saved.staged, { ref: `${saved.ref}^2`, files: ['README.md'] });
    assert.deepEqual(saved.files, git(repo, 'diff-tree', '-r', '--name-only', `${saved.ref}^1`, saved.ref).trim().split('\n'));
    assert.deepEqual(saved.files, ['README.md', 'new.txt']);
  });

  it('work kept: commits only a detached HEAD holds are listed, refused without force, and kept under the saved ref', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/detached' });
    git(w.worktreePath, 'checkout', '-q', '--detach');
    fs.writeFileSync(path.join(w.worktreePath, 'experiment.txt'), 'experiment\n');
    git(w.worktreePath, 'add', 'experiment.txt');
    git(w.worktreePath, 'commit', '-q', '-m', 'experiment on a detached HEAD');
    const commit = git(w.worktreePath, 'rev-parse', 'HEAD').trim();

    assert.deepEqual((await core.lifecycle.deletePreflight(w.id)).detachedCommits, [commit]);
    assert.deepEqual(await core.lifecycle.deleteWorkspace(w.id), { deleted: false, dirtyFiles: [], detachedCommits: [commit] });
    const result = await core.lifecycle.deleteWorkspace(w.id, { force: true });
    assert.equal(result.deleted, true);
    assert.equal(result.savedChanges!.commits, 1);
    assert.deepEqual(result.savedChanges!.files, []);
    assert.equal(git(repo, 'rev-parse', `${result.savedChanges!.ref}^1`).trim(), commit);
    git(repo, 'gc', '-q', '--prune=now');
    assert.equal(git(repo, 'show', `${commit}:experiment.txt`), 'experiment\n');
  });

  // "(detached)" is a valid branch name, and what `git status` prints for a detached HEAD: HEAD's own file tells them apart.
  for (const branch of ['feat/vanished', '(detached)']) it(`work kept: a branch deleted behind the extension's back (${branch}): force delete saves what it can, removes, and says the branch was already gone`, async () => {
    const core = await makeCore();
    const repo = makeRepo();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch });
    fs.writeFileSync(path.join(w.worktreePath, 'work.txt'), 'committed work\n');
    git(w.worktreePath, 'add', 'work.txt');
    git(w.worktreePath, 'commit', '-q', '-m', 'work');
    const tip = git(w.worktreePath, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(w.worktreePath, 'README.md'), 'uncommitted edit\n');
    git(repo, 'update-ref', '-d', `refs/heads/${branch}`);

    const preflight = await core.lifecycle.deletePreflight(w.id);
    assert.equal(preflight.branchGone, true);
    assert.deepEqual(preflight.dirtyFiles, ['README.md'], 'against the lost tip, not every file of the branch');
    assert.deepEqual(preflight.detachedCommits, [tip]);
    assert.equal((await core.lifecycle.deleteWorkspace(w.id)).deleted, false);

    const result = await core.lifecycle.deleteWorkspace(w.id, { force: true });
    assert.equal(result.deleted, true);
    assert.equal(result.goneBranch, branch);
    assert.equal(result.keptBranch, undefined);
    assert.deepEqual(result.savedChanges!.files, ['README.md']);
    assert.equal(result.savedChanges!.commits, 1);
    assert.equal(git(repo, 'rev-parse', `${result.savedChanges!.ref}^1`).trim(), tip);
    assert.equal(git(repo, 'show', `${result.savedChanges!.ref}:work.txt`), 'committed work\n');
    assert.equal(git(repo, 'show', `${result.savedChanges!.ref}:README.md`), 'uncommitted edit\n');
    assert.equal(fs.existsSync(w.worktreePath), false);
    assert.deepEqual(core.store.workspaces(), []);
  });

  it('work kept: a locked worktree is named in the preflight before anything stops, and unlocked only by the user\'s choice', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/locked' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    git(repo, 'worktree', 'lock', '--reason', 'on a removable disk', w.worktreePath);
    fs.writeFileSync(path.join(w.worktreePath, 'README.md'), 'dirty\n');

    assert.deepEqual((await core.lifecycle.deletePreflight(w.id)).locked, { reason: 'on a removable disk' });
    for (const options of [{}, { force: true }]) {
      await rejects(core.lifecycle.deleteWorkspace(w.id, options), /worktree is locked \(git worktree lock: "on a removable disk"\).*choose to unlock it.*Nothing was stopped or removed/);
      running(core, w.baseSession.name, s.name);
      assert.ok(fs.existsSync(w.worktreePath));
    }
    const result = await core.lifecycle.deleteWorkspace(w.id, { force: true, unlock: true });
    assert.equal(result.deleted, true);
    assert.deepEqual(result.savedChanges!.files, ['README.md']);
    assert.equal(fs.existsSync(w.worktreePath), false);
  });

  it('work kept: with tmux gone from PATH while its server runs, stop and delete say what still runs and keep what is needed to finish', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/no-tmux' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    core.settings.tmuxPath = path.join(tempDir(), 'gone', 'tmux');

    await rejects(core.lifecycle.stopSession(w.id, s.name), new RegExp(`tmux could not be started.*still running, so ${s.name} may still be running; it was not stopped`));
    assert.deepEqual(core.store.sessions(w.id).map((x) => x.name), [s.name], 'S1: the row is kept');
    assert.equal(core.logger.lines.some((l) => l.includes(`Stopped ${s.name}`)), false);

    await rejects(core.lifecycle.deleteWorkspace(w.id), new RegExp(`cannot be deleted now.*${w.baseSession.name}, ${s.name} may still be running.*Nothing was stopped or removed`));
    running(core, w.baseSession.name, s.name);
    assert.ok(fs.existsSync(w.worktreePath));
    assert.equal(core.store.workspace(w.id)!.status, 'ready');

    core.settings.tmuxPath = 'tmux';
    assert.equal((await core.lifecycle.deleteWorkspace(w.id)).deleted, true);
    assert.deepEqual(tmuxSessions(core.socket), []);
  });

  it('work kept: tmux gone between the preflight and the stop: the delete fails naming the sessions, stays deletion_failed, and a retry finishes', async () => {
    const core = await makeCore();
    const intercepting = new InterceptingStore(core.store);
    const lifecycle = rebuildLifecycle(core, { store: intercepting });
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/tmux-vanishes' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    intercepting.beforeWrite = async () => {
      core.settings.tmuxPath = path.join(tempDir(), 'gone', 'tmux');
    };
    await rejects(lifecycle.deleteWorkspace(w.id), new RegExp(`failed while stopping its sessions: .*${w.baseSession.name}, ${s.name} may still be running.*Retry the delete`));
    assert.equal(core.store.workspace(w.id)!.status, 'deletion_failed');
    assert.deepEqual(core.store.sessions(w.id).map((x) => x.name), [s.name]);
    running(core, w.baseSession.name, s.name);
    assert.ok(fs.existsSync(w.worktreePath));

    core.settings.tmuxPath = 'tmux';
    assert.equal((await lifecycle.deleteWorkspace(w.id)).deleted, true);
    assert.deepEqual(tmuxSessions(core.socket), []);
    assert.equal(fs.existsSync(w.worktreePath), false);
  });

  it('work kept: killed during git worktree remove, the half-removed folder is finished by a retry; forget refuses to strand it', async () => {
    const first = await makeCore();
    const repo = makeRepo();
    const w = await first.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/killed' });
    first.dispose();

    const { child, exited } = await deleteInChildUntilRemoving(first, w.id);
    // What git had done when it was killed: the `.git` file and part of the tree gone, its private folder still there.
    fs.rmSync(path.join(w.worktreePath, '.git'));
    fs.rmSync(path.join(w.worktreePath, 'src'), { recursive: true });
    child.kill('SIGKILL');
    await exited;

    const second = await makeCore({ storageDir: first.storageDir, socket: first.socket });
    await second.lifecycle.start();
    assert.equal(second.lifecycle.workspace(w.id)!.status, 'deletion_failed');
    await rejects(second.lifecycle.forgetWorkspace(w.id), /stopped halfway through removing .*retry the delete/);
    assert.equal((await second.lifecycle.deletePreflight(w.id)).interruptedRemoval, true);
    const result = await second.lifecycle.deleteWorkspace(w.id);
    assert.deepEqual(result, { deleted: true, deletedBranch: 'feat/killed' });
    assert.equal(fs.existsSync(w.worktreePath), false);
    assert.deepEqual(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')), [`worktree ${repo}`]);
    assert.deepEqual(second.store.workspaces(), []);
  });

  it('work kept: a folder that lost its .git without our record of a removal is never deleted', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    const ready = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/ready' });
    const failed = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/failed' });
    await core.store.write((tx) => tx.updateWorkspace(failed.id, { status: 'deletion_failed', error: 'stopping its sessions: boom' }));
    for (const w of [ready, failed]) {
      fs.rmSync(path.join(w.worktreePath, '.git'));
      await rejects(core.lifecycle.deleteWorkspace(w.id, { force: true }), /is no longer a worktree of .*left untouched/);
      assert.equal(fs.readFileSync(path.join(w.worktreePath, 'README.md'), 'utf8'), '# test repository\n');
    }
  });

  it('D6: branchFate decides from who made the branch, the user\'s choice and the merge state', () => {
    const table: Array<[boolean, 'merged' | 'never' | 'delete', 'merged' | 'unmerged' | 'missing', 'delete' | 'keep' | 'gone']> = [
      [true, 'merged', 'merged', 'delete'],
      [true, 'merged', 'unmerged', 'keep'],
      [true, 'never', 'merged', 'keep'],
      [true, 'delete', 'unmerged', 'delete'],
      [false, 'merged', 'merged', 'keep'],
      [false, 'delete', 'unmerged', 'keep'],
      [true, 'merged', 'missing', 'gone'],
      [false, 'never', 'missing', 'gone'],
    ];
    for (const [createdBranch, choice, merge, fate] of table) {
      assert.equal(branchFate({ createdBranch }, choice, merge), fate, `created=${createdBranch} choice=${choice} merge=${merge}`);
    }
  });
});
