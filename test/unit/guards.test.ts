// The per-workspace guards every lifecycle operation goes through: one operation
// at a time per key, the busy spinner, the stopping mark and the launches in
// flight of D3, and whose create or delete is still alive (R1).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { WorkspaceGuards } from '../../src/core/lifecycle/guards';
import type { WorkspaceRecord } from '../../src/core/model';
import { processIdentity } from '../../src/core/process/liveness';

/** A promise the test settles by hand. */
function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** Lets every callback already due run (promise reactions and timers queued before it). */
const settle = () => new Promise((r) => setImmediate(r));

const row = (over: Partial<WorkspaceRecord>): WorkspaceRecord => ({
  id: 'w1', repoRoot: '/r', worktreePath: '/r.w/b', branch: 'b', baseRef: 'main', createdBranch: true,
  baseSession: 'wts-w1', status: 'creating', createdAt: 1, updatedAt: 1, ...over,
});

describe('workspace guards', () => {
  describe('one operation at a time per key', () => {
    it('runs operations of one key in the order they were asked for, each after the last settled', async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      const order: string[] = [];
      const first = gate();
      const a = guards.inTurn('k', async () => {
        order.push('a starts');
        await first.promise;
        order.push('a ends');
      });
      const b = guards.inTurn('k', async () => {
        order.push('b runs');
        throw new Error('b failed');
      });
      const c = guards.inTurn('k', async () => {
        order.push('c runs');
        return 'c';
      });
      await settle();
      assert.deepEqual(order, ['a starts']);
      first.open();
      await a;
      await assert.rejects(b, /b failed/);
      assert.equal(await c, 'c', 'a failure does not stop the queue');
      assert.deepEqual(order, ['a starts', 'a ends', 'b runs', 'c runs']);
    });

    it('runs operations of different keys side by side', async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      const held = gate();
      const a = guards.inTurn('one', () => held.promise);
      let otherRan = false;
      await guards.inTurn('two', async () => {
        otherRan = true;
      });
      assert.ok(otherRan);
      held.open();
      await a;
    });

    it('an operation that ends leaves the queue to the ones asked for after it', async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      const first = gate();
      const second = gate();
      const a = guards.inTurn('k', () => first.promise);
      const b = guards.inTurn('k', () => second.promise);
      first.open();
      await a;
      await settle();
      // The second is running now; a third must still wait for it.
      let thirdRan = false;
      const c = guards.inTurn('k', async () => {
        thirdRan = true;
      });
      await settle();
      assert.equal(thirdRan, false, 'the third waits for the second');
      second.open();
      await b;
      await c;
      assert.ok(thirdRan);
    });
  });

  describe('busy', () => {
    it('marks a workspace busy while the operation runs, telling the view at both ends, even when it fails', async () => {
      let changes = 0;
      const guards = new WorkspaceGuards(process.pid, undefined, () => changes++);
      const held = gate();
      const op = guards.whileBusy('w1', 'creating', () => held.promise);
      assert.equal(guards.isBusy('w1'), true);
      assert.equal(guards.isBusy('w2'), false);
      assert.equal(changes, 1);
      held.fail(new Error('broke'));
      await assert.rejects(op, /broke/);
      assert.equal(guards.isBusy('w1'), false);
      assert.equal(changes, 2);
      assert.equal(await guards.whileBusy('w1', 'deleting', async () => 'done'), 'done');
    });
  });

  describe('D3', () => {
    it('the stopping mark spans the whole delete, failed or not', async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      assert.equal(guards.isStopping('w1'), false);
      const held = gate();
      const del = guards.whileStopping('w1', () => held.promise);
      assert.equal(guards.isStopping('w1'), true);
      assert.equal(guards.isStopping('w2'), false);
      held.fail(new Error('disk on fire'));
      await assert.rejects(del, /disk on fire/);
      assert.equal(guards.isStopping('w1'), false);
      assert.equal(await guards.whileStopping('w1', async () => 'deleted'), 'deleted');
    });

    it('waits for every launch in flight of the workspace, and only those', async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      const first = gate<string>();
      const second = gate<string>();
      const elsewhere = gate<string>();
      const launches = [guards.trackLaunch('w1', first.promise), guards.trackLaunch('w1', second.promise), guards.trackLaunch('w2', elsewhere.promise)];
      launches[1].catch(() => undefined); // checked below
      let settled = false;
      const waiting = guards.launchesSettled('w1').then(() => (settled = true));
      second.fail(new Error('exited at once'));
      await settle();
      assert.equal(settled, false, 'the first launch is still in flight');
      first.open('a');
      await waiting;
      assert.equal(await launches[0], 'a');
      await assert.rejects(launches[1], /exited at once/);
      elsewhere.open('c');
      assert.equal(await launches[2], 'c');
    });

    it('a launch that settles leaves the others it was tracked with in flight', async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      const quick = gate<string>();
      const slow = gate<string>();
      const a = guards.trackLaunch('w1', quick.promise);
      const b = guards.trackLaunch('w1', slow.promise);
      quick.open('quick');
      await a;
      await settle();
      let settled = false;
      const waiting = guards.launchesSettled('w1').then(() => (settled = true));
      await settle();
      assert.equal(settled, false, 'the slow launch is still in flight');
      slow.open('slow');
      await b;
      await waiting;
    });

    it('nothing in flight: the wait ends at once', async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      await guards.trackLaunch('w1', Promise.resolve('done'));
      let settled = false;
      void guards.launchesSettled('w1').then(() => (settled = true));
      await settle();
      assert.ok(settled);
    });
  });

  it('holds nothing once every operation and launch has settled (a window runs for days)', async () => {
    const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
    const held = gate();
    const first = guards.inTurn('k', () => held.promise);
    const second = guards.inTurn('k', async () => 'second');
    const slow = gate<string>();
    const launches = [guards.trackLaunch('w1', Promise.resolve('quick')), guards.trackLaunch('w1', slow.promise)];
    held.open();
    await Promise.all([first, second, launches[0]]);
    slow.open('slow');
    await launches[1];
    await settle();
    const inside = guards as unknown as { queues: Map<string, unknown>; launches: Map<string, unknown> };
    assert.deepEqual([inside.queues.size, inside.launches.size], [0, 0]);
  });

  describe('R1: whose operation is still alive', () => {
    it('a row without an operation pid has nobody working on it', () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      assert.equal(guards.operationAlive(row({ opPid: undefined })), false);
    });

    it("this window's own operation is alive while it is busy with it here", async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      assert.equal(guards.operationAlive(row({ opPid: process.pid })), false);
      const held = gate();
      const op = guards.whileBusy('w1', 'creating', () => held.promise);
      assert.equal(guards.operationAlive(row({ opPid: process.pid })), true);
      held.open();
      await op;
    });

    it("another window's operation is alive while its process is", async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      const other = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        assert.equal(guards.operationAlive(row({ opPid: other.pid })), true);
      } finally {
        other.kill();
      }
      await new Promise((r) => other.on('exit', r));
      assert.equal(guards.operationAlive(row({ opPid: other.pid })), false);
    });

    it("issue 8: this window's pid written by an earlier process (another start time) is not this window's operation", async () => {
      const me = processIdentity(process.pid)!;
      const guards = new WorkspaceGuards(process.pid, me.startTime, () => undefined);
      const held = gate();
      const op = guards.whileBusy('w1', 'creating', () => held.promise);
      assert.equal(guards.operationAlive(row({ opPid: process.pid, opStartTime: me.startTime })), true);
      assert.equal(guards.operationAlive(row({ opPid: process.pid, opStartTime: undefined })), true, 'a row from before start times were kept');
      assert.equal(guards.operationAlive(row({ opPid: process.pid, opStartTime: `${me.startTime}0` })), false, 'the pid was reused: that process is gone');
      held.open();
      await op;
    });
  });

  describe("R1: a create's setup command that outlives its window", () => {
    it('is still running while its recorded pid and start time name a live process, and not once either is wrong', async () => {
      const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
      const setup = spawn('sleep', ['30'], { stdio: 'ignore' });
      const id = processIdentity(setup.pid!)!;
      try {
        assert.equal(guards.setupStillRunning(row({ setupProcess: undefined })), undefined);
        assert.equal(guards.setupStillRunning(row({ setupProcess: `${id.pid}:${id.startTime}` })), setup.pid);
        assert.equal(guards.setupStillRunning(row({ setupProcess: `${id.pid}:` })), setup.pid, 'no start time recorded: the pid alone');
        assert.equal(guards.setupStillRunning(row({ setupProcess: `${id.pid}:${id.startTime}0` })), undefined, 'another process under that pid');
      } finally {
        setup.kill();
      }
      await new Promise((r) => setup.on('exit', r));
      assert.equal(guards.setupStillRunning(row({ setupProcess: `${id.pid}:${id.startTime}` })), undefined);
    });
  });

  it('D3: a launch that settles first does not end the wait for one still in flight', async () => {
    const guards = new WorkspaceGuards(process.pid, undefined, () => undefined);
    const first = gate<string>();
    const second = gate<string>();
    const a = guards.trackLaunch('w1', first.promise);
    const b = guards.trackLaunch('w1', second.promise);
    first.open('first');
    await a;
    let settled = false;
    const waiting = guards.launchesSettled('w1').then(() => (settled = true));
    await settle();
    assert.equal(settled, false, 'the second launch is still in flight');
    second.open('second');
    await b;
    await waiting;
  });
});
