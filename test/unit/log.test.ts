// Issue 13 item 9: the log's default level shows what went wrong, not answers.
// A "no server yet" from tmux or a "no" from git (a branch that does not exist,
// a name git refuses while the user types) is logged at the trace level, like a success.
import assert from 'node:assert/strict';
import { makeCore, makeRepo, runCleanups } from '../support/fixtures';

describe('the log (issue 13)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('logs answers at the trace level and failures above it', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    // Before the first session, the server does not exist: the first listing says so.
    assert.equal((await core.tmux.list()).serverRunning, false);
    assert.equal(await core.lifecycle.repository.localBranchExists(repo, 'no-such-branch'), false);
    assert.equal(await core.lifecycle.repository.refExists(repo, 'no-such-ref'), false);
    assert.match((await core.lifecycle.repository.branchNameProblem(repo, 'a..b')) ?? '', /not a valid branch name/);
    const shown = core.logger.lines.filter((l) => !l.startsWith('trace '));
    assert.deepEqual(shown, [], 'nothing above trace for answers');
    assert.ok(core.logger.lines.some((l) => /^trace tmux .*list-sessions.*exit 1/.test(l)), core.logger.lines.join('\n'));

    // A real failure still shows at the default level.
    await assert.rejects(core.lifecycle.repository.worktrees(`${repo}/not-a-folder`));
    assert.ok(core.logger.lines.some((l) => /^info git .*worktree list.*exit/.test(l)), core.logger.lines.join('\n'));
  });
});
