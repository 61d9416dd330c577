// What the tree shows: the window's live view of tmux joined with the stored rows
// (R2: only live sessions, and only ours; R4: missing worktrees), session states,
// and the context every operation shares (generation stamps, the targets cache).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LifecycleContext } from '../../src/core/lifecycle/context';
import { UserError, type SessionRecord, type WorkspaceRecord } from '../../src/core/model';
import type { LiveSession, SessionListing } from '../../src/core/tmuxParse';
import { makeCore, makeRepo, rejects, runCleanups, tempDir, type TestCore } from '../support/fixtures';

const T = 1_700_000_000_000;

interface Setup {
  core: TestCore;
  ctx: LifecycleContext;
  clock: { now: number };
  owner: string;
}

async function setup(): Promise<Setup> {
  const core = await makeCore({ settings: { agents: [{ key: 'agent', label: 'Agent', command: ['sleep', '600'], resumeCommand: ['sleep', '601'] }, { key: 'plain', label: 'Plain', command: ['sleep', '602'] }] } });
  const clock = { now: T };
  const ctx = new LifecycleContext({
    store: core.store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger,
    savedChangesDir: path.join(core.storageDir, 'saved-changes'), clock: () => clock.now,
  });
  return { core, ctx, clock, owner: core.tmux.ownerId };
}

function workspace(id: string, over: Partial<WorkspaceRecord> = {}): WorkspaceRecord {
  const folder = path.join(tempDir(), id);
  fs.mkdirSync(folder);
  return {
    id, repoRoot: '/repo', worktreePath: folder, branch: `feat/${id}`, baseRef: 'main', createdBranch: true,
    baseSession: `wts-${id}`, status: 'ready', createdAt: T, updatedAt: T, ...over,
  };
}

const session = (name: string, workspaceId: string, over: Partial<SessionRecord> = {}): SessionRecord => ({
  name, workspaceId, targetKey: 'shell', label: 'Shell', command: ['sh'], createdAt: T, lost: false, ...over,
});

const live = (name: string, owner: string, over: Partial<LiveSession> = {}): LiveSession => ({
  name, owner, createdStamp: T, createdAt: T, activityAt: T, panePid: 1, paneDead: false, bell: false, ...over,
});

/** [id, …] pairs in id order: the store lists workspaces in its own order. */
const byId = <T extends [string, unknown]>(pairs: T[]): T[] => [...pairs].sort((a, b) => a[0].localeCompare(b[0]));

function show(ctx: LifecycleContext, sessions: LiveSession[], over: Partial<SessionListing> = {}): void {
  ctx.live.show({ serverRunning: true, sessions, ...over }, ctx.live.beginListing());
}

