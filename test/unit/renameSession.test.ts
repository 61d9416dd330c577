// LifecycleService.renameSession: the label a user gives a session is stored
// with its row, so every window shows it (issue 13 item 3).
import assert from 'node:assert/strict';
import { makeCore, makeRepo, rejects, runCleanups, tmuxSessions } from '../support/fixtures';

describe('renameSession', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('stores the new label for every window, and leaves the tmux session alone', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/rename' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    await core.lifecycle.renameSession(w.id, s.name, '  tests  ');
    assert.equal(core.lifecycle.workspace(w.id)!.sessions[0].label, 'tests');
    const other = await makeCore({ storageDir: core.storageDir, socket: core.socket });
    assert.equal(other.store.sessions(w.id)[0].label, 'tests');
    assert.ok(tmuxSessions(core.socket).includes(s.name));
  });

  it('refuses an empty name and an unknown session', async () => {
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/rename' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    await rejects(core.lifecycle.renameSession(w.id, s.name, ' '), /cannot be empty/);
    await rejects(core.lifecycle.renameSession(w.id, `${s.name}-nope`, 'x'), /has no session/);
    assert.equal(core.store.sessions(w.id)[0].label, 'Shell');
  });
});
