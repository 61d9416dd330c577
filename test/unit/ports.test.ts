// §9 port blocks, one reservation at a time: which block a workspace gets, what
// it keeps on a retried setup, and what it is told when none is left.
import assert from 'node:assert/strict';
import net from 'node:net';
import { LifecycleContext } from '../../src/core/lifecycle/context';
import { reservePorts } from '../../src/core/lifecycle/ports';
import type { WorkspaceRecord } from '../../src/core/model';
import type { WorkspaceStore } from '../../src/core/store';
import { InterceptingStore } from '../support/faults';
import { makeCore, rejects, runCleanups, type TestCore } from '../support/fixtures';

const row = (id: string, ports?: { first: number; count: number }): WorkspaceRecord => ({
  id, repoRoot: '/repo', worktreePath: `/repo.worktrees/${id}`, branch: `feat/${id}`, baseRef: 'main', createdBranch: true,
  baseSession: `wts-${id}`, status: 'ready', createdAt: 1, updatedAt: 1, ...(ports ? { ports } : {}),
});

/** Inserts the rows as windows leave them: a block is written by the update that reserves it. */
function insert(core: TestCore, ...rows: WorkspaceRecord[]): Promise<void> {
  return core.store.write((tx) => {
    for (const w of rows) {
      tx.insertWorkspace(w);
      if (w.ports) tx.updateWorkspace(w.id, { ports: w.ports });
    }
  });
}

function contextOf(core: TestCore, store: WorkspaceStore = core.store): LifecycleContext {
  return new LifecycleContext({
    store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger, savedChangesDir: core.storageDir,
  });
}

async function bindable(port: number): Promise<boolean> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) await new Promise((resolve) => server.close(resolve));
  return bound;
}

/** The first of fourteen ports nothing holds now, starting at one the system hands out (other test runs here hold fixed ones). */
async function freePort(): Promise<number> {
  for (;;) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    let all = port + 14 <= 65535;
    for (let p = port; all && p < port + 14; p++) all = await bindable(p);
    if (all) return port;
  }
}

describe('port blocks (§9)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('§9: a retried setup keeps the block it has; a different size gets a new block', async () => {
    const base = await freePort();
    const core = await makeCore({ settings: { portBase: base } });
    const w = row('aaaaaaaaaaaaaaaa', { first: base + 40, count: 2 });
    await insert(core, w);
    const ctx = contextOf(core);
    assert.equal(await reservePorts(ctx, w, 2), w, 'the same record: nothing is reserved again');
    const bigger = await reservePorts(ctx, w, 3);
    assert.deepEqual(bigger.ports, { first: base, count: 3 });
    assert.deepEqual(core.store.workspace(w.id)!.ports, { first: base, count: 3 });
    assert.ok(core.logger.lines.includes(`info Ports ${base}–${base + 2} are feat/aaaaaaaaaaaaaaaa's.`), core.logger.lines.join('\n'));
  });

  it("§9: a block starts after every other workspace's block it would overlap, its own excepted", async () => {
    const base = await freePort();
    const core = await makeCore({ settings: { portBase: base } });
    const mine = row('aaaaaaaaaaaaaaaa', { first: base, count: 2 });
    // Touching blocks, then a gap of two: a block of two fits the gap exactly; one of three does not.
    await insert(core, mine, row('bbbbbbbbbbbbbbbb', { first: base + 3, count: 2 }), row('cccccccccccccccc', { first: base + 5, count: 1 }),
      row('dddddddddddddddd', { first: base + 8, count: 2 }));
    const ctx = contextOf(core);
    // Growing, it may keep its own ports: only other workspaces' blocks are in the way.
    assert.deepEqual((await reservePorts(ctx, mine, 3)).ports, { first: base, count: 3 });
    const other = row('eeeeeeeeeeeeeeee');
    await insert(core, other);
    assert.deepEqual((await reservePorts(ctx, other, 2)).ports, { first: base + 6, count: 2 });
    const third = row('ffffffffffffffff');
    await insert(core, third);
    assert.deepEqual((await reservePorts(ctx, third, 3)).ports, { first: base + 10, count: 3 });
  });

  it('§9: a block that would pass port 65535 is refused with the setting to change', async () => {
    const core = await makeCore({ settings: { portBase: 65534 } });
    const w = row('aaaaaaaaaaaaaaaa');
    await insert(core, w);
    const ctx = contextOf(core);
    await rejects(reservePorts(ctx, w, 3), /^No block of 3 free port\(s\) is left from worktreeSessions\.portBase \(65534\) up to 65535\.$/);
    assert.equal(core.store.workspace(w.id)!.ports, undefined);
    // A block that ends on 65535 exactly still fits.
    core.settings.portBase = 65533;
    if ((await Promise.all([65533, 65534, 65535].map(bindable))).every(Boolean)) {
      assert.deepEqual((await reservePorts(ctx, w, 3)).ports, { first: 65533, count: 3 });
    }
  });

  it('§9: only the ports of the block are checked: a busy port right after it does not move it; one inside it does', async () => {
    const base = await freePort();
    const core = await makeCore({ settings: { portBase: base } });
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(base + 2, '127.0.0.1', resolve));
    try {
      const w = row('aaaaaaaaaaaaaaaa');
      const v = row('bbbbbbbbbbbbbbbb');
      await insert(core, w, v);
      const ctx = contextOf(core);
      assert.deepEqual((await reservePorts(ctx, w, 2)).ports, { first: base, count: 2 });
      assert.deepEqual((await reservePorts(ctx, v, 2)).ports, { first: base + 3, count: 2 }, 'past the busy port, not just past the block before it');
    } finally {
      busy.close();
    }
  });

  it('§9: a block another window wrote between the check and the write is left to it; the next one is checked and taken', async () => {
    const base = await freePort();
    const core = await makeCore({ settings: { portBase: base } });
    const store = new InterceptingStore(core.store);
    const w = row('aaaaaaaaaaaaaaaa');
    await insert(core, w);
    store.beforeWrite = () => insert(core, row('bbbbbbbbbbbbbbbb', { first: base + 1, count: 2 }));
    const reserved = await reservePorts(contextOf(core, store), w, 2);
    assert.deepEqual(reserved.ports, { first: base + 3, count: 2 });
    assert.deepEqual(core.store.workspace(w.id)!.ports, { first: base + 3, count: 2 });
  });
});
