// Bench-only, loaded by bench/bench.ts through the real extension host:
//   node scripts/vscode-host/run-tests.mjs --files out/bench/scale.test.js
//
// 200 workspaces × 5 live tmux sessions (the base terminal and 4 shells each),
// recorded in the extension's own database as another window would, shown in
// the Worktree Sessions view. Times, in the extension host:
//   - a full refresh: from the tree's change event to the last row the
//     workbench asked the tree for;
//   - one session changing (it exits): the same, from the change event, and
//     from the start of the reconciliation that notices it;
// and the extension host's heap after each. Results go to $BENCH_SCALE_OUT.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { ownerIdFor } from '../src/core';
import { silentLogger } from '../src/core/log';
import { OwnershipStore } from '../src/core/store';
import type { WorktreeSessionsApi } from '../src/vscode/api';
import { VIEW_ID } from '../src/vscode/tree/workspaceTree';
import { runOk } from './lib';
import { seedWorkspaces } from './seed';

const EXTENSION_ID = 'worktree-sessions.worktree-sessions';
const WORKSPACES = 200;
const SESSIONS = 5;
const REPEATS = Number(process.env.BENCH_SCALE_REPEATS ?? 3);
/** The workbench asked for nothing more for this long: the refresh is rendered. */
const QUIET_MS = 750;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Counts the calls the workbench makes into the tree's provider, and when the last one returned. */
function watchProvider(api: WorktreeSessionsApi) {
  const tree = api._test.tree;
  const seen = { calls: 0, last: 0, changedAt: 0 };
  const getChildren = tree.getChildren.bind(tree);
  const getTreeItem = tree.getTreeItem.bind(tree);
  tree.getChildren = async (node) => {
    const r = await getChildren(node);
    seen.calls++;
    seen.last = performance.now();
    return r;
  };
  tree.getTreeItem = (node) => {
    const r = getTreeItem(node);
    seen.calls++;
    seen.last = performance.now();
    return r;
  };
  const sub = tree.onDidChangeTreeData(() => {
    seen.changedAt = performance.now();
  });
  return {
    seen,
    /** Resolves with the rows asked for since `from` once the workbench has been quiet, and when the last was. */
    async settled(from: number, deadlineMs = 30_000): Promise<{ calls: number; last: number }> {
      const start = seen.calls;
      const deadline = performance.now() + deadlineMs;
      while (performance.now() < deadline) {
        await sleep(50);
        if (seen.calls > start && seen.last >= from && performance.now() - seen.last > QUIET_MS) return { calls: seen.calls - start, last: seen.last };
      }
      throw new Error(`the tree was not asked for its rows within ${deadlineMs} ms`);
    },
    dispose: () => {
      sub.dispose();
      tree.getChildren = getChildren;
      tree.getTreeItem = getTreeItem;
    },
  };
}

describe('bench: scale', () => {
  it(`shows ${WORKSPACES} workspaces × ${SESSIONS} sessions`, async function () {
    this.timeout(600_000);
    const outFile = process.env.BENCH_SCALE_OUT;
    if (!outFile) throw new Error('BENCH_SCALE_OUT is not set; run this through npm run bench');
    const result: Record<string, unknown> = { workspaces: WORKSPACES, sessions: WORKSPACES * SESSIONS };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wts-bench-scale-'));
    try {
      const ext = vscode.extensions.getExtension<WorktreeSessionsApi>(EXTENSION_ID);
      if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
      const api = ext.isActive ? ext.exports : await ext.activate();
      await api.ready;
      await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
      await sleep(1000);
      result.heap_before_mb = mb(process.memoryUsage().heapUsed);

      const storageDir = api._test.storageDir;
      const home = path.join(dir, 'home');
      fs.mkdirSync(home);
      const tmuxEnv = { ...process.env, HOME: home, SHELL: '/bin/sh', ENV: '', TMUX: '' };
      const tmuxArgs = ['-L', api.tmuxSocket];
      // A server that outlives its last session, as the extension's own does (R2).
      await runOk('tmux', [...tmuxArgs, 'start-server', ';', 'set-option', '-s', 'exit-empty', 'off'], tmuxEnv);
      const wasmPath = path.join(__dirname, '..', '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm');
      const { store } = await OwnershipStore.open(storageDir, { wasmPath, logger: silentLogger, watch: false });
      let seeded;
      try {
        seeded = await seedWorkspaces({
          store, tmuxArgs, tmuxEnv, ownerId: ownerIdFor(storageDir), dir, repoRoot: path.join(dir, 'repo'),
          workspaces: WORKSPACES, sessionsPerWorkspace: SESSIONS,
        });
      } finally {
        store.dispose();
      }

      const watch = watchProvider(api);
      try {
        // The other window's rows and their live sessions reach this one.
        await api._test.reconcile();
        await watch.settled(0, 60_000);
        const shown = (await api.listWorkspaces()).reduce((n, w) => n + w.sessions.length + (w.baseSession.running ? 1 : 0), 0);
        if (shown !== WORKSPACES * SESSIONS) throw new Error(`the extension shows ${shown} running sessions, not ${WORKSPACES * SESSIONS}`);

        const full: number[] = [];
        const fullRows: number[] = [];
        for (let i = 0; i < REPEATS; i++) {
          const t0 = performance.now();
          api._test.tree.refresh();
          const { calls, last } = await watch.settled(t0);
          full.push(last - t0);
          fullRows.push(calls);
        }
        result.full_refresh_ms = full;
        result.full_refresh_rows_asked = fullRows;
        result.heap_after_full_mb = mb(process.memoryUsage().heapUsed);

        const fromChange: number[] = [];
        const fromReconcile: number[] = [];
        for (let i = 0; i < REPEATS; i++) {
          // One shell of one workspace exits.
          const gone = seeded.sessions[(i * 37) % seeded.sessions.length];
          await runOk('tmux', [...tmuxArgs, 'kill-session', '-t', `=${gone.name}`], tmuxEnv);
          const t0 = performance.now();
          watch.seen.changedAt = 0;
          await api._test.reconcile();
          const { last } = await watch.settled(t0);
          if (!watch.seen.changedAt) throw new Error(`the tree did not change after ${gone.name} exited`);
          fromChange.push(last - watch.seen.changedAt);
          fromReconcile.push(last - t0);
        }
        result.one_change_ms = fromChange;
        result.one_change_with_reconcile_ms = fromReconcile;
        result.heap_after_changes_mb = mb(process.memoryUsage().heapUsed);
        result.heap_total_mb = mb(process.memoryUsage().heapTotal);
        result.rss_mb = mb(process.memoryUsage().rss);
      } finally {
        watch.dispose();
      }
    } catch (e) {
      result.error = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
