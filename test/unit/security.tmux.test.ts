// Issue 8 items 1, 2 and 18: no name, path, value or command reaches tmux as anything but itself.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ProcessRunner } from '../../src/core/process/runner';
import { Tmux } from '../../src/core/tmux';
import { escapeArgument, escapeFormat } from '../../src/core/tmuxParse';
import { makeCore, makeRepo, MemoryLogger, privateSocket, runCleanups, sleep, tempDir, testEnv, tmux, tmuxSessions, waitFor } from '../support/fixtures';

/** A Tmux on a private socket whose server gets a HOME of its own: a format job's `cd` lands there. */
function makeTmux(home = tempDir('wts-home-')) {
  const socket = privateSocket();
  const exec = new ProcessRunner(new MemoryLogger());
  const env = { ...testEnv(), HOME: home };
  return { socket, home, env, tmux: new Tmux(exec, { path: () => 'tmux', socket: () => socket }, 'owner-test-1234', env) };
}

/** Where the session's pane runs, once its process has changed into its folder (tmux returns before the child does). */
async function paneCwd(socket: string, name: string, expected: string): Promise<string> {
  let cwd = '';
  for (const deadline = Date.now() + 5000; Date.now() < deadline && cwd !== expected; await sleep(50)) {
    // Read from the pane's process, after any expansion tmux did on the way in.
    cwd = tmux(socket, 'display-message', '-p', '-t', `=${name}:`, '#{pane_current_path}').replace(/\n$/, '');
  }
  return cwd;
}

/** A command that runs anything tmux expands: `cd` goes to the server's HOME, so the marker lands in the test's own folder. */
const RUN_MARKER = '#(cd;touch${IFS}ran)';

/**
 * Proves that no #() job of the values ran: a control job asked for after them
 * leaves its own marker in the same folder, so a job of theirs would have run
 * (and been started before it) and left `ran` there too.
 */
async function assertNoJobRan(socket: string, home: string): Promise<void> {
  // tmux ends a client's format jobs when that client exits: this one waits on a channel until the job has run.
  const client = spawn('tmux', ['-L', socket, 'display-message', '-p', '#(cd;touch${IFS}control)', ';', 'wait-for', 'wts-control'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => client.on('exit', resolve));
  try {
    await waitFor(() => fs.existsSync(path.join(home, 'control')), 'the control job to leave its marker', 10_000);
  } finally {
    tmux(socket, 'wait-for', '-S', 'wts-control');
    await exited;
  }
  assert.equal(fs.existsSync(path.join(home, 'ran')), false, 'no #() command ran');
}

/** A tmux server started by the test itself, with `home` as its HOME, so a format job's `cd` lands there. */
function startServer(socket: string, home: string, ...args: string[]): void {
  execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env: { ...testEnv(), HOME: home }, stdio: 'ignore' });
}

