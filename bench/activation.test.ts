// Bench-only, loaded by bench/bench.ts through the real extension host:
//   node scripts/vscode-host/run-tests.mjs --files out/bench/activation.test.js
//
// The extension activates by itself when the window starts (onStartupFinished),
// before any test runs, so a test cannot call activate() first. Instead:
//   pass 1: wait for `ready`, record 20 workspaces in the extension's database
//           (real worktrees, live base terminals with the owner marker), then
//           reload the window;
//   pass 2…: the new extension host activates the extension on a database with
//           20 workspaces; the time from the host's "activating" log line to the
//           extension's "is ready" log line is one sample. Reload again until
//           BENCH_ACTIVATION_RUNS samples are taken.
// State and results go to $BENCH_ACTIVATION_OUT (JSON), which survives the reloads.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { createCore, defaultSettings, ownerIdFor, type WorkspaceRecord } from '../src/core';
import { silentLogger } from '../src/core/log';
import { OwnershipStore } from '../src/core/store';
import type { WorktreeSessionsApi } from '../src/vscode/api';

const EXTENSION_ID = 'worktree-sessions.worktree-sessions';
const WORKSPACES = 20;

interface State {
  seeded: boolean;
  /** First start, empty database. */
  emptyMs?: number;
  samples: { readyMs: number; workspaces: number; running: number; meanwhile?: Meanwhile; own?: Record<string, number> }[];
  /** First start, empty database: the extension's own steps (ms from activate()). */
  emptyOwn?: Record<string, number>;
  /** The same steps again once the host is idle, each timed on its own (last pass). */
  breakdown?: Record<string, number>;
  error?: string;
}

const outFile = process.env.BENCH_ACTIVATION_OUT;
const runs = Number(process.env.BENCH_ACTIVATION_RUNS ?? 1);

function readState(): State {
  try {
    return JSON.parse(fs.readFileSync(outFile!, 'utf8')) as State;
  } catch {
    return { seeded: false, samples: [] };
  }
}

