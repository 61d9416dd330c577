import assert from 'node:assert/strict';
import { ProcessRunner } from '../../src/core/process/runner';
import { serverEnvironment, Tmux } from '../../src/core/tmux';
import { MemoryLogger, privateSocket, runCleanups, tempDir, testEnv, tmux, tmuxSessions } from '../support/fixtures';

function makeTmux(env: NodeJS.ProcessEnv = testEnv()) {
  const socket = privateSocket();
  const exec = new ProcessRunner(new MemoryLogger());
  return { socket, exec, tmux: new Tmux(exec, { path: () => 'tmux', socket: () => socket }, 'owner-test-1234', env) };
}

describe('tmux adapter (SPEC §3)', () => {
  afterEach(runCleanups);

  it('passes only allowlisted variables to the server, never prefixes', () => {
    const env = serverEnvironment({ PATH: '/bin', HOME: '/h', AWS_SECRET_ACCESS_KEY: 'x', LC_ALL: 'C', LC_SECRET: 'y', PATHOLOGICAL: 'z', TMUX: '/x,1,0' });
    assert.deepEqual(env, { PATH: '/bin', HOME: '/h', LC_ALL: 'C' });
  });

  it('starts its own server with the allowlisted environment only', async () => {
    const { tmux: t, socket } = makeTmux({ ...testEnv(), GITHUB_TOKEN: 'secret-value', TMUX: '/tmp/other,1,0' });
    await t.newSession({ name: 'wts-0123456789abcdef', cwd: tempDir(), stamp: 1 });
    const serverEnv = tmux(socket, 'show-environment', '-g');
    assert.doesNotMatch(serverEnv, /GITHUB_TOKEN|secret-value/);
    assert.match(serverEnv, /^PATH=/m);
  });

  it('lists every session in one call with the owner marker, stamp, times and pane state', async () => {
    const { tmux: t, socket, exec } = makeTmux();
    const cwd = tempDir();
    await t.newSession({ name: 'wts-0123456789abcdef', cwd, stamp: 1234, worktree: cwd });
    await t.newSession({ name: 'wts-0123456789abcdef-shell', cwd, stamp: 5678, command: ['sleep', '60'] });
    tmux(socket, 'new-session', '-d', '-s', 'someone-else');
    const before = exec.calls('tmux');
    const listing = await t.list();
    assert.equal(exec.calls('tmux') - before, 1);
    assert.equal(listing.serverRunning, true);
    const byName = new Map(listing.sessions.map((s) => [s.name, s]));
    assert.equal(byName.get('wts-0123456789abcdef')!.owner, 'owner-test-1234');
    assert.equal(byName.get('wts-0123456789abcdef')!.worktree, cwd);
    assert.equal(byName.get('wts-0123456789abcdef-shell')!.createdStamp, 5678);
    assert.ok(byName.get('wts-0123456789abcdef-shell')!.panePid > 0);
    assert.equal(byName.get('someone-else')!.owner, '');
    assert.ok(listing.serverStartedAt! <= Date.now());
  });

  it("hides tmux's status line in its own server from the first session on (issue 13)", async () => {
    const { tmux: t, socket } = makeTmux();
    await t.newSession({ name: 'wts-0123456789abcdef', cwd: tempDir(), stamp: 1 });
    assert.equal(tmux(socket, 'show-options', '-gv', 'status'), 'off\n');
    assert.equal(tmux(socket, 'display-message', '-p', '-t', '=wts-0123456789abcdef:', '#{status}'), 'off\n', 'the session itself shows none');
  });

  it('refuses an owner id that would change the meaning of the format it is written into', () => {
    const exec = new ProcessRunner(new MemoryLogger());
    for (const id of ['a,b', 'a}', '#{x}', '']) {
      assert.throws(() => new Tmux(exec, { path: () => 'tmux', socket: () => 'x' }, id, testEnv()), /owner id/, id);
    }
  });

  it('reports no server as an empty listing, not an error', async () => {
    const { tmux: t } = makeTmux();
    assert.deepEqual(await t.list(), { serverRunning: false, sessions: [] });
  });

  it('refuses names that are not its own and kills only sessions carrying its marker', async () => {
    const { tmux: t, socket } = makeTmux();
    await assert.rejects(t.newSession({ name: 'main', cwd: tempDir(), stamp: 1 }), /foreign name/);
    await assert.rejects(t.killOwned('main'), /foreign name/);
    tmux(socket, 'new-session', '-d', '-s', 'wts-0123456789abcdef-impostor');
    await t.killOwned('wts-0123456789abcdef-impostor');
    assert.deepEqual(tmuxSessions(socket), ['wts-0123456789abcdef-impostor']);
    // Exact names only: killing "wts-…-a" must not hit "wts-…-ab".
    await t.newSession({ name: 'wts-0123456789abcdef-ab', cwd: tempDir(), stamp: 2 });
    await t.killOwned('wts-0123456789abcdef-a');
    assert.ok(tmuxSessions(socket).includes('wts-0123456789abcdef-ab'));
  });

  it('refuses a session name tmux would change, leaving no unmarked session behind', async () => {
    const { tmux: t, socket } = makeTmux();
    await t.newSession({ name: 'wts-0123456789abcdef', cwd: tempDir(), stamp: 1 });
    await assert.rejects(t.newSession({ name: 'wts-0123456789abcdef-my.agent', cwd: tempDir(), stamp: 2 }), /"\."/);
    assert.deepEqual(tmuxSessions(socket), ['wts-0123456789abcdef']);
  });

  it('builds the attach argv with -u, no config file and an exact target, and a copyable command with TMUX unset', () => {
    const { tmux: t, socket } = makeTmux();
    assert.deepEqual(t.attachArgv('wts-0123456789abcdef'), { file: 'tmux', args: ['-L', socket, '-f', '/dev/null', '-u', 'attach-session', '-t', '=wts-0123456789abcdef'] });
    assert.equal(t.attachCommandLine('wts-0123456789abcdef'), `env -u TMUX tmux -L ${socket} -f /dev/null -u attach-session -t =wts-0123456789abcdef`);
  });

  it('captures the last lines of a pane', async () => {
    const { tmux: t } = makeTmux();
    await t.newSession({ name: 'wts-0123456789abcdef-shell', cwd: tempDir(), stamp: 1, command: ['sh', '-c', 'printf "one\\ntwo\\nthree\\n"; exec sleep 60'] });
    let text = '';
    for (let i = 0; i < 40 && !text.includes('three'); i++) {
      text = await t.capturePane('wts-0123456789abcdef-shell', 2);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(text, /three/);
  });

  it('probes the version once per tmux path and reports a missing binary', async () => {
    const { tmux: t, exec } = makeTmux();
    const p1 = await t.probe();
    await t.probe();
    assert.equal(p1.ok, true);
    assert.equal(exec.calls('tmux'), 1);
    const missing = new Tmux(exec, { path: () => '/nonexistent/tmux', socket: () => 'x' }, 'o', testEnv());
    const p2 = await missing.probe();
    assert.equal(p2.ok, false);
    assert.equal(!p2.ok && p2.problem, 'missing');
  });
});