describe('security: tmux (issue 8)', function () {
  this.timeout(20_000);
  afterEach(runCleanups);

  it('security: a worktree folder named with tmux format syntax is started in exactly, runs nothing, and is listed as it is', async () => {
    const { tmux: t, socket, home } = makeTmux();
    const root = tempDir();
    const names = [
      `fix-${RUN_MARKER}`, 'fix-#{session_name}', 'C#Sharp repo', 'fix#Deadlock', 'host-#H-#{host}',
      'style-#[fg=red]-##[x]-###[y', 'unclosed-#(', 'unclosed-#{', 'comma#,brace#}', 'trailing#', 'semicolon;', 'hash-semicolon#;',
    ];
    for (const [i, folder] of names.entries()) {
      const cwd = path.join(root, folder);
      fs.mkdirSync(cwd);
      const name = `wts-0123456789abcdef-f${i}`;
      await t.newSession({ name, cwd, stamp: i + 1, worktree: cwd });
      assert.equal(await paneCwd(socket, name, fs.realpathSync(cwd)), fs.realpathSync(cwd), `the session for "${folder}" starts in that folder`);
    }
    const listed = new Map((await t.list()).sessions.map((s) => [s.name, s.worktree]));
    for (const [i, folder] of names.entries()) {
      assert.equal(listed.get(`wts-0123456789abcdef-f${i}`), path.join(root, folder), `"${folder}" is listed as it is`);
    }
    await assertNoJobRan(socket, home);
  });

  it('security: a session environment value reaches the program exactly, formats and a trailing ";" included', async () => {
    const { tmux: t, socket, home } = makeTmux();
    const out = path.join(tempDir(), 'value');
    const value = `${RUN_MARKER} #S #{session_name} #D a;`;
    await t.newSession({
      name: 'wts-0123456789abcdef-env', cwd: tempDir(), stamp: 1,
      command: ['/bin/sh', '-c', 'printf %s "$V" > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 60', out], env: { V: value },
    });
    await waitFor(() => fs.existsSync(out), 'the program to write the value');
    assert.equal(fs.readFileSync(out, 'utf8'), value);
    await assertNoJobRan(socket, home);
  });

  it('security: a one-element agent command runs exactly that program, even from a folder with a space and ";" in its name', async () => {
    const { tmux: t } = makeTmux();
    const dir = path.join(tempDir(), 'dir with space;touch x;y');
    fs.mkdirSync(dir);
    const agent = path.join(dir, 'agent');
    fs.writeFileSync(agent, '#!/bin/sh\necho "$#" > "$(dirname "$0")/ran-agent"\nexec sleep 60\n', { mode: 0o755 });
    const cwd = tempDir();
    await t.newSession({ name: 'wts-0123456789abcdef-agent', cwd, stamp: 1, command: [agent] });
    await waitFor(() => fs.existsSync(path.join(dir, 'ran-agent')), 'the agent in the folder with a space to run');
    assert.equal(fs.readFileSync(path.join(dir, 'ran-agent'), 'utf8'), '0\n', 'the agent got no arguments');
    assert.deepEqual(fs.readdirSync(cwd), [], 'no shell syntax from the path ran in the worktree');
  });

  it('security: arguments ending in ";" reach the program as they are and never start a second tmux command', async () => {
    const { tmux: t, socket } = makeTmux();
    const out = path.join(tempDir(), 'args');
    const args = ['a;', ';', 'b\\;', 'kill-server;', '\\'];
    await t.newSession({
      name: 'wts-0123456789abcdef-args', cwd: tempDir(), stamp: 1,
      command: ['/bin/sh', '-c', 'printf "%s\\n" "$@" > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 60', out, ...args],
    });
    await waitFor(() => fs.existsSync(out), 'the program to write its arguments');
    assert.equal(fs.readFileSync(out, 'utf8'), args.map((a) => `${a}\n`).join(''));
    assert.deepEqual(tmuxSessions(socket), ['wts-0123456789abcdef-args']);
  });

  it("security: the extension's tmux server never reads the user's tmux.conf, whichever call starts it", async () => {
    const home = tempDir('wts-home-');
    const writeConf = (conf: string) => {
      fs.writeFileSync(path.join(home, '.tmux.conf'), conf);
      fs.mkdirSync(path.join(home, '.config/tmux'), { recursive: true });
      fs.writeFileSync(path.join(home, '.config/tmux/tmux.conf'), conf);
    };

    // A new session starts the server.
    writeConf("set -g @user_conf read\nset -g status-left 'FROM-USER-CONF'\nset -g destroy-unattached on\n");
    const { tmux: t, socket } = makeTmux(home);
    await t.newSession({ name: 'wts-0123456789abcdef', cwd: tempDir(), stamp: 1 });
    assert.equal(tmux(socket, 'show-options', '-gqv', '@user_conf'), '');
    assert.notEqual(tmux(socket, 'show-options', '-gv', 'status-left').trim(), 'FROM-USER-CONF');
    assert.equal(tmux(socket, 'show-options', '-gv', 'destroy-unattached').trim(), 'off');
    assert.deepEqual(tmuxSessions(socket), ['wts-0123456789abcdef'], 'destroy-unattached did not end the detached session');

    // So does an attach when the server is gone (after a reboot): it fails without a terminal, and leaves nothing behind.
    writeConf('new-session -d -s from-user-conf\n');
    const { tmux: other, socket: otherSocket, env } = makeTmux(home);
    const { file, args } = other.attachArgv('wts-0123456789abcdef');
    assert.throws(() => execFileSync(file, args, { env: { ...env, TMUX: '' }, stdio: 'ignore', timeout: 10_000 }));
    assert.deepEqual(tmuxSessions(otherSocket), []);
  });

  it("security: capture and attach refuse a session name that is not the extension's own", async () => {
    const { tmux: t, socket, home } = makeTmux();
    startServer(socket, home, 'new-session', '-d', '-s', 'personal', 'echo private-text; exec sleep 60');
    await waitFor(() => tmux(socket, 'capture-pane', '-p', '-t', '=personal:').includes('private-text'), 'the foreign pane to show its text');
    for (const name of ['personal', RUN_MARKER, 'wts-0123456789abcdef-x;kill-server', 'x y']) {
      assert.equal(await t.capturePane(name, 5), '', name);
      assert.throws(() => t.attachArgv(name), /foreign name/, name);
      assert.throws(() => t.attachCommandLine(name), /foreign name/, name);
    }
    await assertNoJobRan(socket, home);
  });

  it('security: a value escaped for a format comes out of tmux\'s expansion exactly as given', async () => {
    const { socket, home } = makeTmux();
    startServer(socket, home, 'new-session', '-d', '-s', 'probe');
    const values = [
      RUN_MARKER, '#{session_name}', '#S #D #H #h #P', '#', '##', '###', 'a#', '#[fg=red]', '##[x]', '###[y]', 'a#[b#c]#S',
      '#,#}', '#(', '#{', '#{?1,a,b}', '%H:%M', 'a;', '\\', 'plain /path with space',
    ];
    for (const value of values) {
      tmux(socket, 'set-option', '-F', '-t', '=probe:', '@probe', escapeArgument(escapeFormat(value)));
      assert.equal(tmux(socket, 'show-options', '-qv', '-t', '=probe:', '@probe'), `${value}\n`, value);
    }
    await assertNoJobRan(socket, home);
  });

  it('security: a branch or repository folder named with tmux format syntax starts its base terminal in its worktree and runs nothing', async () => {
    const home = tempDir('wts-home-');
    const core = await makeCore({ env: { ...testEnv(), HOME: home } });
    const repoRoot = makeRepo({ name: 'C#Sharp repo' });
    for (const branch of [`fix-${RUN_MARKER}`, 'fix/#Deadlock', 'feat/#{session_name}']) {
      const w = await core.lifecycle.createWorkspace({ repoRoot, branch });
      assert.ok(w.worktreePath.includes('#'), w.worktreePath);
      assert.equal(await paneCwd(core.socket, w.baseSession.name, fs.realpathSync(w.worktreePath)), fs.realpathSync(w.worktreePath), branch);
    }
    await assertNoJobRan(core.socket, home);
  });
});
