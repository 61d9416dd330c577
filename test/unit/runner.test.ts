// The one process runner (issue 9 item 2, issue 8 items 8 and 9), against real processes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Git } from '../../src/core/git';
import { DEFAULT_TIMEOUT_MS, ProcessError, ProcessRunner, USER_TIMEOUT_MS, type ExecResult } from '../../src/core/process/runner';
import { Tmux, TmuxUnavailableError } from '../../src/core/tmux';
import { MemoryLogger, makeCore, makeRepo, onCleanup, privateSocket, rejects, runCleanups, tempDir, testEnv, waitFor } from '../support/fixtures';

/** Processes of this group that have not ended (a zombie has ended), read from /proc. */
function livingInGroup(pgid: number): number[] {
  const living: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(Number(entry));
    if (fields && fields.pgrp === pgid && fields.state !== 'Z') living.push(Number(entry));
  }
  return living;
}

function alive(pid: number): boolean {
  const fields = procStat(pid);
  return !!fields && fields.state !== 'Z';
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/** Kills, at cleanup, what a test left running on purpose (by PID, never by name). */
function killAtCleanup(pid: number): void {
  onCleanup(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
}

/** Fails the test instead of hanging it when a call does not return. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function firstNumber(text: string): number {
  const n = Number(text.trim().split('\n')[0]);
  assert.ok(Number.isInteger(n) && n > 0, `expected a PID in ${JSON.stringify(text)}`);
  return n;
}

function readPid(file: string): number | undefined {
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) || undefined : undefined;
}

function script(body: string): string {
  const file = path.join(tempDir(), 'program');
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('process runner', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  describe('deadlines', () => {
    it('deadline: a call that names none gets one (30 s for git and tmux, longer for the user\'s command), and it is enforced', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      assert.equal((await runner.run('true', [])).timeoutMs, DEFAULT_TIMEOUT_MS);
      assert.equal((await runner.run('true', [], { purpose: 'user' })).timeoutMs, USER_TIMEOUT_MS);
      // Beyond what a timer can hold (Infinity too) is far away, not at once.
      assert.equal((await runner.run('sh', ['-c', 'sleep 0.1'], { timeoutMs: Infinity })).kind, 'ok');
      const short = new ProcessRunner(new MemoryLogger(), { timeoutMs: 300 });
      const r = await within(10_000, short.run('sleep', ['1000']), 'sleep 1000 with a 300 ms default');
      assert.equal(r.kind, 'timeout');
      assert.equal(r.timedOut, true);
    });

    it('deadline: `tmux -V` has one, so a tmux that hangs does not hang the probe', async () => {
      const hanging = script('exec sleep 1000');
      const t = new Tmux(new ProcessRunner(new MemoryLogger()), { path: () => hanging, socket: () => privateSocket() }, 'owner-test', testEnv());
      const probe = await within(12_000, t.probe(), 'the probe of a hanging tmux');
      assert.equal(probe.ok, false);
      assert.match(!probe.ok ? probe.message : '', /did not finish within 5 s/);
    });

    it('deadline: ends the whole process group, even when a grandchild holds the pipes', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const started = Date.now();
      const r = await within(10_000, runner.run('sh', ['-c', 'echo $$; sleep 1000 & sleep 1000'], { timeoutMs: 500 }), 'a group holding the pipes');
      assert.ok(Date.now() - started < 5_000, `returned after ${Date.now() - started} ms`);
      assert.equal(r.kind, 'timeout');
      const group = firstNumber(r.stdout);
      await waitFor(() => livingInGroup(group).length === 0, `every process of group ${group} to end`);
    });

    it('deadline: a program that exits while its background process keeps the output open returns with its exit code', async () => {
      const logger = new MemoryLogger();
      const runner = new ProcessRunner(logger);
      const r = await within(10_000, runner.run('sh', ['-c', 'sleep 1000 & echo $!; exit 0']), 'a program whose child holds its output');
      const background = firstNumber(r.stdout);
      killAtCleanup(background);
      assert.equal(r.kind, 'ok');
      assert.equal(r.exitCode, 0);
      assert.equal(r.outputLeftOpen, true);
      assert.ok(logger.lines.some((l) => l.startsWith('warn ') && /output stayed open/.test(l)), logger.lines.join('\n'));
      // It was started by the call and holds a pipe nobody reads: it goes with the call.
      await waitFor(() => !alive(background), `the background sleep ${background} to end`);
    });

    it('deadline: a background process that let go of the output is left running', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const r = await within(10_000, runner.run('sh', ['-c', 'sleep 1000 >/dev/null 2>&1 & echo $!']), 'a program with a detached daemon');
      const daemon = firstNumber(r.stdout);
      killAtCleanup(daemon);
      assert.equal(r.kind, 'ok');
      assert.equal(r.outputLeftOpen, false);
      assert.ok(alive(daemon), 'the daemon the program started on purpose still runs');
    });

    it('deadline: a stopped process is ended by its deadline, and gets SIGTERM (with SIGCONT) before SIGKILL', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const r = await within(10_000, runner.run('sh', ['-c', 'trap "echo got-term; exit 3" TERM; kill -STOP $$; sleep 1000'], { timeoutMs: 500 }), 'a stopped program');
      assert.equal(r.kind, 'timeout');
      assert.match(r.stdout, /got-term/, 'the stopped shell was resumed to act on SIGTERM');
    });

    it('deadline: a call to a stopped tmux server returns by its deadline', async () => {
      const socket = privateSocket();
      execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'stopped'], { env: testEnv(), stdio: 'ignore' });
      const server = firstNumber(execFileSync('tmux', ['-L', socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }));
      process.kill(server, 'SIGSTOP');
      // Runs before the socket's own cleanup (kill-server), which a stopped server would not answer.
      onCleanup(() => process.kill(server, 'SIGCONT'));
      const runner = new ProcessRunner(new MemoryLogger());
      const started = Date.now();
      const r = await within(10_000, runner.run('tmux', ['-L', socket, 'list-sessions'], { timeoutMs: 500 }), 'tmux list-sessions on a stopped server');
      assert.ok(Date.now() - started < 5_000, `returned after ${Date.now() - started} ms`);
      assert.equal(r.kind, 'timeout');
      assert.ok(alive(server), 'the server is not in the call\'s group and is left alone');
    });
  });

  describe('cancel', () => {
    it('cancel: an abort ends the whole process group', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const pidFile = path.join(tempDir(), 'pid');
      const abort = new AbortController();
      const call = runner.run('sh', ['-c', 'sleep 1000 & echo $$ > "$1"; sleep 1000', 'sh', pidFile], { signal: abort.signal });
      const group = await waitFor(() => readPid(pidFile), 'the pid file');
      assert.ok(livingInGroup(group).length >= 2);
      abort.abort();
      const r = await within(10_000, call, 'the cancelled call');
      assert.equal(r.kind, 'cancelled');
      assert.equal(r.cancelled, true);
      await waitFor(() => livingInGroup(group).length === 0, `every process of group ${group} to end`);
    });

    it('cancel: an already aborted signal starts nothing', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const marker = path.join(tempDir(), 'ran');
      const r = await runner.run('touch', [marker], { signal: AbortSignal.abort() });
      assert.equal(r.kind, 'cancelled');
      assert.equal(fs.existsSync(marker), false);
    });
  });

  describe('output', () => {
    it('output: 150 MB keeps the last 4 MiB, and says it was cut', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const r = await runner.run('sh', ['-c', 'head -c 157286400 /dev/zero | tr "\\0" a; echo END; echo small >&2']);
      assert.equal(r.kind, 'ok');
      assert.equal(r.stdout.length, 4 * 1024 * 1024);
      assert.ok(r.stdout.endsWith('aaaEND\n'));
      assert.equal(r.stdoutTruncated, true);
      assert.equal(r.stderr, 'small\n');
      assert.equal(r.stderrTruncated, false);
    });

    it('output: maxOutputBytes sets the cap, and the tail never starts inside a UTF-8 character', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const r = await runner.run('printf', ['%s', 'abcééé'], { maxOutputBytes: 5 });
      assert.equal(r.stdout, 'éé');
      assert.equal(r.stdoutTruncated, true);
    });
  });

  describe('failures', () => {
    it('failure: a missing program is not-found, and names it', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const byPath = await runner.run('/nonexistent/wts-program', []);
      assert.equal(byPath.kind, 'not-found');
      assert.match(new ProcessError('/nonexistent/wts-program', [], byPath).message, /\/nonexistent\/wts-program does not exist/);
      const byName = await runner.run('wts-no-such-program', []);
      assert.equal(byName.kind, 'not-found');
      assert.match(byName.spawnError!, /wts-no-such-program was not found on PATH/);
    });

    it('failure: a missing folder is no-cwd, not a missing program', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const folder = path.join(tempDir(), 'gone');
      const r = await runner.run('sh', ['-c', 'true'], { cwd: folder });
      assert.equal(r.kind, 'no-cwd');
      const message = new ProcessError('sh', ['-c', 'true'], r, { cwd: folder }).message;
      assert.match(message, new RegExp(`the folder ${folder} does not exist`));
      assert.doesNotMatch(message, /not found|install/i);
    });

    it('failure: a file that may not be run is permission', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const file = path.join(tempDir(), 'not-executable');
      fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o644 });
      const r = await runner.run(file, []);
      assert.equal(r.kind, 'permission');
      assert.match(r.spawnError!, /permission denied/);
    });

    it('failure: an exit code and a signal each carry their words, exit code, signal and output tail', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const exited = await runner.run('sh', ['-c', 'echo partial; echo first >&2; echo "the reason" >&2; exit 3']);
      assert.equal(exited.kind, 'exit');
      const error = new ProcessError('sh', [], exited);
      assert.equal(error.exitCode, 3);
      assert.equal(error.stdout, 'partial\n');
      assert.match(error.message, /sh exited with code 3: the reason/);
      const killed = await runner.run('sh', ['-c', 'kill -KILL $$']);
      assert.equal(killed.kind, 'signal');
      assert.equal(killed.signal, 'SIGKILL');
      assert.match(new ProcessError('sh', [], killed).message, /ended by SIGKILL/);
    });

    it('failure: git names the cause; only a missing git asks to install git', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      const crashing = new Git(runner, script('kill -KILL $$'));
      const crashed = await rejects(crashing.worktrees(makeRepo()), /ended by SIGKILL/);
      assert.doesNotMatch(crashed.message, /install/i);
      const gone = await rejects(new Git(runner).worktrees(path.join(tempDir(), 'gone')), /cannot change to|No such file/);
      assert.doesNotMatch(gone.message, /install/i);
      await rejects(new Git(runner, '/nonexistent/git').worktrees(makeRepo()), /\/nonexistent\/git does not exist\. Install git/);
    });
    it('failure: a tmux call that is ended says so and names the socket; it is not "tmux is missing" (D4 would read that as nothing running)', async () => {
      const socket = privateSocket();
      const t = new Tmux(new ProcessRunner(new MemoryLogger()), { path: () => script('kill -KILL $$'), socket: () => socket }, 'owner-test', testEnv());
      const error = await rejects(t.list(), new RegExp(`tmux list-sessions on socket ${socket}: .* was ended by SIGKILL`));
      assert.ok(error instanceof ProcessError);
      assert.ok(!(error instanceof TmuxUnavailableError));
      assert.equal(error.signal, 'SIGKILL');
    });
  });

  describe('environment', () => {
    const probe = 'printf "%s|%s|%s|%s" "$LC_ALL" "$GIT_PAGER" "$GIT_TERMINAL_PROMPT" "$GIT_OPTIONAL_LOCKS"';
    const users = () => ['LC_ALL', 'GIT_PAGER', 'GIT_TERMINAL_PROMPT', 'GIT_OPTIONAL_LOCKS'].map((k) => process.env[k] ?? '').join('|');

    it('environment: git and tmux calls pin locale, pager and prompts; the user\'s command gets the user\'s environment', async () => {
      const runner = new ProcessRunner(new MemoryLogger());
      assert.equal((await runner.run('sh', ['-c', probe])).stdout, 'C|cat|0|0');
      const user = (await runner.run('sh', ['-c', probe], { purpose: 'user' })).stdout;
      assert.equal(user, users());
      assert.notEqual(user, 'C|cat|0|0');
    });

    it('environment: the setup command runs with the user\'s environment', async () => {
      const core = await makeCore({ settings: { setupCommand: ['sh', '-c', `${probe} > env.txt`] } });
      const w = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/env' });
      assert.equal(fs.readFileSync(path.join(w.worktreePath, 'env.txt'), 'utf8'), users());
    });
  });

  describe('state and log', () => {
    async function startGroup(runner: ProcessRunner): Promise<{ call: Promise<ExecResult>; group: number }> {
      const pidFile = path.join(tempDir(), 'pid');
      const call = runner.run('sh', ['-c', 'sleep 1000 & echo $$ > "$1"; sleep 1000', 'sh', pidFile]);
      const group = await waitFor(() => readPid(pidFile), 'the pid file');
      return { call, group };
    }

    it('state: dispose() ends the groups of that runner\'s running children, and no other runner\'s', async () => {
      const exitHooks = process.listenerCount('exit');
      const disposed = new ProcessRunner(new MemoryLogger());
      const other = new ProcessRunner(new MemoryLogger());
      const mine = await startGroup(disposed);
      const theirs = await startGroup(other);
      onCleanup(() => other.dispose());
      disposed.dispose();
      const r = await within(10_000, mine.call, 'the disposed runner\'s call');
      assert.equal(r.kind, 'cancelled');
      await waitFor(() => livingInGroup(mine.group).length === 0, 'the disposed runner\'s group to end');
      assert.ok(livingInGroup(theirs.group).length >= 2, 'the other runner\'s child still runs');
      other.dispose();
      assert.equal((await within(10_000, theirs.call, 'the other call')).kind, 'cancelled');
      assert.equal(process.listenerCount('exit'), exitHooks, 'no exit hook is left behind');
    });

    it('state: core.dispose() ends the children still running', async () => {
      const core = await makeCore();
      const { call, group } = await startGroup(core.exec);
      core.dispose();
      assert.equal((await within(10_000, call, 'the call')).kind, 'cancelled');
      await waitFor(() => livingInGroup(group).length === 0, 'its group to end');
    });

    it('log: one line per call with its duration and outcome; calls() counts per program', async () => {
      const logger = new MemoryLogger();
      const runner = new ProcessRunner(logger);
      await runner.run('sh', ['-c', 'true']);
      await runner.run('sh', ['-c', 'echo "first line" >&2; echo second >&2; exit 4']);
      await runner.run('true', []);
      assert.equal(logger.lines.length, 3);
      assert.match(logger.lines[0], /^trace sh -c true → exit 0 \[\d+\.\d ms\]$/);
      assert.match(logger.lines[1], /^info sh -c .* → exit 4: first line \[\d+\.\d ms\]$/);
      assert.equal(runner.calls('sh'), 2);
      assert.equal(runner.calls('true'), 1);
    });
  });
});