function writeState(state: State): void {
  fs.writeFileSync(outFile!, `${JSON.stringify(state)}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** "2026-11-28 03:05:26.762 [info] …" → ms since epoch (local time, as the host wrote it). */
function stampOf(line: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) /.exec(line);
  return m ? new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]).getTime() : undefined;
}

function filesNamed(dir: string, test: (name: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && test(e.name))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

/** What else the host did while the extension activated: other activations, the git extension's commands. */
interface Meanwhile {
  otherActivations: string[];
  gitExtensionCommands: number;
}

/**
 * This host's activation of the extension, from its own logs: the extension
 * host's "ExtensionService#_doActivateExtension <id>" line (just before it
 * loads the module and calls activate()) to the extension's "is ready" line
 * (just before `ready` resolves).
 */
async function activationFromLogs(storageDir: string): Promise<{ ms: number; meanwhile: Meanwhile }> {
  // <user-data>/User/globalStorage/<id> → <user-data>/logs/<session>/exthostN/
  const logs = path.join(storageDir, '..', '..', '..', 'logs');
  for (let attempt = 0; attempt < 50; attempt++) {
    let best: { started: number; dir: string } | undefined;
    for (const file of filesNamed(logs, (n) => n === 'remoteexthost.log' || n === 'exthost.log')) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.includes(`_doActivateExtension ${EXTENSION_ID},`)) continue;
        const started = stampOf(line);
        if (started !== undefined && (!best || started > best.started)) best = { started, dir: path.dirname(file) };
      }
    }
    if (best) {
      const ready = filesNamed(best.dir, (n) => n.endsWith('.log'))
        .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n'))
        .filter((l) => l.includes('Worktree Sessions is ready.'))
        .map(stampOf)
        .filter((t): t is number => t !== undefined && t >= best!.started);
      if (ready.length) {
        const end = Math.min(...ready);
        const within = (l: string) => {
          const t = stampOf(l);
          return t !== undefined && t >= best!.started && t <= end;
        };
        const lines = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter(within);
        const hostLog = filesNamed(best.dir, (n) => n === 'remoteexthost.log' || n === 'exthost.log');
        const otherActivations = hostLog.flatMap(lines)
          .map((l) => /_doActivateExtension ([^,]+),/.exec(l)?.[1])
          .filter((id): id is string => id !== undefined && id !== EXTENSION_ID);
        const gitExtensionCommands = filesNamed(best.dir, (n) => n === 'Git.log').flatMap(lines).filter((l) => /\] > git /.test(l)).length;
        return { ms: end - best.started, meanwhile: { otherActivations, gitExtensionCommands } };
      }
    }
    await sleep(100); // log lines reach the files a little after they are written
  }
  throw new Error(`no activation and ready lines for ${EXTENSION_ID} under ${logs}`);
}

/** Records 20 ready workspaces, each with a real worktree and a live, marked base terminal. */
async function seed(api: WorktreeSessionsApi): Promise<void> {
  const storageDir = api._test.storageDir;
  const ownerId = ownerIdFor(storageDir);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wts-bench-home-'));
  // /bin/sh and an empty HOME: the machine's shell start-up files take no part.
  const env = { ...process.env, HOME: home, SHELL: '/bin/sh', ENV: '', TMUX: '', LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'wts-bench-act-'));
  const repo = path.join(parent, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(repo, `f${i}.txt`), `${i}\n`);
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', 'initial');
  const now = Date.now();
  const rows: WorkspaceRecord[] = [];
  const tmuxArgs: string[] = ['-L', api.tmuxSocket, 'start-server', ';', 'set-option', '-s', 'exit-empty', 'off'];
  for (let i = 0; i < WORKSPACES; i++) {
    const id = `${i}`.padStart(16, 'b');
    const branch = `bench/${i}`;
    const wt = path.join(parent, 'repo.worktrees', `bench-${i}`);
    git(repo, 'worktree', 'add', '-q', '-b', branch, wt, 'main');
    rows.push({ id, repoRoot: repo, worktreePath: wt, branch, baseRef: 'main', createdBranch: true, baseSession: `wts-${id}`, status: 'ready', createdAt: now + i, updatedAt: now + i });
    const target = `=wts-${id}:`;
    tmuxArgs.push(';', 'new-session', '-d', '-s', `wts-${id}`, '-c', wt, '--', '/bin/sh',
      ';', 'set-option', '-t', target, '@wts_owner', ownerId,
      ';', 'set-option', '-t', target, '@wts_created', String(now + i),
      ';', 'set-option', '-t', target, '@wts_worktree', wt);
  }
  execFileSync('tmux', tmuxArgs, { env, stdio: 'ignore' });
  // Through the store's own lock and atomic write, as a second window would.
  const wasmPath = path.join(__dirname, '..', '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm');
  const { store } = await OwnershipStore.open(storageDir, { wasmPath, logger: silentLogger, watch: false });
  try {
    await store.write((tx) => {
      for (const r of rows) tx.insertWorkspace(r);
    });
  } finally {
    store.dispose();
  }
}

/**
 * What activation does, step by step, repeated in this (now idle) host: load
 * the bundle, open the database and the core, probe tmux, find the window's
 * repository, first reconciliation. Not the extension's own activation (that
 * one is measured from the logs), but its parts without start-up contention.
 */
async function breakdown(api: WorktreeSessionsApi): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const time = async <T>(key: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const r = await fn();
    out[key] = Math.round((performance.now() - t0) * 10) / 10;
    return r;
  };
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const bundle = path.join(ext.extensionPath, 'dist', 'extension.js');
  const cached = require.cache[bundle];
  delete require.cache[bundle];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh load of the bundle is the point
    await time('load_bundle_ms', () => require(bundle));
  } finally {
    if (cached) require.cache[bundle] = cached;
  }
  const settings = { ...defaultSettings, socketName: api.tmuxSocket };
  const core = await time('create_core_ms', () => createCore({
    storageDir: api._test.storageDir,
    wasmPath: path.join(ext.extensionPath, 'dist', 'sql-wasm.wasm'),
    settings: () => settings,
    logger: silentLogger,
    env: process.env,
    watchStore: false,
  }));
  try {
    await time('tmux_probe_ms', () => core.tmux.probe());
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (folder) await time('repository_root_ms', () => core.git.repositoryRoot(folder));
    await time('first_reconcile_ms', () => core.lifecycle.reconcile());
  } finally {
    core.dispose();
  }
  return out;
}

describe('bench: activation', () => {
  it(`activates with ${WORKSPACES} recorded workspaces`, async function () {
    this.timeout(120_000);
    if (!outFile) throw new Error('BENCH_ACTIVATION_OUT is not set; run this through npm run bench');
    const state = readState();
    try {
      const ext = vscode.extensions.getExtension<WorktreeSessionsApi>(EXTENSION_ID);
      if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
      const api = ext.isActive ? ext.exports : await ext.activate();
      await api.ready;
      const { ms, meanwhile } = await activationFromLogs(api._test.storageDir);
      if (!state.seeded) {
        state.emptyMs = ms;
        state.emptyOwn = api._test.startup();
        await seed(api);
        state.seeded = true;
      } else {
        const listed = await api.listWorkspaces();
        state.samples.push({ readyMs: ms, workspaces: listed.length, running: listed.filter((w) => w.baseSession.running).length, meanwhile, own: api._test.startup() });
        if (state.samples.length >= runs) {
          await sleep(2000);
          state.breakdown = await breakdown(api);
        }
      }
      writeState(state);
    } catch (e) {
      state.error = e instanceof Error ? e.message : String(e);
      writeState(state);
      throw e;
    }
    if (state.samples.length < runs) {
      // A new extension host starts, activates the extension, and runs this file again.
      await vscode.commands.executeCommand('workbench.action.reloadWindow');
      await sleep(110_000);
    }
  });
});
