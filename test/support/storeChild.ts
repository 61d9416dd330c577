// Child processes for the store tests:
//   `node storeChild.js <dir> <tag> <count> <goFile>`: interleaved launches and stops, for the two-writer test;
//   `node storeChild.js hold <dir> <stallMs> <readyFile>`: a writer stuck while it holds the lock.
import fs from 'node:fs';
import { OwnershipStore } from '../../src/core/store';
import { silentLogger } from '../../src/core/log';
import { wasmPath } from './fixtures';

async function interleave(dir: string, tag: string, count: number, goFile: string) {
  const { store } = await OwnershipStore.open(dir, { wasmPath, logger: silentLogger, watch: false });
  while (!fs.existsSync(goFile)) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < count; i++) {
    const name = `wts-${tag}-${i}`;
    await store.write((tx) => tx.upsertSession({ name, workspaceId: 'ws', targetKey: 'shell', label: 'Shell', command: ['sh'], createdAt: Date.now(), lost: false }));
    // Every third launch is stopped again: interleaved launches and stops.
    if (i % 3 === 0) await store.write((tx) => tx.deleteSession(name));
  }
  store.dispose();
}

/** Takes the lock, reads the file, then stalls (its whole event loop, as a stopped or swapped-out window would) before writing its row. */
async function hold(dir: string, stallMs: number, readyFile: string) {
  const { store } = await OwnershipStore.open(dir, { wasmPath, logger: silentLogger, watch: false });
  await store.write((tx) => {
    fs.writeFileSync(readyFile, String(process.pid));
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stallMs);
    tx.insertWorkspace({
      id: 'stuck', repoRoot: '/repo', worktreePath: '/repo.worktrees/stuck', branch: 'stuck', baseRef: 'main', createdBranch: true,
      baseSession: 'wts-stuck', status: 'ready', createdAt: 1, updatedAt: 1,
    });
  });
  store.dispose();
}

const args = process.argv.slice(2);
const run = args[0] === 'hold' ? hold(args[1], Number(args[2]), args[3]) : interleave(args[0], args[1], Number(args[2]), args[3]);
run.then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
