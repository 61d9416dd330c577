// Starting and stopping the processes the scripts own, and nothing else.
// Node builtins only: scripts/test.mjs imports this before `npm ci`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command with inherited stdio; resolves with its exit code (signals count as failure). */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('error', (err) => {
      console.error(`could not start ${command}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1)));
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after it are fixed.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `rootPid` (children, grandchildren, …), from /proc. */
export function descendantsOf(rootPid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(entry);
    if (ppid === undefined) continue;
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const found = [];
  const queue = [rootPid];
  while (queue.length) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops a child started with `detached: true` (so it leads its own process group)
 * and everything below it: terminal shells that node-pty put in sessions of their
 * own are found through /proc before the group is signalled. TERM first, KILL
 * after `graceMs`.
 */
export async function stopProcessTree(child, { graceMs = 5000 } = {}) {
  if (!child || child.pid === undefined) return;
  const pids = [child.pid, ...descendantsOf(child.pid)];
  const signalAll = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  signalAll('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(alive)) await sleep(100);
  if (pids.some(alive)) signalAll('SIGKILL');
  // Reap so the exit event fires before the caller moves on.
  if (child.exitCode === null && child.signalCode === null) {
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(2000)]);
  }
}

/** Unix socket files anywhere below `dir`. */
export function socketsUnder(dir) {
  const sockets = [];
  if (!fs.existsSync(dir)) return sockets;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isSocket()) sockets.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  return sockets;
}

/**
 * Kills the tmux servers listening on sockets inside a private TMUX_TMPDIR. Only
 * sockets below that directory are touched, so a user's own tmux is never hit.
 * @returns {string[]} the sockets whose server was killed
 */
export function killTmuxServersUnder(tmuxTmpDir) {
  const killed = [];
  for (const socket of socketsUnder(tmuxTmpDir)) {
    const result = spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore', timeout: 10_000 });
    if (result.status === 0) killed.push(socket);
  }
  return killed;
}

// sun_path holds 108 bytes. Below TMUX_TMPDIR tmux adds `/tmux-<uid>/<socket name>`;
// below TMPDIR VS Code puts `/vscode-ipc-<uuid>.sock` (53 bytes). Leave room for both.
const SOCKET_PATH_BUDGET = 107 - 54;

/**
 * A fresh folder holding `tmp/` and `tmux/`, to become a run's TMPDIR and
 * TMUX_TMPDIR. It lives in the system temp folder, never in the checkout: a
 * temporary folder inside the project's git work tree would make every "not a
 * git repository" case in the tests find this repository instead, and the
 * checkout's path may be too long for unix sockets. The caller removes it.
 * @returns {{ root: string, tmp: string, tmux: string }}
 */
export function privateTempDirs(prefix) {
  const candidates = [os.tmpdir(), '/tmp'];
  const base = candidates.find((dir) => Buffer.byteLength(path.join(dir, `${prefix}XXXXXX`, 'tmux')) <= SOCKET_PATH_BUDGET) ?? '/tmp';
  const root = fs.mkdtempSync(path.join(base, prefix));
  const dirs = { root, tmp: path.join(root, 'tmp'), tmux: path.join(root, 'tmux') };
  fs.mkdirSync(dirs.tmp);
  fs.mkdirSync(dirs.tmux);
  return dirs;
}

/** Environment for a child npm: without what the calling `npm run` exported about this project. */
export function cleanNpmEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|config_local_prefix$|config_prefix$|command$)/i.test(key)) delete env[key];
  }
  return { ...env, ...extra };
}
