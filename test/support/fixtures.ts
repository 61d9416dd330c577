// Real git repositories, private tmux sockets and temporary folders for the unit tier.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../../src/core';
import { GIT_IDENTITY, initRepository, waitFor } from './common';
import { defaultSettings, type CoreSettings } from '../../src/core/model';
import type { Logger } from '../../src/core/log';
import type { Git } from '../../src/core/git';
import { LifecycleService, type LifecycleSeams } from '../../src/core/lifecycle';
import type { WorkspaceStore } from '../../src/core/store';
import type { Tmux } from '../../src/core/tmux';

export { GIT_IDENTITY, sleep, waitFor } from './common';

// The core's own git calls (commit-tree in D5) need an identity on a bare CI machine too.
Object.assign(process.env, GIT_IDENTITY, { GIT_CONFIG_NOSYSTEM: '1' });

// Bundled into out/test/<tier>/, two folders below the project root's out/.
export const projectRoot = path.resolve(__dirname, '../../..');
export const wasmPath = path.join(projectRoot, 'node_modules/sql.js/dist/sql-wasm.wasm');

const cleanups: Array<() => void> = [];

/** Registers work for afterEach/after hooks; runs in reverse order. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

export function runCleanups(): void {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      fn();
    } catch {
      // Keep cleaning the rest.
    }
  }
}

export function tempDir(prefix = 'wts-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: { ...process.env, ...GIT_IDENTITY }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A repository with one commit on `main`, inside `parent` (a fresh temporary folder by default). */
export function makeRepo(options: { parent?: string; name?: string; files?: Record<string, string> } = {}): string {
  const parent = options.parent ?? tempDir();
  const repo = path.join(parent, options.name ?? 'repo');
  initRepository(repo, options.files ?? { 'README.md': '# test repository\n', 'src/app.txt': 'hello\n' });
  return repo;
}

let socketCounter = 0;

/** A tmux socket name no other test (or user) shares; its server is killed at cleanup. */
export function privateSocket(): string {
  const name = `wts-test-${process.pid}-${++socketCounter}-${Math.random().toString(16).slice(2, 6)}`;
  onCleanup(() => killTmuxServer(name));
  return name;
}

export function killTmuxServer(socket: string): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // No server running.
  }
  // A killed server can leave its socket file behind; it is this test's, so it goes too.
  const uid = process.getuid?.() ?? 0;
  fs.rmSync(path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`, socket), { force: true });
}

export function tmux(socket: string, ...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tmuxSessions(socket: string): string[] {
  try {
    return tmux(socket, 'list-sessions', '-F', '#{session_name}').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Collects log lines so a test can assert on what was logged. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  trace(m: string) { this.lines.push(`trace ${m}`); }
  info(m: string) { this.lines.push(`info ${m}`); }
  warn(m: string) { this.lines.push(`warn ${m}`); }
  error(m: string) { this.lines.push(`error ${m}`); }
}

let testHome: string | undefined;

/**
 * The environment tmux sessions get in tests: /bin/sh and an empty HOME, so
 * neither the machine's shell start-up files nor its ~/.tmux.conf take part.
 */
export function testEnv(): NodeJS.ProcessEnv {
  // A child process of a test uses its parent's home, so a killed child leaves nothing behind.
  if (process.env.WTS_TEST_HOME) return { ...process.env, SHELL: '/bin/sh', HOME: process.env.WTS_TEST_HOME, ENV: '' };
  if (!testHome || !fs.existsSync(testHome)) {
    testHome = fs.mkdtempSync(path.join(os.tmpdir(), 'wts-home-'));
    const home = testHome;
    process.once('exit', () => fs.rmSync(home, { recursive: true, force: true }));
  }
  return { ...process.env, SHELL: '/bin/sh', HOME: testHome, ENV: '', WTS_TEST_HOME: testHome };
}

export interface TestCore extends Core {
  socket: string;
  storageDir: string;
  settings: CoreSettings;
  logger: MemoryLogger;
}

/** A full core (store, tmux on a private socket, git, lifecycle), torn down at cleanup. */
export async function makeCore(options: {
  settings?: Partial<CoreSettings>; storageDir?: string; env?: NodeJS.ProcessEnv; socket?: string; orphanGraceMs?: number;
  /** 0 turns the poll off, so exits are noticed through the tmux hook alone (S2). */
  pollIntervalMs?: number;
  /** false: the store sees other windows' writes only when asked to refresh. */
  watchStore?: boolean;
} = {}): Promise<TestCore> {
  const socket = options.socket ?? privateSocket();
  const storageDir = options.storageDir ?? tempDir('wts-storage-');
  const settings: CoreSettings = { ...defaultSettings, worktreeRoot: '', socketName: socket, ...options.settings };
  const logger = new MemoryLogger();
  const core = await createCore({ storageDir, wasmPath, settings: () => settings, logger, env: options.env ?? testEnv(), pollIntervalMs: options.pollIntervalMs ?? 200, orphanGraceMs: options.orphanGraceMs, watchStore: options.watchStore });
  onCleanup(() => core.dispose());
  return Object.assign(core, { socket, storageDir, settings, logger });
}

/** Asserts a promise rejects with a message matching `re`, and returns the error. */
export async function rejects(p: Promise<unknown>, re: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    const err = e as Error;
    if (!re.test(err.message)) throw new Error(`expected rejection matching ${re}, got: ${err.message}`);
    return err;
  }
  throw new Error(`expected rejection matching ${re}, but it resolved`);
}

/** A lifecycle built from the core's parts with some of them replaced (faults, hooks). */
export function rebuildLifecycle(core: TestCore, parts: { store?: WorkspaceStore; git?: Git; tmux?: Tmux; orphanGraceMs?: number; pollIntervalMs?: number; seams?: LifecycleSeams; clock?: () => number }): LifecycleService {
  const lifecycle = new LifecycleService({
    store: parts.store ?? core.store,
    tmux: parts.tmux ?? core.tmux,
    git: parts.git ?? core.git,
    exec: core.exec,
    settings: () => core.settings,
    logger: core.logger,
    savedChangesDir: `${core.storageDir}/saved-changes`,
    pollIntervalMs: parts.pollIntervalMs ?? 200,
    orphanGraceMs: parts.orphanGraceMs,
    seams: parts.seams,
    clock: parts.clock,
  });
  onCleanup(() => lifecycle.dispose());
  return lifecycle;
}

/**
 * Starts a delete of `workspaceId` in a child process (test/support/deleteChild.ts)
 * and resolves once it holds right before the worktree removal; the caller kills it.
 */
export async function deleteInChildUntilRemoving(core: TestCore, workspaceId: string): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'out/test/support/deleteChild.js'), core.storageDir, core.socket, workspaceId], {
    stdio: ['ignore', 'pipe', 'inherit'], env: testEnv(),
  });
  onCleanup(() => child.kill('SIGKILL'));
  const exited = new Promise((r) => child.on('exit', r));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await waitFor(() => out.includes('REMOVING'), 'the child to reach the worktree removal', 20_000);
  return { child, exited };
}