describe('the live view', () => {
  afterEach(runCleanups);

  describe('workspaces as the tree shows them', () => {
    it('R2: shows only sessions that are live and ours, with their state and last activity', async () => {
      const { core, ctx, clock, owner } = await setup();
      const w = workspace('w1');
      await core.store.write((tx) => {
        tx.insertWorkspace(w);
        for (const name of ['wts-w1-live', 'wts-w1-quiet', 'wts-w1-gone', 'wts-w1-taken']) tx.upsertSession(session(name, 'w1'));
      });
      clock.now = T + 20_000;
      show(ctx, [
        live('wts-w1-live', owner, { activityAt: T + 15_000 }),
        live('wts-w1-quiet', owner, { activityAt: 0 }),
        live('wts-w1-taken', 'another-install'),
      ]);
      const view = ctx.live.workspace('w1')!;
      assert.deepEqual(view.sessions.map(({ name, target, label, createdAt, state, activityAt }) => ({ name, target, label, createdAt, state, activityAt })), [
        { name: 'wts-w1-live', target: 'shell', label: 'Shell', createdAt: T, state: 'running', activityAt: T + 15_000 },
        { name: 'wts-w1-quiet', target: 'shell', label: 'Shell', createdAt: T, state: 'idle', activityAt: undefined },
      ]);
      assert.deepEqual(view.lostSessions, []);
    });

    it('R2: lost sessions are offered with the resume command, else the command, else what was recorded', async () => {
      const { core, ctx } = await setup();
      await core.store.write((tx) => {
        tx.insertWorkspace(workspace('w1'));
        tx.upsertSession(session('wts-w1-agent', 'w1', { targetKey: 'agent', label: 'Agent', command: ['old'], lost: true }));
        tx.upsertSession(session('wts-w1-plain', 'w1', { targetKey: 'plain', label: 'Plain', command: ['old'], lost: true, createdAt: T + 1 }));
        tx.upsertSession(session('wts-w1-removed', 'w1', { targetKey: 'removed', label: 'Removed', command: ['as', 'recorded'], lost: true, createdAt: T + 2 }));
      });
      show(ctx, [], { serverRunning: false });
      assert.deepEqual(ctx.live.workspace('w1')!.lostSessions, [
        { name: 'wts-w1-agent', target: 'agent', label: 'Agent', createdAt: T, relaunchCommand: ['sleep', '601'] },
        { name: 'wts-w1-plain', target: 'plain', label: 'Plain', createdAt: T + 1, relaunchCommand: ['sleep', '602'] },
        { name: 'wts-w1-removed', target: 'removed', label: 'Removed', createdAt: T + 2, relaunchCommand: ['as', 'recorded'] },
      ]);
      assert.deepEqual(ctx.live.workspace('w1')!.sessions, []);
    });

    it('R4: a ready or failed workspace whose folder is gone shows as missing; one being made or deleted does not', async () => {
      const { core, ctx } = await setup();
      const rows = [
        workspace('ready'), workspace('gone'), workspace('failed', { status: 'error', error: 'setup-command: exit 1' }),
        workspace('creating', { status: 'creating' }), workspace('deleting', { status: 'deleting' }), workspace('half', { status: 'deletion_failed' }),
      ];
      for (const w of rows.slice(1)) fs.rmSync(w.worktreePath, { recursive: true });
      await core.store.write((tx) => rows.forEach((w) => tx.insertWorkspace(w)));
      assert.deepEqual(byId(ctx.live.list().map((v) => [v.id, v.status])), byId([
        ['ready', 'ready'], ['gone', 'missing'], ['failed', 'missing'], ['creating', 'creating'], ['deleting', 'deleting'], ['half', 'deletion_failed'],
      ]));
      assert.equal(ctx.live.workspace('failed')!.error, 'setup-command: exit 1');
    });

    it('the base terminal runs only when a live session of that name is ours', async () => {
      const { core, ctx, owner } = await setup();
      await core.store.write((tx) => ['ours', 'theirs', 'none'].forEach((id) => tx.insertWorkspace(workspace(id))));
      show(ctx, [live('wts-ours', owner), live('wts-theirs', 'another-install')]);
      assert.deepEqual(byId(ctx.live.list().map((v) => [v.id, v.baseSession])), byId([
        ['ours', { name: 'wts-ours', running: true }], ['theirs', { name: 'wts-theirs', running: false }], ['none', { name: 'wts-none', running: false }],
      ]));
    });

    it('busy while this window works on it, or while its row says it is being made or deleted', async () => {
      const { core, ctx } = await setup();
      await core.store.write((tx) => {
        tx.insertWorkspace(workspace('idle'));
        tx.insertWorkspace(workspace('working'));
        tx.insertWorkspace(workspace('creating', { status: 'creating' }));
        tx.insertWorkspace(workspace('deleting', { status: 'deleting' }));
        tx.insertWorkspace(workspace('failed', { status: 'error' }));
      });
      let release!: () => void;
      const op = ctx.guards.whileBusy('working', 'stopping', () => new Promise<void>((r) => (release = r)));
      assert.deepEqual(byId(ctx.live.list().map((v) => [v.id, v.busy])), byId([['idle', false], ['working', true], ['creating', true], ['deleting', true], ['failed', false]]));
      release();
      await op;
      assert.equal(ctx.live.workspace('working')!.busy, false);
    });
  });

  describe('the listing shown', () => {
    it('a slow listing begun before a newer one never replaces it', async () => {
      const { ctx, owner } = await setup();
      const older = ctx.live.beginListing();
      const newer = ctx.live.beginListing();
      ctx.live.show({ serverRunning: true, sessions: [live('wts-x-new', owner)] }, newer);
      ctx.live.show({ serverRunning: true, sessions: [live('wts-x-old', owner)] }, older);
      assert.deepEqual(ctx.live.current!.sessions.map((s) => s.name), ['wts-x-new']);
    });

    it('a session this window started joins the view at once, replacing an older one of that name', async () => {
      const { ctx, owner } = await setup();
      ctx.live.addStarted(live('wts-x-a', owner));
      assert.deepEqual(ctx.live.current, { serverRunning: true, sessions: [live('wts-x-a', owner)] });
      show(ctx, [live('wts-x-b', owner), live('wts-x-a', owner, { createdStamp: T - 5 })], { serverRunning: false, serverStartedAt: T - 10 });
      ctx.live.addStarted(live('wts-x-a', owner, { createdStamp: T + 5 }));
      assert.deepEqual(ctx.live.current, { serverRunning: true, serverStartedAt: T - 10, sessions: [live('wts-x-b', owner), live('wts-x-a', owner, { createdStamp: T + 5 })] });
    });

    it('sessions this window stopped leave the view at once', async () => {
      const { ctx, owner } = await setup();
      ctx.live.removeStopped(new Set(['wts-x-a']));
      assert.equal(ctx.live.current, undefined, 'nothing shown yet: nothing to remove from');
      show(ctx, [live('wts-x-a', owner), live('wts-x-b', owner), live('wts-x-c', owner)], { serverStartedAt: T - 10 });
      ctx.live.removeStopped(new Set(['wts-x-a', 'wts-x-c']));
      assert.deepEqual(ctx.live.current, { serverRunning: true, serverStartedAt: T - 10, sessions: [live('wts-x-b', owner)] });
    });

    it('tells its listeners when what it shows changed, or when asked to', async () => {
      const { core, ctx } = await setup();
      let changes = 0;
      ctx.live.onDidChange(() => changes++);
      ctx.live.emitIfChanged(false);
      assert.equal(changes, 1, 'the first view differs from none');
      ctx.live.emitIfChanged(false);
      assert.equal(changes, 1, 'nothing changed');
      ctx.live.emitIfChanged(true);
      assert.equal(changes, 2);
      await core.store.write((tx) => tx.insertWorkspace(workspace('w1')));
      ctx.live.emitIfChanged(false);
      assert.equal(changes, 3);
      // Becoming busy is a change the tree shows (its spinner).
      await ctx.guards.whileBusy('w1', 'deleting', async () => undefined);
      assert.equal(changes, 5);
    });
  });

  describe('a change announced', () => {
    it('is one view for every listener of it; a listing shown by a listener, and any read after it, are built anew', async () => {
      const { core, ctx, owner } = await setup();
      await core.store.write((tx) => {
        tx.insertWorkspace(workspace('w1'));
        tx.upsertSession(session('wts-w1-shell', 'w1'));
      });
      show(ctx, [live('wts-w1-shell', owner)]);
      const seen: { listener: string; view: ReturnType<typeof ctx.live.list> }[] = [];
      ctx.live.onDidChange(() => seen.push({ listener: 'first', view: ctx.live.list() }));
      ctx.live.onDidChange(() => seen.push({ listener: 'second', view: ctx.live.list() }));
      ctx.live.emitIfChanged(true);
      assert.equal(seen.length, 2);
      assert.equal(seen[0].view, seen[1].view, 'both listeners read the view announced');
      assert.deepEqual(seen[0].view.map((w) => w.sessions.map((x) => x.name)), [['wts-w1-shell']]);
      assert.notEqual(ctx.live.list(), seen[0].view, 'read after the change: built again');
      assert.deepEqual(ctx.live.list(), seen[0].view);

      // A listener that shows a new listing: the listeners after it read that one.
      seen.length = 0;
      const stopping = ctx.live.onDidChange(() => show(ctx, []));
      ctx.live.onDidChange(() => seen.push({ listener: 'third', view: ctx.live.list() }));
      ctx.live.emitIfChanged(true);
      stopping.dispose();
      const third = seen.find((x) => x.listener === 'third')!;
      assert.deepEqual(third.view.map((w) => w.sessions.length), [0], 'the session the listing no longer has is gone');
      assert.deepEqual(seen.find((x) => x.listener === 'first')!.view.map((w) => w.sessions.length), [1]);
    });
  });

  describe('changed lines', () => {
    it('are counted at most every five seconds per workspace, again once forgotten, and not for a missing folder', async () => {
      const { core, ctx, clock } = await setup();
      const repo = makeRepo();
      fs.writeFileSync(path.join(repo, 'README.md'), 'one\ntwo\n');
      const w = workspace('w1', { worktreePath: repo });
      const gone = workspace('gone');
      fs.rmSync(gone.worktreePath, { recursive: true });
      await core.store.write((tx) => {
        tx.insertWorkspace(w);
        tx.insertWorkspace(gone);
      });
      const gitCalls = () => core.exec.calls('git');
      const before = gitCalls();
      const first = await ctx.live.changeStats('w1');
      assert.ok(first && first.insertions >= 2, JSON.stringify(first));
      const counted = gitCalls() - before;
      assert.ok(counted > 0);
      clock.now = T + 4_999;
      assert.equal(await ctx.live.changeStats('w1'), first);
      assert.equal(gitCalls() - before, counted, 'cached');
      clock.now = T + 5_000;
      assert.deepEqual(await ctx.live.changeStats('w1'), first);
      assert.equal(gitCalls() - before, 2 * counted, 'counted again');
      ctx.live.forgetStats('w1');
      await ctx.live.changeStats('w1');
      assert.equal(gitCalls() - before, 3 * counted, 'counted again once forgotten');
      assert.equal(await ctx.live.changeStats('gone'), undefined);
      assert.equal(await ctx.live.changeStats('no-such-id'), undefined);
      assert.equal(gitCalls() - before, 3 * counted);
    });
  });
});

