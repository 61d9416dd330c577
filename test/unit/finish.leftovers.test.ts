// SPEC §10, leftovers: each kind with its reason, disk usage and `safe`
// (true only when removing it loses nothing), removal through the safe
// delete, and adoption of a worktree the extension does not manage.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Leftover } from '../../src/core/finish/leftovers';
import { git, makeCore, makeRepo, runCleanups, tmuxSessions, type TestCore } from '../support/fixtures';

function commit(cwd: string, file: string): void {
  fs.writeFileSync(path.join(cwd, file), `${file}\n`);
  git(cwd, 'add', '--', file);
  git(cwd, 'commit', '-q', '-m', `Add ${file}`);
}

/** A leftover without its measured size, for comparing. */
const shape = (l: Leftover) => ({ kind: l.kind, branch: l.branch, safe: l.safe });

describe('finishing: leftovers (SPEC §10)', function () {
  this.timeout(60_000);
  afterEach(runCleanups);

  let core: TestCore;
  let repo: string;

  /** One leftover of every kind, safe and unsafe, and a fresh workspace that is not one. */
  async function scene() {
    core = await makeCore();
    repo = makeRepo();
    const parent = path.dirname(repo);
    const done = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/done' });
    commit(done.worktreePath, 'done.txt');
    await core.lifecycle.mergeIntoBase(done.id, 'merge');
    const doneDirty = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/done-dirty' });
    commit(doneDirty.worktreePath, 'done-dirty.txt');
    await core.lifecycle.mergeIntoBase(doneDirty.id, 'merge');
    fs.writeFileSync(path.join(doneDirty.worktreePath, 'notes.txt'), 'not committed\n');
    const fresh = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/fresh' });
    const gone = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/gone' });
    fs.rmSync(gone.worktreePath, { recursive: true, force: true });
    git(repo, 'worktree', 'add', '-q', '-b', 'manual', path.join(parent, 'manual'));
    git(repo, 'worktree', 'add', '-q', '-b', 'manual-dirty', path.join(parent, 'manual-dirty'));
    fs.writeFileSync(path.join(parent, 'manual-dirty', 'wip.txt'), 'wip\n');
    const kept = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/kept' });
    commit(kept.worktreePath, 'kept.txt');
    await core.lifecycle.deleteWorkspace(kept.id, { branch: 'never' });
    const keptMerged = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/kept-merged' });
    await core.lifecycle.deleteWorkspace(keptMerged.id, { branch: 'never' });
    const saved = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/saved' });
    fs.writeFileSync(path.join(saved.worktreePath, 'unsaved.txt'), 'precious\n');
    const savedResult = await core.lifecycle.deleteWorkspace(saved.id, { force: true });
    return { done, doneDirty, fresh, gone, parent, savedRef: savedResult.savedChanges!.ref };
  }

  it('lists each kind with a reason, disk usage and whether removing it loses nothing', async () => {
    const s = await scene();
    const found = await core.lifecycle.findLeftovers([repo]);
    assert.deepEqual(found.map(shape), [
      { kind: 'merged-workspace', branch: 'feat/done', safe: true },
      { kind: 'merged-workspace', branch: 'feat/done-dirty', safe: false },
      { kind: 'missing-worktree', branch: 'feat/gone', safe: true },
      { kind: 'unmanaged-worktree', branch: 'manual', safe: true },
      { kind: 'unmanaged-worktree', branch: 'manual-dirty', safe: false },
      { kind: 'created-branch', branch: 'feat/kept', safe: false },
      { kind: 'created-branch', branch: 'feat/kept-merged', safe: true },
      { kind: 'saved-changes', branch: 'feat-saved', safe: false },
    ]);
    const by = (branch: string) => found.find((l) => l.branch === branch)!;
    assert.match(by('feat/done').reason, /merged into main$/);
    assert.match(by('feat/done-dirty').reason, /merged into main; 1 uncommitted change/);
    assert.match(by('feat/kept').reason, /1 commit not in main/);
    assert.match(by('manual-dirty').reason, /Not managed by Worktree Sessions .*1 uncommitted change/);
    assert.equal(by('feat-saved').ref, s.savedRef);
    assert.equal(by('feat/done').path, s.done.worktreePath);
    assert.ok((by('feat/done').bytes ?? 0) > 0, 'a worktree has a measured size');
    assert.ok((by('manual').bytes ?? 0) > 0);
    assert.equal(by('feat/gone').bytes, undefined, 'a missing folder has none');
    assert.ok(!found.some((l) => l.branch === 'feat/fresh'), 'a fresh workspace is work about to start, not a leftover');
  });

  it('measuring stops when cancelled', async () => {
    await scene();
    const controller = new AbortController();
    controller.abort();
    const found = await core.lifecycle.findLeftovers([repo], { signal: controller.signal });
    assert.ok(found.every((l) => l.kind === 'saved-changes' || l.bytes === undefined));
  });

  it('removes the safe ones through the safe delete; the unsafe ones only when forced, saving changes first', async () => {
    const s = await scene();
    const found = await core.lifecycle.findLeftovers([repo], { measure: false });
    const outcomes = await core.lifecycle.removeLeftovers(found);
    const removed = outcomes.filter((o) => o.removed).map((o) => o.item.branch);
    assert.deepEqual(removed, ['feat/done', 'feat/gone', 'manual', 'feat/kept-merged']);
    assert.ok(outcomes.filter((o) => !o.removed).every((o) => /was not removed/.test(o.message)));
    assert.equal(core.lifecycle.workspace(s.done.id), undefined);
    assert.equal(git(repo, 'branch', '--list', 'feat/done'), '', 'D6 deleted the merged branch');
    assert.equal(git(repo, 'branch', '--list', 'manual').trim(), 'manual', 'an unmanaged worktree\'s branch is kept');
    assert.ok(!fs.existsSync(path.join(s.parent, 'manual')));
    assert.ok(fs.existsSync(path.join(s.parent, 'manual-dirty', 'wip.txt')), 'nothing dirty was touched');
    assert.ok(core.lifecycle.workspace(s.doneDirty.id));

    const rest = await core.lifecycle.findLeftovers([repo], { measure: false });
    const forced = await core.lifecycle.removeLeftovers(rest, { force: true });
    assert.ok(forced.every((o) => o.removed), forced.map((o) => o.message).join('\n'));
    // What is left are the saves of the two dirty worktrees' changes, made before they went (D5).
    assert.deepEqual((await core.lifecycle.findLeftovers([repo], { measure: false })).map((l) => l.kind), ['saved-changes', 'saved-changes']);
    const savedNow = await core.lifecycle.savedChanges([repo]);
    assert.deepEqual(savedNow.map((x) => x.label).sort(), ['feat-done-dirty', 'manual-dirty']);
    assert.equal(git(repo, 'show', `${savedNow.find((x) => x.label === 'manual-dirty')!.ref}:wip.txt`), 'wip\n');
    assert.equal(git(repo, 'for-each-ref', s.savedRef), '', 'the forced saved changes were dropped');
    assert.equal(git(repo, 'branch', '--list', 'feat/kept'), '');
  });

  it('acts on the leftover as found now, never on what the caller describes', async () => {
    core = await makeCore();
    repo = makeRepo();
    const ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/live' });
    const outcomes = await core.lifecycle.removeLeftovers([
      { kind: 'unmanaged-worktree', repoRoot: repo, path: repo, reason: 'made up', safe: true },
      { kind: 'missing-worktree', repoRoot: repo, path: ws.worktreePath, branch: 'feat/live', workspaceId: ws.id, reason: 'made up', safe: true },
      { kind: 'created-branch', repoRoot: repo, branch: 'main', reason: 'made up', safe: true },
    ]);
    assert.ok(outcomes.every((o) => !o.removed && /no longer a leftover/.test(o.message)));
    assert.ok(fs.existsSync(path.join(repo, 'README.md')));
    assert.ok(core.lifecycle.workspace(ws.id));
    assert.equal(git(repo, 'branch', '--list', 'main').trim(), '* main');
  });

  it('adopts a worktree it does not manage: a workspace where it is, with a terminal, and no longer a leftover', async () => {
    core = await makeCore();
    repo = makeRepo();
    const folder = path.join(path.dirname(repo), 'by-hand');
    git(repo, 'worktree', 'add', '-q', '-b', 'by-hand', folder);
    fs.writeFileSync(path.join(folder, 'wip.txt'), 'untouched\n');
    const ws = await core.lifecycle.adoptWorktree(repo, folder);
    assert.equal(ws.branch, 'by-hand');
    assert.equal(fs.realpathSync(ws.worktreePath), fs.realpathSync(folder));
    assert.equal(ws.createdBranch, false, 'the user\'s branch stays theirs (D6)');
    assert.equal(ws.status, 'ready');
    assert.ok(tmuxSessions(core.socket).includes(ws.baseSession.name));
    assert.equal(fs.readFileSync(path.join(folder, 'wip.txt'), 'utf8'), 'untouched\n');
    assert.deepEqual((await core.lifecycle.findLeftovers([repo], { measure: false })).map(shape), []);
    await assert.rejects(core.lifecycle.adoptWorktree(repo, folder), /already has a workspace/);
    await assert.rejects(core.lifecycle.adoptWorktree(repo, repo), /is not a worktree of/);
  });
});
