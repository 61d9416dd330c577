// Bench-only, loaded by bench/bench.ts through the real extension host:
//   node scripts/vscode-host/run-tests.mjs --files out/bench/scale.test.js
//
// 200 workspaces × 5 live tmux sessions (the base terminal and 4 shells each),
// recorded in the extension's own database as another window would, shown in
// the Worktree Sessions view. Times, in the extension host:
//   - a full refresh: from the tree's change event until the workbench has
//     asked the tree again for every row the view shows;
//   - one session changing (it exits): from the change event until the
//     workbench has painted that workspace's row anew (and from the start of
//     the reconciliation that notices it);
// and the extension host's heap after each. Results go to $BENCH_SCALE_OUT.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The heap in use once garbage is collected: V8's flag, set at run time, gives this host a gc(). */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Watches the calls the workbench makes into the tree's provider: which rows it painted, and when. */
function watchProvider(api: WorktreeSessionsApi) {
  const tree = api._test.tree;
  const seen = { calls: 0, last: 0, changedAt: 0, busyMs: 0, painted: new Map<string, { at: number; item: vscode.TreeItem }>() };
  const getChildren = tree.getChildren.bind(tree);
  const getTreeItem = tree.getTreeItem.bind(tree);
  tree.getChildren = async (node) => {
    const t0 = performance.now();
    const r = await getChildren(node);
    seen.busyMs += performance.now() - t0;
    seen.calls++;
    seen.last = performance.now();
    return r;
  };
  tree.getTreeItem = (node) => {
    const t0 = performance.now();
    const item = getTreeItem(node);
    seen.busyMs += performance.now() - t0;
    seen.calls++;
    seen.last = performance.now();
    if (item.id) seen.painted.set(item.id, { at: seen.last, item });
    return item;
  };
  const sub = tree.onDidChangeTreeData(() => {
    seen.changedAt = performance.now();
  });
  const until = async (done: () => boolean, what: string, deadlineMs = 30_000) => {
    const deadline = performance.now() + deadlineMs;
    while (!done()) {
      if (performance.now() > deadline) throw new Error(`${what} within ${deadlineMs} ms`);
      await sleep(10);
    }
  };
  return {
    seen,
    /** Once the workbench has asked for nothing for `quietMs`. */
    quiet: (quietMs: number) => until(() => seen.calls > 0 && performance.now() - seen.last > quietMs, 'the tree was not quiet', 120_000),
    /** The ids painted since `from`, and when the last of `ids` was. */
    async painted(ids: readonly string[], from: number): Promise<number> {
      await until(() => ids.every((id) => (seen.painted.get(id)?.at ?? 0) >= from), `the workbench did not paint ${ids.length} row(s)`);
      return Math.max(...ids.map((id) => seen.painted.get(id)!.at));
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
      result.heap_before_mb = mb(heapAfterGc());

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
        // The other window's rows and their live sessions reach this one; the change counts' git questions are answered.
        await api._test.reconcile();
        await watch.quiet(3000);
        const shown = (await api.listWorkspaces()).reduce((n, w) => n + w.sessions.length + (w.baseSession.running ? 1 : 0), 0);
        if (shown !== WORKSPACES * SESSIONS) throw new Error(`the extension shows ${shown} running sessions, not ${WORKSPACES * SESSIONS}`);
        // Every row the view shows: the full refresh is painted when the workbench has asked for each again.
        const rows = [...watch.seen.painted.keys()];
        result.rows_shown = rows.length;

        const full: number[] = [];
        const fullOwn: number[] = [];
        for (let i = 0; i < REPEATS; i++) {
          const t0 = performance.now();
          watch.seen.busyMs = 0;
          api._test.tree.refresh();
          full.push((await watch.painted(rows, t0)) - t0);
          fullOwn.push(watch.seen.busyMs);
          await watch.quiet(1000);
        }
        result.full_refresh_ms = full;
        result.full_refresh_provider_ms = fullOwn;
        result.heap_after_full_mb = mb(heapAfterGc());

        const fromChange: number[] = [];
        const changeOwn: number[] = [];
        const fromReconcile: number[] = [];
        for (let i = 0; i < REPEATS; i++) {
          // One shell of one workspace exits.
          const gone = seeded.sessions[(i * 37) % seeded.sessions.length];
          await runOk('tmux', [...tmuxArgs, 'kill-session', '-t', `=${gone.name}`], tmuxEnv);
          const t0 = performance.now();
          watch.seen.changedAt = 0;
          watch.seen.busyMs = 0;
          await api._test.reconcile();
          if (!watch.seen.changedAt) throw new Error(`the tree did not change after ${gone.name} exited`);
          const at = await watch.painted([`ws:${gone.workspaceId}`], watch.seen.changedAt);
          // The row the workbench painted for that workspace counts one session fewer.
          const left = (await api.listWorkspaces()).find((w) => w.id === gone.workspaceId)!.sessions.length;
          const description = String(watch.seen.painted.get(`ws:${gone.workspaceId}`)?.item.description ?? '');
          if (!description.includes(`${left} session`)) throw new Error(`the row of ${gone.workspaceId} shows "${description}", not ${left} sessions`);
          fromChange.push(at - watch.seen.changedAt);
          changeOwn.push(watch.seen.busyMs);
          fromReconcile.push(at - t0);
          await watch.quiet(1000);
        }
        result.one_change_ms = fromChange;
        result.one_change_provider_ms = changeOwn;
        result.one_change_with_reconcile_ms = fromReconcile;
        result.heap_after_changes_mb = mb(heapAfterGc());
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