describe('the shared lifecycle context', () => {
  afterEach(runCleanups);

  it('generation stamps strictly increase, even when the clock stands still or goes back (L3, S2)', async () => {
    const { ctx, clock } = await setup();
    assert.deepEqual([ctx.nextStamp(), ctx.nextStamp(), ctx.nextStamp()], [T, T + 1, T + 2]);
    clock.now = T - 1000;
    assert.equal(ctx.nextStamp(), T + 3);
    clock.now = T + 500;
    assert.equal(ctx.nextStamp(), T + 500);
  });

  it('launch targets are looked up again when settings or PATH change, or after ten seconds', async () => {
    const { core, ctx, clock } = await setup();
    const first = ctx.targets();
    assert.ok(first.targets.some((t) => t.key === 'agent'));
    assert.equal(ctx.targets(), first, 'cached');
    clock.now = T + 9_999;
    assert.equal(ctx.targets(), first, 'still cached');
    clock.now = T + 10_000;
    const second = ctx.targets();
    assert.notEqual(second, first);
    assert.deepEqual(second, first);
    core.settings.disabledAgents = ['claude'];
    const third = ctx.targets();
    assert.notEqual(third, second);
    assert.equal(ctx.targets(), third);
    core.settings.agents = [];
    assert.ok(!ctx.targets().targets.some((t) => t.key === 'agent'));
  });

  it('an unknown workspace id is a clear refusal', async () => {
    const { ctx } = await setup();
    assert.throws(() => ctx.requireWorkspace('0123456789abcdef'), (e: Error) => e instanceof UserError && /No workspace with id 0123456789abcdef/.test(e.message));
    await rejects(ctx.reconcile(), /not started/);
  });
});
