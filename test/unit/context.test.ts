// What every lifecycle operation shares (src/core/lifecycle/context.ts), beyond the stamps and
// targets tested with the live view (liveView.test.ts): which unlisted rows may be launches in
// flight, the agent files written once, this window's id. A real store and tmux from the test core.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LAUNCH_IN_FLIGHT_MS, LifecycleContext } from '../../src/core/lifecycle/context';
import { makeCore, runCleanups, tempDir, testEnv, type TestCore } from '../support/fixtures';

function contextOf(core: TestCore, options: { clock: () => number; env?: NodeJS.ProcessEnv; storageDir?: string }): LifecycleContext {
  const ctx = new LifecycleContext({
    store: core.store, tmux: core.tmux, git: core.git, exec: core.exec, settings: () => core.settings, logger: core.logger,
    savedChangesDir: path.join(core.storageDir, 'saved-changes'), storageDir: options.storageDir ?? core.storageDir,
    env: options.env ?? testEnv(), pollIntervalMs: 0, clock: options.clock,
  });
  return ctx;
}

describe('lifecycle context', () => {
  afterEach(runCleanups);

  it('an unlisted row may be a launch in flight: this window\'s own, or another window\'s young row, never one this window saw start', async () => {
    const core = await makeCore();
    let now = 100_000;
    const ctx = contextOf(core, { clock: () => now });
    const row = { name: 'wts-0123456789abcdef-shell', createdAt: now };
    assert.equal(ctx.mayBeLaunching(row, new Set([row.name])), true, 'its name is reserved here');
    assert.equal(ctx.mayBeLaunching(row, new Set()), true, 'young: another window\'s tmux call may not have returned');
    now += LAUNCH_IN_FLIGHT_MS - 1;
    assert.equal(ctx.mayBeLaunching(row, new Set()), true);
    now += 1;
    assert.equal(ctx.mayBeLaunching(row, new Set()), false, 'old enough to be gone');
    const mine = { name: 'wts-0123456789abcdef-shell-2', createdAt: now };
    ctx.launchedHere(mine.name, mine.createdAt);
    assert.equal(ctx.mayBeLaunching(mine, new Set()), false, 'started and recorded here: tmux listed it and it is gone');
    assert.equal(ctx.mayBeLaunching({ ...mine, createdAt: now + 1 }, new Set()), true, 'another generation of that name');
  });

  it('the agent files are written once; storage that cannot take them is reported once and agents report no state', async () => {
    const core = await makeCore();
    const ctx = contextOf(core, { clock: Date.now });
    const files = ctx.agentFiles();
    assert.ok(files && fs.existsSync(files.stateHook));
    const inode = fs.statSync(files.stateHook).ino;
    assert.equal(ctx.agentFiles(), files);
    assert.equal(fs.statSync(files.stateHook).ino, inode);

    const notADir = path.join(tempDir(), 'a-file');
    fs.writeFileSync(notADir, '');
    const broken = contextOf(core, { clock: Date.now, storageDir: notADir });
    assert.equal(broken.agentFiles(), undefined);
    assert.equal(broken.agentFiles(), undefined);
    assert.equal(core.logger.lines.filter((l) => l.includes(`Could not write the agent state hook into ${notADir}`)).length, 1);
  });

  it('each window has its own id; reconciling before the facade wires it is refused', async () => {
    const core = await makeCore();
    const [a, b] = [contextOf(core, { clock: Date.now }), contextOf(core, { clock: Date.now })];
    assert.match(a.windowId, new RegExp(`^w${process.pid}-[0-9a-f]{8}$`));
    assert.notEqual(a.windowId, b.windowId);
    await assert.rejects(a.reconcile(), /not started/);
  });
});
