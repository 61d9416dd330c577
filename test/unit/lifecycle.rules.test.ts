// One or more tests per lifecycle rule of SPEC §2, each named after its rule,
// against real git, a real tmux server on a private socket and a real sql.js file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { branchFate, type LifecycleSeams, type LifecycleService } from '../../src/core/lifecycle';
import type { ReconcileReport } from '../../src/core/lifecycle/types';
import { UserError, type SessionRecord, type WorkspaceView } from '../../src/core/model';
import type { Tmux } from '../../src/core/tmux';
import { HookedGit, HookedTmux, InterceptingStore } from '../support/faults';
import {
  git, killTmuxServer, makeCore, makeRepo, onCleanup, rebuildLifecycle, rejects, runCleanups, tempDir, testEnv, tmux, tmuxSessions, waitFor, type TestCore,
} from '../support/fixtures';

async function readyWorkspace(core: TestCore, repo: string, branch = 'feat/a') {
  return core.lifecycle.createWorkspace({ repoRoot: repo, branch });
}

function tmuxOption(socket: string, session: string, option: string): string {
  return tmux(socket, 'show-options', '-v', '-t', `=${session}:`, option).trim();
}

/** Kills the test's tmux server and returns once it is gone (a new one may then start on the socket). */
async function killServer(socket: string): Promise<void> {
  tmux(socket, 'kill-server');
  await waitFor(() => {
    try {
      tmux(socket, 'list-sessions');
      return false;
    } catch (e) {
      return /no server running|error connecting|server exited/i.test(String((e as { stderr?: string }).stderr ?? e));
    }
  }, 'the tmux server to exit');
}

/** `real` with one method replaced (a fault at a chosen call); everything else is the real thing. */
function withFault<T extends object, K extends keyof T>(real: T, method: K, replacement: T[K]): T {
  const faulty = Object.create(real) as T;
  faulty[method] = replacement;
  return faulty;
}

/** The core's tmux, with another window acting right after each listing (while this one is between its listing and its decisions). */
function afterListing(real: Tmux, act: () => Promise<unknown>): Tmux {
  const hooked = Object.create(real) as Tmux;
  hooked.list = async () => {
    const listing = await real.list();
    await act();
    return listing;
  };
  return hooked;
}

/** A launch seam: the program has ended (its session is gone) before the launch records it (L3). */
async function exitedBeforeRecord(core: TestCore, name: string): Promise<void> {
  // A listing that fails says nothing: only one that succeeds without the session counts.
  await waitFor(() => !tmux(core.socket, 'list-sessions', '-F', '#{session_name}').split('\n').includes(name), `${name} to end`);
}

/**
 * A launch seam that holds the first launch until released (D3): by default
 * after tmux was asked for its session and before its row is written (the two
 * run together, L2); at 'launchStarted', once both are done.
 */
class LaunchHold {
  /** Resolves with the held session's name once the launch is held. */
  readonly held: Promise<string>;
  private onHeld!: (name: string) => void;
  private releaseHeld?: () => void;
  private released = false;
  readonly seams: LifecycleSeams;

  constructor(at: 'beforeRecord' | 'launchStarted' = 'beforeRecord') {
    this.held = new Promise((resolve) => (this.onHeld = resolve));
    this.seams = { [at]: (name: string) => this.hold(name) };
  }

  private hold(name: string): Promise<void> | undefined {
    if (this.releaseHeld || this.released) return undefined;
    this.onHeld(name);
    return new Promise<void>((resolve) => (this.releaseHeld = resolve));
  }

  release(): void {
    this.released = true;
    this.releaseHeld?.();
  }
}

describe('lifecycle rules (SPEC §2)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  describe('creation', () => {
    it('C1: create validates the branch name with git and refuses it cleanly', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      for (const bad of ['..', 'a b', '-x', 'a~b', 'HEAD', 'x'.repeat(300), 'a..b', 'ends.lock', '']) {
        const err = await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: bad }), /branch|not allowed|characters|empty|start/i);
        assert.ok(err instanceof UserError, `${bad}: ${err.message}`);
      }
      assert.deepEqual(core.store.workspaces(), []);
      assert.equal(fs.existsSync(`${repo}.worktrees`), false);
      assert.deepEqual(git(repo, 'branch', '--format=%(refname:short)').trim().split('\n'), ['main']);
    });

    it('C1: a branch checked out in another worktree is refused with its path', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const other = path.join(path.dirname(repo), 'elsewhere');
      git(repo, 'worktree', 'add', '-q', '-b', 'taken', other);
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'taken' }), new RegExp(`already checked out in ${other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.deepEqual(core.store.workspaces(), []);
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'main' }), /already checked out/);
    });

    it('C1: creates from a base ref, from an existing local branch, and from a remote branch', async () => {
      const core = await makeCore();
      const origin = makeRepo({ name: 'origin' });
      git(origin, 'branch', 'remote-only');
      const parent = tempDir();
      git(parent, 'clone', '-q', origin, path.join(parent, 'clone'));
      const repo = path.join(parent, 'clone');
      git(repo, 'branch', 'existing');

      const fresh = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/new', baseRef: 'main' });
      assert.equal(fresh.status, 'ready');
      assert.equal(fresh.createdBranch, true);
      assert.equal(fresh.baseSession.running, true, 'the base terminal shows as running at once');
      assert.equal(git(fresh.worktreePath, 'rev-parse', '--abbrev-ref', 'HEAD').trim(), 'feat/new');
      assert.equal(fresh.worktreePath, path.join(`${repo}.worktrees`, 'feat-new'));

      const local = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'existing', existingBranch: true });
      assert.equal(local.createdBranch, false);

      const remote = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'origin/remote-only', existingBranch: true });
      assert.equal(remote.branch, 'remote-only');
      assert.equal(git(remote.worktreePath, 'rev-parse', '--abbrev-ref', '@{upstream}').trim(), 'origin/remote-only');

      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'nope', existingBranch: true }), /no local or remote branch "nope"/);
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/x', baseRef: 'no-such-ref' }), /base "no-such-ref" is not a branch/);
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'existing', existingBranch: false }), /already exists/);
    });

    it('C2: creating a workspace for a branch that has one reopens it: no duplicate row, worktree or session', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const first = await readyWorkspace(core, repo);
      const sessionsBefore = tmuxSessions(core.socket);
      const again = await readyWorkspace(core, repo);
      assert.equal(again.id, first.id);
      assert.equal(core.store.workspaces().length, 1);
      assert.equal(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length, 2);
      assert.deepEqual(tmuxSessions(core.socket), sessionsBefore);
      // The base terminal comes back if it was gone.
      tmux(core.socket, 'kill-session', '-t', `=${first.baseSession.name}`);
      await readyWorkspace(core, repo);
      assert.deepEqual(tmuxSessions(core.socket), [first.baseSession.name]);
    });

    it('C3: the row is persisted as creating before git work; steps are recorded; failure is error and retry reuses the worktree', async () => {
      const core = await makeCore({ settings: { setupCommand: ['sh', '-c', 'echo setting up; exit 3'] } });
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const repo = makeRepo();
      let statusDuringGit: string | undefined;
      hooked.beforeAdd = async () => {
        core.store.refresh();
        statusDuringGit = core.store.workspaces()[0]?.status;
      };
      await rejects(lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/c3' }), /setup-command step: The setup command exited with code 3: setting up/);
      assert.equal(statusDuringGit, 'creating');
      const [row] = core.store.workspaces();
      assert.equal(row.status, 'error');
      assert.match(row.error!, /exited with code 3/);
      const steps = core.store.events(row.id).map((e) => `${e.step}:${e.outcome}`);
      assert.deepEqual(steps, ['worktree:ok', 'copy-files:skipped', 'setup-command:started', 'setup-command:failed']);
      assert.ok(fs.existsSync(row.worktreePath), 'the worktree stays for the retry');

      core.settings.setupCommand = ['sh', '-c', 'echo ok > setup-ran.txt'];
      const retried = await lifecycle.retrySetup(row.id);
      assert.equal(retried.status, 'ready');
      assert.equal(retried.worktreePath, row.worktreePath);
      assert.ok(fs.existsSync(path.join(row.worktreePath, 'setup-ran.txt')));
      assert.ok(core.store.events(row.id).some((e) => e.step === 'worktree' && e.message === 'adopted the existing worktree'));
      assert.ok(core.store.events(row.id).some((e) => e.step === 'base-terminal' && e.outcome === 'ok'));
      assert.deepEqual(tmuxSessions(core.socket), [retried.baseSession.name]);
    });

    it('C3: copyFiles brings git-ignored files such as .env into the new worktree', async () => {
      const core = await makeCore({ settings: { copyFiles: ['.env', 'config/*.local'] } });
      const repo = makeRepo({ files: { '.gitignore': '.env\n*.local\n', 'README.md': 'x\n' } });
      fs.writeFileSync(path.join(repo, '.env'), 'SECRET=1\n');
      fs.mkdirSync(path.join(repo, 'config'));
      fs.writeFileSync(path.join(repo, 'config', 'db.local'), 'db\n');
      const w = await readyWorkspace(core, repo);
      assert.equal(fs.readFileSync(path.join(w.worktreePath, '.env'), 'utf8'), 'SECRET=1\n');
      assert.equal(fs.readFileSync(path.join(w.worktreePath, 'config', 'db.local'), 'utf8'), 'db\n');
    });

    it('C3: an untrusted workspace does not run the setup command, and says so', async () => {
      const core = await makeCore({ settings: { setupCommand: ['touch', 'ran'] } });
      const repo = makeRepo();
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/u' }, { trusted: false });
      assert.equal(w.status, 'ready');
      assert.equal(fs.existsSync(path.join(w.worktreePath, 'ran')), false);
      assert.match(core.store.events(w.id).find((e) => e.step === 'setup-command')!.message!, /not trusted/);
    });

    it('C4: an existing folder is adopted only when git lists it as this repository\'s worktree on the branch', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const root = `${repo}.worktrees`;
      fs.mkdirSync(path.join(root, 'feat-taken'), { recursive: true });
      fs.writeFileSync(path.join(root, 'feat-taken', 'precious.txt'), 'keep me\n');
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/taken' }), /already exists and is not a worktree.*nothing was changed/);
      assert.equal(fs.readFileSync(path.join(root, 'feat-taken', 'precious.txt'), 'utf8'), 'keep me\n');
      assert.deepEqual(core.store.workspaces(), []);
      assert.equal(git(repo, 'branch', '--list', 'feat/taken').trim(), '');

      git(repo, 'worktree', 'add', '-q', '-b', 'feat/adopt', path.join(root, 'feat-adopt'));
      fs.writeFileSync(path.join(root, 'feat-adopt', 'work.txt'), 'in progress\n');
      const adopted = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/adopt' });
      assert.equal(adopted.status, 'ready');
      assert.equal(adopted.createdBranch, false, 'an adopted branch was not created by us (D6)');
      assert.equal(fs.readFileSync(path.join(root, 'feat-adopt', 'work.txt'), 'utf8'), 'in progress\n');
    });
  });

  describe('launch', () => {
    it('L1: launch is refused while the workspace is not ready, and nothing starts', async () => {
      const core = await makeCore({ settings: { setupCommand: ['false'] } });
      const repo = makeRepo();
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/l1' }), /setup/);
      const [row] = core.store.workspaces();
      await rejects(core.lifecycle.launch(row.id, 'shell'), /is error; launch needs a ready workspace/);
      assert.deepEqual(tmuxSessions(core.socket), []);
      assert.deepEqual(core.store.sessions(), []);
      await rejects(core.lifecycle.launch('0000000000000000', 'shell'), /No workspace with id/);
    });

    it('L1: launch of an unknown or unavailable target is refused with the reason', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'ghost', command: ['definitely-not-installed-xyz'] }] } });
      const w = await readyWorkspace(core, makeRepo());
      const unknown = await rejects(core.lifecycle.launch(w.id, 'nope'), /Unknown launch target "nope". Available: .*shell/);
      assert.doesNotMatch(unknown.message, /ghost/, 'only what can be launched is offered');
      await rejects(core.lifecycle.launch(w.id, 'ghost'), /"definitely-not-installed-xyz" was not found on PATH/);
      assert.deepEqual(core.store.sessions(), []);
    });

    it('L2: launch starts the session, marks it ours, then records the row', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'echoer', label: 'Echoer', command: ['sh', '-c', 'echo "$WTS_GREETING"; exec sleep 60'], env: { WTS_GREETING: 'hello from env' } }] } });
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'echoer');
      assert.equal(s.name, `wts-${w.id}-echoer`);
      assert.equal(tmuxOption(core.socket, s.name, '@wts_owner'), core.tmux.ownerId);
      assert.equal(tmuxOption(core.socket, s.name, '@wts_created'), String(s.createdAt));
      const [row] = core.store.sessions(w.id);
      assert.deepEqual({ name: row.name, target: row.targetKey, createdAt: row.createdAt }, { name: s.name, target: 'echoer', createdAt: s.createdAt });
      await waitFor(async () => (await core.lifecycle.capturePane(s.name, 5)).includes('hello from env'), 'the session env reaching the program');
      // The session's env is its own: the server's environment does not carry it.
      assert.doesNotMatch(tmux(core.socket, 'show-environment', '-g'), /WTS_GREETING/);
      const second = await core.lifecycle.launch(w.id, 'echoer');
      assert.equal(second.name, `wts-${w.id}-echoer-2`);
      const third = await core.lifecycle.launch(w.id, 'echoer');
      assert.equal(third.name, `wts-${w.id}-echoer-3`);
    });

    it('L2: a new launch never takes the name of a lost session, which stays for its relaunch', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      await killServer(core.socket);
      await core.lifecycle.reconcile();
      const next = await core.lifecycle.launch(w.id, 'shell');
      assert.equal(next.name, `${s.name}-2`);
      assert.deepEqual(core.lifecycle.workspace(w.id)!.lostSessions.map((l) => l.name), [s.name]);
    });

    it('L2: a name another window took since the last listing makes the launch pick the next one', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      // Started outside this window: its live view has not listed it yet.
      tmux(core.socket, 'new-session', '-d', '-s', `wts-${w.id}-shell`);
      const s = await core.lifecycle.launch(w.id, 'shell');
      assert.equal(s.name, `wts-${w.id}-shell-2`);
      assert.deepEqual(core.store.sessions(w.id).map((r) => r.name), [s.name]);
    });

    it('L2: a launch tries another name a few times, then gives up; a relaunch never renames', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const names: string[] = [];
      const lifecycle = rebuildLifecycle(core, { tmux: withFault(core.tmux, 'newSession', async (req) => {
        names.push(req.name);
        throw new Error(`duplicate session: ${req.name}`);
      }) });
      await rejects(lifecycle.launch(w.id, 'shell'), /duplicate session/);
      assert.equal(names.length, 8);
      assert.equal(new Set(names).size, 1, 'the listing did not change, so neither did the name');
      const s = await core.lifecycle.launch(w.id, 'shell');
      await killServer(core.socket);
      await core.lifecycle.reconcile();
      names.length = 0;
      await rejects(lifecycle.relaunchLost(w.id, s.name), /duplicate session/);
      assert.deepEqual(names, [s.name]);
    });

    it('L2: a launch whose workspace changed while it started is not recorded, and its session is stopped', async () => {
      const core = await makeCore();
      const hold = new LaunchHold();
      const lifecycle = rebuildLifecycle(core, { seams: hold.seams });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/l2-changed' });
      const launching = lifecycle.launch(w.id, 'shell').then(() => undefined, (e: Error) => e);
      const name = await hold.held;
      // Another window's failed retry marked it error meanwhile.
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'error', error: 'setup-command: exit 1' }));
      hold.release();
      assert.match((await launching)?.message ?? 'launched!', /could not record the session in the database \(the workspace is error\)\. The tmux session was stopped/);
      assert.ok(!tmuxSessions(core.socket).includes(name));
      assert.deepEqual(core.store.sessions(), []);
    });

    it('L2: a launch whose workspace was forgotten while it started is not recorded, and its session is stopped', async () => {
      const core = await makeCore();
      const hold = new LaunchHold();
      const lifecycle = rebuildLifecycle(core, { seams: hold.seams });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/l2-gone' });
      const launching = lifecycle.launch(w.id, 'shell').then(() => undefined, (e: Error) => e);
      const name = await hold.held;
      await core.store.write((tx) => tx.deleteWorkspace(w.id));
      hold.release();
      assert.match((await launching)?.message ?? 'launched!', /\(the workspace is gone\)/);
      assert.ok(!tmuxSessions(core.socket).includes(name));
    });

    it('L2: a launch whose tmux call fails removes the row it wrote meanwhile, only that generation', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const failing = withFault(core.tmux, 'newSession', async (req) => {
        // tmux answers only once the row is on disk: the rollback, not the order, must undo it.
        await waitFor(() => core.store.sessions(w.id).some((s) => s.name === req.name), 'the row to be written');
        throw new Error('tmux: server exited unexpectedly');
      });
      const lifecycle = rebuildLifecycle(core, { tmux: failing });
      await rejects(lifecycle.launch(w.id, 'shell'), /server exited unexpectedly/);
      assert.deepEqual(core.store.sessions(), []);
      assert.deepEqual(tmuxSessions(core.socket), [w.baseSession.name]);
    });

    it('L2: the row of a launch in flight, which tmux does not list yet, is left alone by this window and by another', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const slow = withFault(core.tmux, 'newSession', async (req) => {
        await released;
        return core.tmux.newSession(req);
      });
      const lifecycle = rebuildLifecycle(core, { tmux: slow });
      const launching = lifecycle.launch(w.id, 'shell');
      await waitFor(() => core.store.sessions(w.id).length === 1, 'the row to be written while tmux starts');
      const otherWindow = rebuildLifecycle(core, {});
      for (const window of [lifecycle, otherWindow]) {
        const report = await window.reconcile();
        assert.deepEqual({ pruned: report.pruned, lost: report.lost, killed: report.orphansKilled }, { pruned: [], lost: [], killed: [] });
      }
      release();
      const s = await launching;
      assert.deepEqual(core.store.sessions(w.id).map((r) => [r.name, r.createdAt]), [[s.name, s.createdAt]]);
      assert.ok(tmuxSessions(core.socket).includes(s.name));
      assert.deepEqual((await otherWindow.reconcile()).pruned, []);
    });

    it('L2: a row without its session is judged once no launch can still be starting it', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const stamp = Date.now();
      // Another window's launch wrote its row and closed before tmux started the session.
      await core.store.write((tx) => tx.upsertSession({ name: `wts-${w.id}-shell`, workspaceId: w.id, targetKey: 'shell', label: 'Shell', command: [], createdAt: stamp, lost: false }));
      let now = stamp + 1_000;
      const lifecycle = rebuildLifecycle(core, { clock: () => now });
      assert.deepEqual((await lifecycle.reconcile()).pruned, []);
      now = stamp + 20_000;
      assert.deepEqual((await lifecycle.reconcile()).pruned, [`wts-${w.id}-shell`]);
      assert.deepEqual(core.store.sessions(), []);
    });

    it('L2 at activation: a listing asked for while the database opened is the first reconciliation\'s, and a launch recorded since is left alone', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const before = await core.lifecycle.launch(w.id, 'shell');
      const listed = core.tmux.list();
      await listed;
      // Another window launches after the listing was taken, before this window reads the rows.
      const late = await rebuildLifecycle(core, {}).launch(w.id, 'shell');
      const activating = rebuildLifecycle(core, { pollIntervalMs: 0 });
      const calls = core.exec.calls('tmux');
      const report = await activating.start(listed);
      assert.equal(core.exec.calls('tmux') - calls, 0, 'the listing asked for earlier is used, not a second one');
      assert.deepEqual({ pruned: report.pruned, lost: report.lost, killed: report.orphansKilled }, { pruned: [], lost: [], killed: [] });
      assert.deepEqual(core.store.sessions(w.id).map((r) => r.name).sort(), [before.name, late.name].sort());
      assert.deepEqual(activating.workspace(w.id)!.sessions.map((x) => x.name), [before.name], 'the listing shows what was live when it was taken');
    });

    it('L2: a name another window recorded while tmux started this launch is left to it; the launch takes the next name', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      let theirs: SessionRecord | undefined;
      const lifecycle = rebuildLifecycle(core, {
        seams: {
          beforeRecord: async (name) => {
            if (theirs) return;
            theirs = { name, workspaceId: w.id, targetKey: 'shell', label: 'Theirs', command: ['/bin/sh'], createdAt: Date.now() + 5_000, lost: false };
            await core.store.write((tx) => tx.upsertSession(theirs!));
          },
        },
      });
      const s = await lifecycle.launch(w.id, 'shell');
      assert.equal(s.name, `wts-${w.id}-shell-2`);
      assert.deepEqual(core.store.sessions(w.id).map((r) => [r.name, r.label]).sort(), [[`wts-${w.id}-shell`, 'Theirs'], [s.name, 'Shell']]);
      // The session this launch started under the taken name was stopped, not left to the orphan sweep.
      assert.deepEqual(tmuxSessions(core.socket).sort(), [w.baseSession.name, s.name].sort());
    });

    it('L3: a session that exits before the check has its just-written row removed', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'quick', command: ['true'] }] } });
      const lifecycle = rebuildLifecycle(core, { seams: { launchStarted: (name) => exitedBeforeRecord(core, name) } });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/l3' });
      await rejects(lifecycle.launch(w.id, 'quick'), /exited right after it started/);
      assert.deepEqual(core.store.sessions(), []);
      assert.deepEqual(tmuxSessions(core.socket), [w.baseSession.name]);
    });

    it('L3: when tmux does not say which process the pane runs, a listing tells whether the session lives', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'quick', label: 'Quick', command: ['sh', '-c', 'exit 0'] }] } });
      let report: 'no pid' | 'gone' = 'no pid';
      const lifecycle = rebuildLifecycle(core, {
        seams: { launchStarted: (name) => (name.includes('quick') ? exitedBeforeRecord(core, name) : undefined) },
        tmux: withFault(core.tmux, 'newSession', async (req) => {
          await core.tmux.newSession(req);
          return { exitedImmediately: report === 'gone' };
        }),
      });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/l3-nopid' });
      const s = await lifecycle.launch(w.id, 'shell');
      assert.deepEqual(lifecycle.workspace(w.id)!.sessions.map((x) => x.name), [s.name]);
      assert.deepEqual(core.store.sessions(w.id).map((r) => r.name), [s.name]);
      await rejects(lifecycle.launch(w.id, 'quick'), /^Quick exited right after it started \(sh -c exit 0\)\./);
      // tmux said it was gone, but a listing shows it: it is stopped, not left running unrecorded.
      report = 'gone';
      await rejects(lifecycle.launch(w.id, 'shell'), /exited right after it started/);
      assert.deepEqual(core.store.sessions(w.id).map((r) => r.name), [s.name]);
      assert.deepEqual(tmuxSessions(core.socket).sort(), [w.baseSession.name, s.name].sort());
    });

    it('L3: only that generation: a row of the same name written since by another window survives the removal', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'quick', command: ['true'] }] } });
      const store = new InterceptingStore(core.store);
      let newer: SessionRecord | undefined;
      const lifecycle = rebuildLifecycle(core, {
        store,
        seams: {
          launchStarted: async (name) => {
            await exitedBeforeRecord(core, name);
            // The row is recorded; before the launch's next write (the removal after the
            // exit), another window relaunches under the same name.
            store.beforeWrite = async () => {
              const [row] = core.store.sessions();
              newer = { ...row, createdAt: row.createdAt + 1000 };
              await core.store.write((tx) => tx.upsertSession(newer!));
            };
          },
        },
      });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/l3gen' });
      await rejects(lifecycle.launch(w.id, 'quick'), /exited right after it started/);
      assert.ok(newer, 'the other window wrote its row');
      assert.deepEqual(core.store.sessions(w.id), [newer]);
    });
  });

  describe('stop and exit', () => {
    it('S1: stop kills the session and forgets its row', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      await core.lifecycle.stopSession(w.id, s.name);
      assert.ok(!tmuxSessions(core.socket).includes(s.name));
      assert.deepEqual(core.store.sessions(), []);
      await rejects(core.lifecycle.stopSession(w.id, s.name), /has no session/);
    });

    it('S1: a stop whose kill fails keeps the row, which it removed while killing', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      const [row] = core.store.sessions(w.id);
      const stuck = withFault(core.tmux, 'killOwned', async () => {
        await waitFor(() => core.store.sessions(w.id).length === 0, 'the row to be removed meanwhile');
        throw new Error('tmux kill-session on socket x: tmux did not finish within 15 s and was stopped');
      });
      const lifecycle = rebuildLifecycle(core, { tmux: stuck });
      await rejects(lifecycle.stopSession(w.id, s.name), /did not finish within 15 s/);
      assert.deepEqual(core.store.sessions(w.id), [row]);
      assert.ok(tmuxSessions(core.socket).includes(s.name));
    });

    it('S1: stop touches only the session named, and the view drops it at once', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const a = await core.lifecycle.launch(w.id, 'shell');
      const b = await core.lifecycle.launch(w.id, 'shell');
      await rejects(core.lifecycle.stopSession(w.id, `wts-${w.id}-nope`), /has no session wts-/);
      await core.lifecycle.stopSession(w.id, b.name);
      assert.deepEqual(core.lifecycle.workspace(w.id)!.sessions.map((x) => x.name), [a.name], 'without waiting for a listing');
      assert.deepEqual(core.store.sessions(w.id).map((r) => r.name), [a.name]);
      assert.deepEqual(tmuxSessions(core.socket).sort(), [w.baseSession.name, a.name].sort());
    });

    it('S1: a kill that fails keeps the row (the session may still run); a stopped name is free again at once', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      const failing = rebuildLifecycle(core, { tmux: withFault(core.tmux, 'killOwned', async () => {
        throw new Error('tmux crashed');
      }) });
      await rejects(failing.stopSession(w.id, s.name), /tmux crashed/);
      assert.deepEqual(core.store.sessions(w.id).map((r) => r.name), [s.name]);
      await core.lifecycle.stopSession(w.id, s.name);
      assert.equal((await core.lifecycle.launch(w.id, 'shell')).name, s.name, 'no listing needed to know the name is free');
    });

    it('S1: stopping a lost session forgets it and kills nothing, not even a live session of that name', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      await killServer(core.socket);
      await core.lifecycle.reconcile();
      // Another window has started a session under that name since.
      tmux(core.socket, 'new-session', '-d', '-s', s.name, ';', 'set-option', '-t', `=${s.name}:`, '@wts_owner', core.tmux.ownerId);
      await core.lifecycle.stopSession(w.id, s.name);
      assert.deepEqual(core.lifecycle.workspace(w.id)!.lostSessions, []);
      assert.deepEqual(core.store.sessions(), []);
      assert.deepEqual(tmuxSessions(core.socket), [s.name]);
    });

    it('S1: stop forgets the row even when tmux is not installed (nothing can be running)', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      // No server either (a reboot, say): with the server still up, stop refuses instead (issue 8 item 12).
      killTmuxServer(core.socket);
      core.settings.tmuxPath = path.join(tempDir(), 'no-tmux-here');
      await core.lifecycle.stopSession(w.id, s.name);
      assert.deepEqual(core.store.sessions(), []);
    });

    it('S1: after a restart the stored row finds and kills the session', async () => {
      const first = await makeCore();
      const w = await readyWorkspace(first, makeRepo());
      const s = await first.lifecycle.launch(w.id, 'shell');
      first.dispose();
      // A new window: its own store instance and service, same database and socket.
      const second = await makeCore({ storageDir: first.storageDir, socket: first.socket });
      await second.lifecycle.stopSession(w.id, s.name);
      assert.ok(!tmuxSessions(first.socket).includes(s.name));
      assert.deepEqual(second.store.sessions(), []);
    });

    it('S2: a session that exits by itself leaves the tree within two seconds and its row is removed', async () => {
      const core = await makeCore();
      await core.lifecycle.start();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      let changes = 0;
      core.lifecycle.onDidChange(() => changes++);
      tmux(core.socket, 'send-keys', '-t', `=${s.name}:`, 'exit', 'Enter');
      const started = Date.now();
      await waitFor(() => core.lifecycle.workspace(w.id)!.sessions.length === 0, 'the session to leave the tree', 2000);
      assert.ok(Date.now() - started < 2000);
      await waitFor(() => core.store.sessions().length === 0, 'the row to be removed', 2000);
      assert.ok(changes > 0, 'the UI was told');
    });

    it('S2: with the poll off, an exit is noticed through the tmux hook alone', async () => {
      const core = await makeCore({ pollIntervalMs: 0 });
      const w = await readyWorkspace(core, makeRepo());
      // Started once a server runs: the watch is armed right after start.
      await core.lifecycle.start();
      const s = await core.lifecycle.launch(w.id, 'shell');
      await waitFor(() => tmux(core.socket, 'show-hooks', '-g').includes('wait-for -S'), 'the session-closed hook');
      tmux(core.socket, 'kill-session', '-t', `=${s.name}`);
      await waitFor(() => core.lifecycle.workspace(w.id)!.sessions.length === 0, 'the session to leave the view');
      await waitFor(() => core.store.sessions().length === 0, 'its row to be removed');
    });

    for (const how of ['its first launch', 'a new workspace\'s base terminal'] as const) {
      it(`S2: with the poll off, a tmux server this window starts after activation (${how}) gets the exit hook at once`, async () => {
        const core = await makeCore({ pollIntervalMs: 0 });
        const repo = makeRepo();
        const w = how === 'its first launch' ? await readyWorkspace(core, repo) : undefined;
        if (w) await killServer(core.socket);
        // Activation finds no server: there is nothing to hook yet, and no poll will look again.
        await core.lifecycle.start();
        const id = w?.id ?? (await readyWorkspace(core, repo, 'feat/late')).id;
        const s = await core.lifecycle.launch(id, 'shell');
        await waitFor(() => tmux(core.socket, 'show-hooks', '-g').includes('wait-for -S'), 'the session-closed hook on the new server');
        tmux(core.socket, 'kill-session', '-t', `=${s.name}`);
        await waitFor(() => core.store.sessions(id).length === 0, 'its row to be removed through the hook');
        assert.deepEqual(core.lifecycle.workspace(id)!.sessions, []);
      });
    }

    it('S2: an exit removes the row only for the generation that exited, never a newer launch', async () => {
      const core = await makeCore();
      const store = new InterceptingStore(core.store);
      const lifecycle = rebuildLifecycle(core, { store });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/s2' });
      const s = await lifecycle.launch(w.id, 'shell');
      tmux(core.socket, 'kill-session', '-t', `=${s.name}`);
      // Another window relaunches under the same name just before this one records the exit.
      const newer = s.createdAt + 1000;
      store.beforeWrite = async () => {
        await core.store.write((tx) => tx.upsertSession({ ...tx.sessions(w.id)[0], createdAt: newer }));
      };
      await lifecycle.reconcile();
      const rows = core.store.sessions(w.id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].createdAt, newer);
    });
    it('S2: a live session newer than its row is a launch still recording itself: the row stays', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      const [row] = core.store.sessions(w.id);
      const older = { ...row, createdAt: row.createdAt - 1000 };
      await core.store.write((tx) => tx.upsertSession(older));
      const report = await core.lifecycle.reconcile();
      assert.deepEqual({ pruned: report.pruned, lost: report.lost }, { pruned: [], lost: [] });
      assert.deepEqual(core.store.sessions(w.id), [older]);
      assert.deepEqual(core.lifecycle.workspace(w.id)!.sessions.map((x) => x.name), [s.name]);
    });

    it('S2: a live session without a generation stamp (started by an older version) keeps its row', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      tmux(core.socket, 'set-option', '-u', '-t', `=${s.name}:`, '@wts_created');
      const report = await core.lifecycle.reconcile();
      assert.deepEqual({ pruned: report.pruned, lost: report.lost }, { pruned: [], lost: [] });
      assert.deepEqual(core.store.sessions(w.id).map((r) => r.name), [s.name]);
    });

    it('S2: a live session older than its row is not the row\'s generation: that one ended, its row goes', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      const [row] = core.store.sessions(w.id);
      await core.store.write((tx) => tx.upsertSession({ ...row, createdAt: row.createdAt + 1000 }));
      const report = await core.lifecycle.reconcile();
      assert.deepEqual(report.pruned, [s.name]);
      assert.deepEqual(core.store.sessions(w.id), []);
    });

    it('S2: a session whose program ended but whose pane stayed has ended: its row goes and the pane is closed', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      tmux(core.socket, 'set-option', '-t', `=${s.name}:`, 'remain-on-exit', 'on');
      tmux(core.socket, 'send-keys', '-t', `=${s.name}:`, 'exit', 'Enter');
      await waitFor(() => tmux(core.socket, 'display-message', '-p', '-t', `=${s.name}:`, '#{pane_dead}').trim() === '1', 'the pane to die');
      const report = await core.lifecycle.reconcile();
      assert.deepEqual(report.pruned, [s.name]);
      assert.deepEqual(core.store.sessions(w.id), []);
      assert.deepEqual(tmuxSessions(core.socket), [w.baseSession.name]);
    });
  });

  describe('session states', () => {
    it('an agent that rings the bell shows as waiting for input, and the bell time stays on the session for attached terminals', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'asker', label: 'Asker', command: ['sh', '-c', 'sleep 0.5; printf "your turn? \\a"; exec sleep 60'] }] } });
      await core.lifecycle.start();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'asker');
      await waitFor(() => core.lifecycle.workspace(w.id)!.sessions.find((x) => x.name === s.name)?.state === 'waiting', 'the waiting state', 5000);
      // tmux clears its own bell flag once a client shows the window; the hook's timestamp does not go away.
      assert.match(tmux(core.socket, 'show-options', '-v', '-t', `=${s.name}:`, '@wts_bell').trim(), /^\d+$/);
    });
  });

  describe('delete', () => {
    it('D1: a dirty worktree is refused, listing the files, and nothing is stopped', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      fs.writeFileSync(path.join(w.worktreePath, 'README.md'), 'changed\n');
      fs.writeFileSync(path.join(w.worktreePath, 'new file.txt'), 'untracked\n');
      const result = await core.lifecycle.deleteWorkspace(w.id);
      assert.deepEqual(result, { deleted: false, dirtyFiles: ['README.md', 'new file.txt'] });
      assert.deepEqual(tmuxSessions(core.socket).sort(), [w.baseSession.name, s.name].sort());
      assert.equal(core.store.workspace(w.id)!.status, 'ready');
      assert.ok(fs.existsSync(w.worktreePath));
    });

    it('D2: intent is persisted, sessions and base terminal stopped, then the worktree removed and the row deleted', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/d2' });
      await lifecycle.launch(w.id, 'shell');
      await lifecycle.launch(w.id, 'shell');
      let seen: { status?: string; sessions: string[]; rows: number } | undefined;
      hooked.beforeRemove = async () => {
        core.store.refresh();
        seen = { status: core.store.workspace(w.id)?.status, sessions: tmuxSessions(core.socket), rows: core.store.sessions(w.id).length };
      };
      const progress: string[] = [];
      const result = await lifecycle.deleteWorkspace(w.id, { onProgress: (m) => progress.push(m) });
      assert.deepEqual(seen, { status: 'deleting', sessions: [], rows: 0 });
      assert.deepEqual(progress, ['Stopping sessions…', 'Removing the worktree…']);
      assert.equal(result.deleted, true);
      assert.equal(fs.existsSync(w.worktreePath), false);
      assert.deepEqual(core.store.workspaces(), []);
    });

    it('D3: a launch asked for once a delete has begun is refused, before the row says deleting', async () => {
      const core = await makeCore();
      const hold = new LaunchHold();
      const lifecycle = rebuildLifecycle(core, { seams: hold.seams });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/d3' });
      // A launch held between tmux and its record keeps the delete waiting (its in-flight wait).
      const held = lifecycle.launch(w.id, 'shell').then(() => undefined, (e: Error) => e);
      await hold.held;
      // The delete's spinner appears the moment it marks the workspace stopping, before its
      // first write: a launch asked for then is refused by that mark, not by the row.
      let asked: Promise<Error | undefined> | undefined;
      lifecycle.onDidChange(() => {
        if (!asked && lifecycle.workspace(w.id)?.busy) asked = lifecycle.launch(w.id, 'shell').then(() => undefined, (e: Error) => e);
      });
      const deleting = lifecycle.deleteWorkspace(w.id);
      const refusal = await (await waitFor(() => asked && { asked }, 'the delete to begin')).asked;
      assert.match(refusal?.message ?? 'launched!', /being deleted; nothing can be launched/);
      hold.release();
      assert.equal(await held, undefined);
      assert.equal((await deleting).deleted, true);
      assert.deepEqual(tmuxSessions(core.socket), []);
      assert.deepEqual(core.store.sessions(), []);
    });

    it('D3: a launch in flight when a delete begins is recorded, then stopped before the worktree is removed', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const hold = new LaunchHold();
      const lifecycle = rebuildLifecycle(core, { git: hooked, seams: hold.seams });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/d3b' });
      const launching = lifecycle.launch(w.id, 'shell');
      let launched = false;
      void launching.then(() => (launched = true), () => undefined);
      const name = await hold.held;
      let atRemoval: { launched: boolean; sessions: string[] } | undefined;
      hooked.beforeRemove = async () => {
        atRemoval = { launched, sessions: tmuxSessions(core.socket) };
      };
      const deleting = lifecycle.deleteWorkspace(w.id);
      // The delete has recorded its intent (D2) and waits for the launch in flight.
      await waitFor(() => {
        core.store.refresh();
        return core.store.workspace(w.id)?.status === 'deleting';
      }, 'the delete to record its intent');
      hold.release();
      assert.equal((await launching).name, name, 'the launch in flight is recorded, not refused');
      assert.equal((await deleting).deleted, true);
      assert.deepEqual(atRemoval, { launched: true, sessions: [] }, 'recorded first, then stopped with the rest before the worktree went');
      assert.deepEqual(tmuxSessions(core.socket), []);
      assert.deepEqual(core.store.sessions(), []);
    });

    it('D3: a session another window launched and recorded after the delete looked at tmux is stopped before the worktree is removed', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const hookedTmux = HookedTmux.of(core.tmux, testEnv(), core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked, tmux: hookedTmux });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/d3d' });
      let other: string | undefined;
      // Right after the delete's first listing, before it records its intent, the other window (core.lifecycle) launches.
      hookedTmux.afterList = async () => {
        hookedTmux.afterList = undefined;
        other = (await core.lifecycle.launch(w.id, 'shell')).name;
      };
      let atRemoval: string[] | undefined;
      hooked.beforeRemove = async () => {
        atRemoval = tmuxSessions(core.socket);
      };
      assert.equal((await lifecycle.deleteWorkspace(w.id)).deleted, true);
      assert.ok(other, 'the other window launched');
      assert.deepEqual(atRemoval, [], 'stopped before the worktree went, not only by the sweep after it');
      assert.deepEqual(tmuxSessions(core.socket), []);
      assert.deepEqual(core.store.sessions(), []);
    });

    it('D3: a session another window launched in the workspace and has not recorded yet is stopped too; other workspaces keep theirs', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await readyWorkspace(core, repo, 'feat/d3c');
      const other = await readyWorkspace(core, repo, 'feat/d3-other');
      const kept = await core.lifecycle.launch(other.id, 'shell');
      const meanwhile = `wts-${w.id}-shell-7`;
      tmux(core.socket, 'new-session', '-d', '-s', meanwhile, ';', 'set-option', '-t', `=${meanwhile}:`, '@wts_owner', core.tmux.ownerId);
      await core.lifecycle.deleteWorkspace(w.id);
      assert.deepEqual(tmuxSessions(core.socket).sort(), [other.baseSession.name, kept.name].sort());
    });

    it('D4: a failure after D2 began leaves deletion_failed with the message, and a retry resumes it', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/d4' });
      await lifecycle.launch(w.id, 'shell');
      hooked.beforeRemove = async () => {
        hooked.beforeRemove = undefined;
        throw new Error('disk on fire');
      };
      await rejects(lifecycle.deleteWorkspace(w.id), /failed while removing the worktree: disk on fire.*Retry/);
      const row = core.store.workspace(w.id)!;
      assert.equal(row.status, 'deletion_failed');
      assert.match(row.error!, /removing the worktree: disk on fire/);
      assert.equal(lifecycle.workspace(w.id)!.status, 'deletion_failed');
      await rejects(lifecycle.launch(w.id, 'shell'), /half deleted/);
      const result = await lifecycle.deleteWorkspace(w.id);
      assert.equal(result.deleted, true);
      assert.deepEqual(core.store.workspaces(), []);
      assert.equal(fs.existsSync(w.worktreePath), false);
    });

    it('D4: delete works when the tmux server is not running', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      tmux(core.socket, 'kill-server');
      const result = await core.lifecycle.deleteWorkspace(w.id);
      assert.equal(result.deleted, true);
      assert.equal(fs.existsSync(w.worktreePath), false);
    });

    it('D4: delete works when tmux is not installed', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      killTmuxServer(core.socket);
      core.settings.tmuxPath = path.join(tempDir(), 'no-tmux-here');
      assert.equal((await core.lifecycle.deleteWorkspace(w.id)).deleted, true);
      assert.equal(fs.existsSync(w.worktreePath), false);
      assert.deepEqual(core.store.workspaces(), []);
    });

    it('D4: a failure names the step it happened in, on the row and in the message', async () => {
      const boom = async (): Promise<never> => {
        throw new Error('boom');
      };
      const steps: Array<{ step: string; lifecycle: (core: TestCore, w: WorkspaceView) => LifecycleService; force?: boolean }> = [
        {
          step: 'recording the deletion',
          lifecycle: (core) => {
            const store = new InterceptingStore(core.store);
            store.beforeWrite = boom;
            return rebuildLifecycle(core, { store });
          },
        },
        { step: 'stopping its sessions', lifecycle: (core) => rebuildLifecycle(core, { tmux: withFault(core.tmux, 'list', boom) }) },
        { step: 'saving uncommitted changes', force: true, lifecycle: (core) => rebuildLifecycle(core, { git: withFault(core.git, 'saveChanges', boom) }) },
        {
          step: 'pruning the missing worktree',
          lifecycle: (core, w) => {
            fs.rmSync(w.worktreePath, { recursive: true });
            return rebuildLifecycle(core, { git: withFault(core.git, 'pruneWorktrees', boom) });
          },
        },
        { step: 'applying the branch policy', lifecycle: (core) => rebuildLifecycle(core, { git: withFault(core.git, 'mergeState', boom) }) },
        {
          step: 'forgetting the workspace',
          lifecycle: (core) => {
            let listings = 0;
            // The sweep after the worktree is gone (the preflight lists before it, and the first stop uses that listing).
            return rebuildLifecycle(core, { tmux: withFault(core.tmux, 'list', () => (++listings === 2 ? boom() : core.tmux.list())) });
          },
        },
      ];
      const core = await makeCore();
      const repo = makeRepo();
      for (const [i, { step, lifecycle, force }] of steps.entries()) {
        const w = await readyWorkspace(core, repo, `feat/d4-${i}`);
        if (force) fs.writeFileSync(path.join(w.worktreePath, 'dirty.txt'), 'unsaved\n');
        const err = await rejects(lifecycle(core, w).deleteWorkspace(w.id, { force }), /failed while/);
        assert.equal(err.message, `Deleting "feat/d4-${i}" failed while ${step}: boom Retry the delete to finish it.`);
        core.store.refresh();
        const row = core.store.workspace(w.id)!;
        assert.deepEqual({ status: row.status, error: row.error, opPid: row.opPid }, { status: 'deletion_failed', error: `${step}: boom`, opPid: undefined });
      }
    });

    it('D5: force delete saves uncommitted changes (tracked and untracked) where they can be restored', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await readyWorkspace(core, repo, 'feat/d5');
      fs.writeFileSync(path.join(w.worktreePath, 'README.md'), '# changed in the worktree\n');
      fs.mkdirSync(path.join(w.worktreePath, 'notes'));
      fs.writeFileSync(path.join(w.worktreePath, 'notes', 'idea ünï.txt'), 'untracked idea\n');
      fs.writeFileSync(path.join(w.worktreePath, 'image.bin'), Buffer.from([0, 1, 2, 255, 254]));
      const progress: string[] = [];
      const result = await core.lifecycle.deleteWorkspace(w.id, { force: true, onProgress: (m) => progress.push(m) });
      assert.equal(result.deleted, true);
      assert.deepEqual(progress, ['Stopping sessions…', 'Saving uncommitted changes…', 'Removing the worktree…']);
      const saved = result.savedChanges!;
      assert.match(saved.ref, /^refs\/worktree-sessions\/saved\/feat-d5-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
      assert.deepEqual(saved.files.sort(), ['README.md', 'image.bin', 'notes/idea ünï.txt'].sort());
      assert.equal(fs.existsSync(w.worktreePath), false);
      assert.equal(result.deletedBranch, 'feat/d5', 'it has no commits of its own, so it is merged');

      // Restore from the ref into a fresh worktree…
      const restoreA = path.join(tempDir(), 'a');
      git(repo, 'worktree', 'add', '-q', '--detach', restoreA, 'main');
      git(restoreA, 'checkout', '-q', saved.ref, '--', '.');
      assert.equal(fs.readFileSync(path.join(restoreA, 'README.md'), 'utf8'), '# changed in the worktree\n');
      assert.equal(fs.readFileSync(path.join(restoreA, 'notes', 'idea ünï.txt'), 'utf8'), 'untracked idea\n');
      assert.deepEqual([...fs.readFileSync(path.join(restoreA, 'image.bin'))], [0, 1, 2, 255, 254]);
      // …and from the patch file.
      const restoreB = path.join(tempDir(), 'b');
      git(repo, 'worktree', 'add', '-q', '--detach', restoreB, 'main');
      git(restoreB, 'apply', '--binary', saved.patchFile);
      assert.equal(fs.readFileSync(path.join(restoreB, 'README.md'), 'utf8'), '# changed in the worktree\n');
      assert.equal(fs.readFileSync(path.join(restoreB, 'notes', 'idea ünï.txt'), 'utf8'), 'untracked idea\n');
      assert.deepEqual([...fs.readFileSync(path.join(restoreB, 'image.bin'))], [0, 1, 2, 255, 254]);
    });

    it('D5: changes written after the preflight are saved too before the worktree goes', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/late' });
      // An agent writes a file between the clean preflight and the removal.
      hooked.beforeRemove = async () => {
        hooked.beforeRemove = undefined;
        fs.writeFileSync(path.join(w.worktreePath, 'late.txt'), 'written late\n');
      };
      const result = await lifecycle.deleteWorkspace(w.id);
      assert.equal(result.deleted, true);
      assert.deepEqual(result.savedChanges?.files, ['late.txt']);
      assert.match(fs.readFileSync(result.savedChanges!.patchFile, 'utf8'), /\+written late/);
      assert.equal(fs.existsSync(w.worktreePath), false);
    });

    // A clean preflight lets the delete remove without a second look at git (issue 14); what `git worktree remove`
    // would not refuse over must still be seen: a commit on a HEAD detached since, a copied ignored file changed since.
    it('D5: a commit on a HEAD detached after a clean preflight is saved before the worktree goes', async () => {
      const core = await makeCore();
      const intercepting = new InterceptingStore(core.store);
      const lifecycle = rebuildLifecycle(core, { store: intercepting });
      const repo = makeRepo();
      const w = await lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/late-detach' });
      let commit = '';
      // The delete's first write (its intent) comes after the preflight.
      intercepting.beforeWrite = async () => {
        git(w.worktreePath, 'checkout', '-q', '--detach');
        fs.writeFileSync(path.join(w.worktreePath, 'late.txt'), 'committed late\n');
        git(w.worktreePath, 'add', 'late.txt');
        git(w.worktreePath, 'commit', '-q', '-m', 'late, on no branch');
        commit = git(w.worktreePath, 'rev-parse', 'HEAD').trim();
      };
      const result = await lifecycle.deleteWorkspace(w.id);
      assert.ok(commit, 'the commit was made after the preflight');
      assert.equal(result.deleted, true);
      assert.equal(result.savedChanges?.commits, 1);
      assert.equal(git(repo, 'show', `${result.savedChanges!.ref}:late.txt`), 'committed late\n');
      assert.equal(fs.existsSync(w.worktreePath), false);
    });

    it('D5: a copied ignored file changed after a clean preflight is saved before the worktree goes', async () => {
      const core = await makeCore({ settings: { copyFiles: ['.env'] } });
      const intercepting = new InterceptingStore(core.store);
      const lifecycle = rebuildLifecycle(core, { store: intercepting });
      const repo = makeRepo({ files: { '.gitignore': '.env\n', 'README.md': '# app\n' } });
      fs.writeFileSync(path.join(repo, '.env'), 'TOKEN=original\n');
      const w = await lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/late-env' });
      intercepting.beforeWrite = async () => {
        fs.writeFileSync(path.join(w.worktreePath, '.env'), 'TOKEN=edited late\n');
      };
      const result = await lifecycle.deleteWorkspace(w.id);
      assert.equal(result.deleted, true);
      assert.deepEqual(result.savedChanges?.files, ['.env']);
      assert.equal(git(repo, 'show', `${result.savedChanges!.ref}:.env`), 'TOKEN=edited late\n');
    });

    it('D5: a lock put on after a clean preflight stops the delete before the worktree goes, named as a lock', async () => {
      const core = await makeCore();
      const intercepting = new InterceptingStore(core.store);
      const lifecycle = rebuildLifecycle(core, { store: intercepting });
      const repo = makeRepo();
      const w = await lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/late-lock' });
      intercepting.beforeWrite = async () => {
        git(repo, 'worktree', 'lock', '--reason', 'on a USB disk', w.worktreePath);
      };
      await rejects(lifecycle.deleteWorkspace(w.id), /failed while checking the worktree: .*Its worktree is locked \(git worktree lock: "on a USB disk"\)/);
      assert.ok(fs.existsSync(path.join(w.worktreePath, 'README.md')));
      assert.equal(core.store.workspace(w.id)!.status, 'deletion_failed');
    });

    it('D4: when the removal after saving late changes fails, the message names the removal', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/late-fail' });
      let removals = 0;
      hooked.beforeRemove = async () => {
        if (++removals === 1) fs.writeFileSync(path.join(w.worktreePath, 'late.txt'), 'written late\n');
        else throw new Error('busy');
      };
      await rejects(lifecycle.deleteWorkspace(w.id), /failed while removing the worktree: busy/);
    });

    // Issue 14: the steps the rules require and no more. A clean worktree is looked at once (status with
    // its index), its sessions are stopped with the preflight's listing, and it is removed without a second look.
    it('D1–D6 in the fewest steps: a clean delete runs git status, ls-files, worktree remove, merge-base and branch -D, and tmux list, kill and the sweep', async () => {
      const core = await makeCore({ pollIntervalMs: 0 });
      const w = await readyWorkspace(core, makeRepo(), 'feat/few');
      await core.lifecycle.launch(w.id, 'shell');
      const [git0, tmux0] = [core.exec.calls('git'), core.exec.calls('tmux')];
      const result = await core.lifecycle.deleteWorkspace(w.id);
      assert.deepEqual(result, { deleted: true, deletedBranch: 'feat/few' });
      assert.deepEqual({ git: core.exec.calls('git') - git0, tmux: core.exec.calls('tmux') - tmux0 }, { git: 5, tmux: 3 });
      assert.deepEqual(tmuxSessions(core.socket), []);
    });

    it('D5: a worktree whose branch was deleted behind our back, with nothing of its own, is removed (git needs --force: every file looks staged)', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await readyWorkspace(core, repo, 'feat/gone-clean');
      git(repo, 'update-ref', '-d', 'refs/heads/feat/gone-clean');
      const result = await core.lifecycle.deleteWorkspace(w.id);
      assert.deepEqual(result, { deleted: true, goneBranch: 'feat/gone-clean' });
      assert.equal(fs.existsSync(w.worktreePath), false);
    });

    it('D5: on a detached HEAD (no quick removal), a change written after the check is saved by a second look', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/detached-late' });
      git(w.worktreePath, 'checkout', '-q', '--detach');
      let removals = 0;
      hooked.beforeRemove = async () => {
        if (++removals === 1) fs.writeFileSync(path.join(w.worktreePath, 'late.txt'), 'written late\n');
      };
      const result = await lifecycle.deleteWorkspace(w.id);
      assert.equal(result.deleted, true);
      assert.equal(removals, 2, 'refused once, then removed after the save');
      assert.deepEqual(result.savedChanges?.files, ['late.txt']);
    });

    it('D6: a branch already gone is neither kept nor deleted; one git refuses to delete is kept, and named', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      git(repo, 'branch', 'theirs-gone');
      const ours = await readyWorkspace(core, repo, 'feat/gone');
      const theirs = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'theirs-gone' });
      const busy = await readyWorkspace(core, repo, 'feat/busy');
      for (const w of [ours, theirs]) {
        git(w.worktreePath, 'checkout', '-q', '--detach');
        git(repo, 'branch', '-D', w.branch);
      }
      // The main worktree has the merged branch checked out now: git will not delete it.
      git(busy.worktreePath, 'checkout', '-q', '--detach');
      git(repo, 'checkout', '-q', 'feat/busy');
      assert.deepEqual(await core.lifecycle.deleteWorkspace(ours.id), { deleted: true, goneBranch: 'feat/gone' });
      assert.deepEqual(await core.lifecycle.deleteWorkspace(theirs.id), { deleted: true, goneBranch: 'theirs-gone' });
      assert.deepEqual(await core.lifecycle.deleteWorkspace(busy.id), { deleted: true, keptBranch: 'feat/busy' });
    });

    it('D6: the branch fate, for every origin, choice and merge state', () => {
      const fates: string[] = [];
      for (const createdBranch of [true, false]) {
        for (const choice of ['merged', 'never', 'delete'] as const) {
          for (const merge of ['merged', 'unmerged', 'missing'] as const) fates.push(`${createdBranch ? 'ours' : 'theirs'} ${choice} ${merge}: ${branchFate({ createdBranch }, choice, merge)}`);
        }
      }
      assert.deepEqual(fates, [
        'ours merged merged: delete', 'ours merged unmerged: keep', 'ours merged missing: gone',
        'ours never merged: keep', 'ours never unmerged: keep', 'ours never missing: gone',
        'ours delete merged: delete', 'ours delete unmerged: delete', 'ours delete missing: gone',
        'theirs merged merged: keep', 'theirs merged unmerged: keep', 'theirs merged missing: gone',
        'theirs never merged: keep', 'theirs never unmerged: keep', 'theirs never missing: gone',
        'theirs delete merged: keep', 'theirs delete unmerged: keep', 'theirs delete missing: gone',
      ]);
    });

    it('D6: the branch is deleted only if we created it and it is merged, unless the user chose otherwise', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      git(repo, 'branch', 'theirs');
      const merged = await readyWorkspace(core, repo, 'feat/merged');
      const unmerged = await readyWorkspace(core, repo, 'feat/unmerged');
      fs.writeFileSync(path.join(unmerged.worktreePath, 'x.txt'), 'x\n');
      git(unmerged.worktreePath, 'add', 'x.txt');
      git(unmerged.worktreePath, 'commit', '-q', '-m', 'work');
      const theirs = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'theirs' });
      const forced = await readyWorkspace(core, repo, 'feat/forced');
      fs.writeFileSync(path.join(forced.worktreePath, 'y.txt'), 'y\n');
      git(forced.worktreePath, 'add', 'y.txt');
      git(forced.worktreePath, 'commit', '-q', '-m', 'work');
      const never = await readyWorkspace(core, repo, 'feat/never');

      assert.deepEqual(await core.lifecycle.deleteWorkspace(merged.id), { deleted: true, deletedBranch: 'feat/merged' });
      assert.deepEqual(await core.lifecycle.deleteWorkspace(unmerged.id), { deleted: true, keptBranch: 'feat/unmerged' });
      assert.deepEqual(await core.lifecycle.deleteWorkspace(theirs.id), { deleted: true, keptBranch: 'theirs' });
      assert.deepEqual(await core.lifecycle.deleteWorkspace(forced.id, { branch: 'delete' }), { deleted: true, deletedBranch: 'feat/forced' });
      core.settings.deleteBranch = 'never';
      assert.deepEqual(await core.lifecycle.deleteWorkspace(never.id), { deleted: true, keptBranch: 'feat/never' });
      assert.deepEqual(git(repo, 'branch', '--format=%(refname:short)').trim().split('\n').sort(), ['feat/never', 'feat/unmerged', 'main', 'theirs']);
    });
  });

  describe('startup and reconciliation', () => {
    it('R1: rows left creating or deleting by a window that is gone become error and deletion_failed', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const a = await readyWorkspace(core, repo, 'feat/r1a');
      const b = await readyWorkspace(core, repo, 'feat/r1b');
      const c = await readyWorkspace(core, repo, 'feat/r1c');
      // A process that has exited: its pid is free (and not ours).
      const dead = spawn('true');
      await new Promise((r) => dead.on('exit', r));
      // A process that is alive: another window still working.
      const alive = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        await core.store.write((tx) => {
          tx.updateWorkspace(a.id, { status: 'creating', opPid: dead.pid });
          tx.updateWorkspace(b.id, { status: 'deleting', opPid: dead.pid });
          tx.updateWorkspace(c.id, { status: 'deleting', opPid: alive.pid });
        });
        const report = await core.lifecycle.reconcile();
        assert.deepEqual(report.interrupted.sort(), [a.id, b.id].sort());
        assert.equal(core.store.workspace(a.id)!.status, 'error');
        assert.match(core.store.workspace(a.id)!.error!, /setup interrupted|Setup was interrupted/i);
        assert.equal(core.store.workspace(b.id)!.status, 'deletion_failed');
        assert.equal(core.store.workspace(b.id)!.error, 'Deletion was interrupted (the window closed or crashed). Retry the delete to finish it.');
        assert.equal(core.store.workspace(c.id)!.status, 'deleting', 'another live window is still on it');
      } finally {
        alive.kill();
      }
    });

    it('R1: a create this window recorded but no longer works on is interrupted; one under way is not', async () => {
      const core = await makeCore();
      const hooked = new HookedGit(core.exec);
      const lifecycle = rebuildLifecycle(core, { git: hooked });
      const repo = makeRepo();
      const left = await lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/r1-left' });
      // This window's pid, but nothing under way here: a create that ended without its last write.
      await core.store.write((tx) => tx.updateWorkspace(left.id, { status: 'creating', opPid: process.pid }));
      let during: { report: ReconcileReport; status?: string } | undefined;
      hooked.beforeAdd = async () => {
        hooked.beforeAdd = undefined;
        const report = await lifecycle.reconcile();
        core.store.refresh();
        during = { report, status: core.store.workspaces().find((w) => w.branch === 'feat/r1-busy')?.status };
      };
      const busy = await lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/r1-busy' });
      assert.deepEqual(during, { report: { interrupted: [left.id], pruned: [], lost: [], orphansKilled: [] }, status: 'creating' });
      assert.equal(busy.status, 'ready');
      assert.equal(core.store.workspace(left.id)!.status, 'error');
    });

    it('R1: a create or delete whose window is gone does not hold up a delete', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const a = await readyWorkspace(core, repo, 'feat/r1-dead-create');
      const b = await readyWorkspace(core, repo, 'feat/r1-dead-delete');
      const dead = spawn('true');
      await new Promise((r) => dead.on('exit', r));
      await core.store.write((tx) => {
        tx.updateWorkspace(a.id, { status: 'creating', opPid: dead.pid });
        tx.updateWorkspace(b.id, { status: 'deleting', opPid: dead.pid });
      });
      assert.equal((await core.lifecycle.deleteWorkspace(a.id)).deleted, true);
      assert.equal((await core.lifecycle.deleteWorkspace(b.id)).deleted, true);
    });

    it('R1: a row another window changed since it was read is left as that window wrote it', async () => {
      const core = await makeCore();
      const store = new InterceptingStore(core.store);
      const lifecycle = rebuildLifecycle(core, { store });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/r1-raced' });
      const dead = spawn('true');
      await new Promise((r) => dead.on('exit', r));
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'creating', opPid: dead.pid }));
      // Another window's retry finishes the setup between the read and the write.
      store.beforeWrite = () => core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'ready', opPid: undefined }));
      const report = await lifecycle.reconcile();
      assert.deepEqual(report.interrupted, []);
      assert.equal(core.store.workspace(w.id)!.status, 'ready');
    });

    it('R1: delete and retry refuse a workspace another live window is still creating or deleting', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const other = spawn('sleep', ['30'], { stdio: 'ignore' });
      onCleanup(() => other.kill());
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'creating', opPid: other.pid }));
      await rejects(core.lifecycle.deleteWorkspace(w.id), /still being set up; wait for it to finish or fail/);
      await rejects(core.lifecycle.retrySetup(w.id), /still being set up/);
      await rejects(core.lifecycle.createWorkspace({ repoRoot: w.repoRoot, branch: w.branch }), /being created in another window/);
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'deleting', opPid: other.pid }));
      await rejects(core.lifecycle.deleteWorkspace(w.id), /already being deleted/);
      await rejects(core.lifecycle.launch(w.id, 'shell'), /being deleted; nothing can be launched/);
      await rejects(core.lifecycle.retrySetup(w.id), /being deleted; retry the delete instead/);
      assert.ok(fs.existsSync(w.worktreePath), 'nothing was touched');
      // Once that window is gone, the delete resumes.
      other.kill();
      await new Promise((r) => other.on('exit', r));
      assert.equal((await core.lifecycle.deleteWorkspace(w.id)).deleted, true);
    });

    it('R2: a session gone while the server lives exited naturally: its row is simply removed', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      tmux(core.socket, 'kill-session', '-t', `=${s.name}`);
      const report = await core.lifecycle.reconcile();
      assert.deepEqual(report.pruned, [s.name]);
      assert.deepEqual(core.store.sessions(), []);
      assert.deepEqual(core.lifecycle.workspace(w.id)!.lostSessions, []);
    });

    it('R2: a server restarted since the session started means it was lost, not ended', async () => {
      const core = await makeCore();
      // Sessions stamped a minute ago: a server started now is newer than them, whatever the clock's second.
      const lifecycle = rebuildLifecycle(core, { clock: () => Date.now() - 60_000 });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/r2-restart' });
      const s = await lifecycle.launch(w.id, 'shell');
      await killServer(core.socket);
      tmux(core.socket, 'new-session', '-d', '-s', 'after-the-restart');
      const report = await lifecycle.reconcile();
      assert.deepEqual({ lost: report.lost, pruned: report.pruned }, { lost: [s.name], pruned: [] });
      assert.deepEqual(lifecycle.workspace(w.id)!.lostSessions.map((l) => l.name), [s.name]);
    });

    it('R2: only the generation seen is marked lost; a row stopped or relaunched by another window meanwhile is left as it is', async () => {
      const core = await makeCore();
      const store = new InterceptingStore(core.store);
      const lifecycle = rebuildLifecycle(core, { store });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/r2-gen' });
      const stopped = await lifecycle.launch(w.id, 'shell');
      const relaunched = await lifecycle.launch(w.id, 'shell');
      const kept = await lifecycle.launch(w.id, 'shell');
      await killServer(core.socket);
      let newer: SessionRecord | undefined;
      store.beforeWrite = () => core.store.write((tx) => {
        tx.deleteSession(stopped.name);
        newer = { ...tx.sessions(w.id).find((r) => r.name === relaunched.name)!, createdAt: relaunched.createdAt + 1000 };
        tx.upsertSession(newer);
      });
      const report = await lifecycle.reconcile();
      assert.deepEqual(report.lost, [kept.name]);
      const rows = core.store.sessions(w.id).sort((a, b) => a.name.localeCompare(b.name));
      assert.deepEqual(rows.map((r) => [r.name, r.createdAt, r.lost]), [[relaunched.name, newer!.createdAt, false], [kept.name, kept.createdAt, true]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    });

    it('R2: when the server itself was gone, lost sessions are remembered and offered for relaunch with the resume command', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'agent', label: 'Agent', command: ['sleep', '600'], resumeCommand: ['sleep', '601'] }] } });
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'agent');
      tmux(core.socket, 'kill-server');
      const report = await core.lifecycle.reconcile();
      assert.deepEqual(report.lost, [s.name]);
      const view = core.lifecycle.workspace(w.id)!;
      assert.deepEqual(view.sessions, [], 'the tree shows only live sessions');
      assert.deepEqual(view.lostSessions.map((l) => [l.name, l.relaunchCommand]), [[s.name, ['sleep', '601']]]);
      const again = await core.lifecycle.relaunchLost(w.id, s.name);
      assert.equal(again.name, s.name);
      await waitFor(() => tmux(core.socket, 'list-panes', '-t', `=${s.name}:`, '-F', '#{pane_start_command}').includes('601'), 'the resume command to run');
      assert.deepEqual(core.lifecycle.workspace(w.id)!.lostSessions, []);
      assert.equal(core.store.sessions(w.id).length, 1);
    });

    it('R2: relaunch is offered only for lost sessions, only in a ready workspace, and falls back to the recorded command', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'agent', label: 'Agent', command: ['sleep', '600'] }] } });
      const w = await readyWorkspace(core, makeRepo());
      const live = await core.lifecycle.launch(w.id, 'shell');
      await rejects(core.lifecycle.relaunchLost(w.id, live.name), new RegExp(`There is no lost session ${live.name}`));
      await rejects(core.lifecycle.relaunchLost(w.id, `wts-${w.id}-nope`), /There is no lost session/);
      const agent = await core.lifecycle.launch(w.id, 'agent');
      await killServer(core.socket);
      await core.lifecycle.reconcile();
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'error', error: 'setup-command: exit 1' }));
      await rejects(core.lifecycle.relaunchLost(w.id, agent.name), /is error; launch needs a ready workspace/);
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'ready', error: undefined }));
      // The agent is no longer configured: the command recorded with the session runs again.
      core.settings.agents = [];
      const again = await core.lifecycle.relaunchLost(w.id, agent.name);
      assert.equal(again.name, agent.name);
      await waitFor(() => tmux(core.socket, 'list-panes', '-t', `=${agent.name}:`, '-F', '#{pane_start_command}').includes('600'), 'the recorded command to run');
    });

    it('R2: a relaunch whose name another session took meanwhile is refused, not renamed', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      await killServer(core.socket);
      await core.lifecycle.reconcile();
      tmux(core.socket, 'new-session', '-d', '-s', s.name);
      await rejects(core.lifecycle.relaunchLost(w.id, s.name), /duplicate session/);
    });

    it('R2: a relaunch tmux refuses leaves the session lost, with its scrollback, to retry or forget', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'shell');
      await killServer(core.socket);
      await core.lifecycle.reconcile();
      const scrollback = path.join(core.storageDir, 'scrollback', `${s.name}.txt`);
      fs.mkdirSync(path.dirname(scrollback), { recursive: true });
      fs.writeFileSync(scrollback, 'the old screen\n');
      tmux(core.socket, 'new-session', '-d', '-s', s.name);
      await rejects(core.lifecycle.relaunchLost(w.id, s.name), /duplicate session/);
      assert.deepEqual(core.store.sessions(w.id).map((r) => [r.name, r.createdAt, r.lost]), [[s.name, s.createdAt, true]]);
      assert.deepEqual(core.lifecycle.workspace(w.id)!.lostSessions.map((l) => l.name), [s.name]);
      assert.equal(fs.readFileSync(scrollback, 'utf8'), 'the old screen\n');
      // Retry, once the name is free again: the old screen comes back above the new shell.
      tmux(core.socket, 'kill-session', '-t', `=${s.name}`);
      const again = await core.lifecycle.relaunchLost(w.id, s.name);
      assert.equal(again.name, s.name);
      await waitFor(() => tmux(core.socket, 'capture-pane', '-p', '-t', `=${s.name}:`).includes('the old screen'), 'the scrollback replayed');
      assert.deepEqual(core.lifecycle.workspace(w.id)!.lostSessions, []);
      assert.deepEqual(core.store.sessions(w.id).map((r) => [r.name, r.lost]), [[s.name, false]]);
    });

    it('R2: a relaunch that exits at once (L3) leaves the session lost as it was, to retry or forget', async () => {
      const core = await makeCore({ settings: { agents: [{ key: 'agent', label: 'Agent', command: ['sleep', '600'], resumeCommand: ['sh', '-c', 'exit 1'] }] } });
      const w = await readyWorkspace(core, makeRepo());
      const s = await core.lifecycle.launch(w.id, 'agent');
      await killServer(core.socket);
      await core.lifecycle.reconcile();
      await rejects(core.lifecycle.relaunchLost(w.id, s.name), /Agent exited right after it started \(sh -c exit 1\)/);
      assert.deepEqual(core.store.sessions(w.id).map((r) => [r.name, r.createdAt, r.lost]), [[s.name, s.createdAt, true]]);
      assert.deepEqual(core.lifecycle.workspace(w.id)!.lostSessions.map((l) => l.name), [s.name]);
      // Forgetting it is still offered: a stop of a lost session forgets its row.
      await core.lifecycle.stopSession(w.id, s.name);
      assert.deepEqual(core.store.sessions(w.id), []);
    });

    it('R2: a relaunch whose record is refused leaves the session lost, and a name taken since by another window is left to it', async () => {
      const core = await makeCore();
      const store = new InterceptingStore(core.store);
      const lifecycle = rebuildLifecycle(core, { store });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/r2-record' });
      const s = await lifecycle.launch(w.id, 'shell');
      await killServer(core.socket);
      await lifecycle.reconcile();
      // Another window's failed retry marks the workspace error just before the relaunch records itself.
      store.beforeWrite = () => core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'error', error: 'setup-command: exit 1' }));
      await rejects(lifecycle.relaunchLost(w.id, s.name), /could not record the session/);
      assert.deepEqual(core.store.sessions(w.id).map((r) => [r.name, r.createdAt, r.lost]), [[s.name, s.createdAt, true]]);
      assert.ok(!tmuxSessions(core.socket).includes(s.name));
      // Back to ready; this time another window records a live session under the name while the relaunch fails.
      await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'ready', error: undefined }));
      const theirs: SessionRecord = { name: s.name, workspaceId: w.id, targetKey: 'shell', label: 'Shell', command: ['sh'], createdAt: s.createdAt + 5_000, lost: false };
      store.beforeWrite = () => core.store.write((tx) => {
        tx.upsertSession(theirs);
        tx.updateWorkspace(w.id, { status: 'error', error: 'setup-command: exit 1' });
      });
      await rejects(lifecycle.relaunchLost(w.id, s.name), /could not record the session/);
      assert.deepEqual(core.store.sessions(w.id).map((r) => [r.name, r.createdAt, r.lost]), [[s.name, theirs.createdAt, false]]);
    });

    it('R3: marked sessions without a row are orphans and killed; unmarked and foreign-marked sessions are never touched', async () => {
      const core = await makeCore({ orphanGraceMs: 0 });
      const w = await readyWorkspace(core, makeRepo());
      const orphan = `wts-${w.id}-orphan`;
      tmux(core.socket, 'new-session', '-d', '-s', orphan, ';', 'set-option', '-t', `=${orphan}:`, '@wts_owner', core.tmux.ownerId);
      const unmarked = `wts-${w.id}-unmarked`;
      tmux(core.socket, 'new-session', '-d', '-s', unmarked);
      const foreign = `wts-${w.id}-foreign`;
      tmux(core.socket, 'new-session', '-d', '-s', foreign, ';', 'set-option', '-t', `=${foreign}:`, '@wts_owner', 'another-install');
      tmux(core.socket, 'new-session', '-d', '-s', 'users-own');
      // Our marker on a name the extension never gives: not a session it made.
      tmux(core.socket, 'new-session', '-d', '-s', 'users-marked', ';', 'set-option', '-t', '=users-marked:', '@wts_owner', core.tmux.ownerId);
      const report = await core.lifecycle.reconcile();
      assert.deepEqual(report.orphansKilled, [orphan]);
      assert.deepEqual(tmuxSessions(core.socket).sort(), [w.baseSession.name, foreign, unmarked, 'users-own', 'users-marked'].sort());
      // Nor does a delete touch them.
      await core.lifecycle.deleteWorkspace(w.id);
      assert.deepEqual(tmuxSessions(core.socket).sort(), [foreign, unmarked, 'users-own', 'users-marked'].sort());
    });

    it('R3: a freshly marked session still being recorded by another window is not reaped', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const name = `wts-${w.id}-recording`;
      tmux(core.socket, 'new-session', '-d', '-s', name, ';', 'set-option', '-t', `=${name}:`, '@wts_owner', core.tmux.ownerId, ';', 'set-option', '-t', `=${name}:`, '@wts_created', String(Date.now()));
      const report = await core.lifecycle.reconcile();
      assert.deepEqual(report.orphansKilled, []);
      assert.ok(tmuxSessions(core.socket).includes(name));
    });

    it('R3: the grace period: an unrecorded marked session is an orphan only once it is older than the grace', async () => {
      const core = await makeCore();
      let now = Date.now();
      const lifecycle = rebuildLifecycle(core, { clock: () => now, orphanGraceMs: 30_000 });
      const w = await lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/r3-grace' });
      const stamped = `wts-${w.id}-stamped`;
      const stampedAt = now;
      tmux(core.socket, 'new-session', '-d', '-s', stamped, ';', 'set-option', '-t', `=${stamped}:`, '@wts_owner', core.tmux.ownerId, ';', 'set-option', '-t', `=${stamped}:`, '@wts_created', String(stampedAt));
      now = stampedAt + 30_000;
      assert.deepEqual((await lifecycle.reconcile()).orphansKilled, [], 'exactly the grace old: maybe still being recorded');
      now = stampedAt + 30_001;
      assert.deepEqual((await lifecycle.reconcile()).orphansKilled, [stamped]);

      // Without @wts_created, the session's own creation time counts (tmux gives it in seconds).
      const unstamped = `wts-${w.id}-unstamped`;
      tmux(core.socket, 'new-session', '-d', '-s', unstamped, ';', 'set-option', '-t', `=${unstamped}:`, '@wts_owner', core.tmux.ownerId);
      const unstampedAt = Number(tmux(core.socket, 'display-message', '-p', '-t', `=${unstamped}:`, '#{session_created}').trim()) * 1000;
      now = unstampedAt + 30_000;
      assert.deepEqual((await lifecycle.reconcile()).orphansKilled, []);
      now = unstampedAt + 30_001;
      assert.deepEqual((await lifecycle.reconcile()).orphansKilled, [unstamped]);
      assert.deepEqual(tmuxSessions(core.socket), [w.baseSession.name]);
    });

    it('R3: by default the grace is thirty seconds', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      const mark = (name: string, stamp: number) => tmux(core.socket, 'new-session', '-d', '-s', name, ';', 'set-option', '-t', `=${name}:`, '@wts_owner', core.tmux.ownerId, ';', 'set-option', '-t', `=${name}:`, '@wts_created', String(stamp));
      mark(`wts-${w.id}-old`, Date.now() - 40_000);
      mark(`wts-${w.id}-young`, Date.now() - 20_000);
      assert.deepEqual((await core.lifecycle.reconcile()).orphansKilled, [`wts-${w.id}-old`]);
    });

    it('R3: a session another window recorded while this one listed tmux is not reaped', async () => {
      const core = await makeCore({ orphanGraceMs: 0, watchStore: false });
      const w = await readyWorkspace(core, makeRepo());
      const name = `wts-${w.id}-recorded-meanwhile`;
      tmux(core.socket, 'new-session', '-d', '-s', name, ';', 'set-option', '-t', `=${name}:`, '@wts_owner', core.tmux.ownerId);
      const otherWindow = await makeCore({ storageDir: core.storageDir, socket: core.socket });
      const lifecycle = rebuildLifecycle(core, {
        orphanGraceMs: 0,
        tmux: afterListing(core.tmux, () => otherWindow.store.write((tx) => tx.upsertSession({ name, workspaceId: w.id, targetKey: 'shell', label: 'Shell', command: [], createdAt: Date.now(), lost: false }))),
      });
      const report = await lifecycle.reconcile();
      assert.deepEqual(report.orphansKilled, []);
      assert.ok(tmuxSessions(core.socket).includes(name));
    });

    it('R4: a worktree removed outside the extension shows as missing; nothing is deleted; recreate or forget', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await readyWorkspace(core, repo, 'feat/r4');
      const other = await readyWorkspace(core, repo, 'feat/r4b');
      fs.rmSync(w.worktreePath, { recursive: true, force: true });
      fs.rmSync(other.worktreePath, { recursive: true, force: true });
      await core.lifecycle.reconcile();
      assert.equal(core.lifecycle.workspace(w.id)!.status, 'missing');
      assert.ok(core.store.workspace(w.id), 'the row stays');
      assert.equal(git(repo, 'branch', '--list', '--format=%(refname:short)', 'feat/r4').trim(), 'feat/r4');
      await rejects(core.lifecycle.launch(w.id, 'shell'), /missing/);

      // Forgotten first: recreating the other one prunes every missing worktree git still lists.
      assert.ok(git(repo, 'worktree', 'list', '--porcelain').includes(other.worktreePath));
      await core.lifecycle.forgetWorkspace(other.id);
      assert.equal(core.store.workspace(other.id), undefined);
      assert.ok(!git(repo, 'worktree', 'list', '--porcelain').includes(other.worktreePath), "git's record of the missing worktree is pruned");
      assert.equal(git(repo, 'branch', '--list', '--format=%(refname:short)', 'feat/r4b').trim(), 'feat/r4b', 'forgetting keeps the branch');
      assert.ok(!tmuxSessions(core.socket).includes(other.baseSession.name));

      const recreated = await core.lifecycle.retrySetup(w.id);
      assert.equal(recreated.status, 'ready');
      assert.ok(fs.existsSync(path.join(w.worktreePath, 'README.md')));
    });

    it('R4: a workspace whose folder is no longer its worktree can be forgotten; the folder is left alone', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const w = await readyWorkspace(core, repo, 'feat/replaced');
      // Someone removes the worktree and puts an unrelated folder in its place.
      git(repo, 'worktree', 'remove', '--force', w.worktreePath);
      fs.mkdirSync(w.worktreePath);
      fs.writeFileSync(path.join(w.worktreePath, 'unrelated.txt'), 'not ours\n');
      await rejects(core.lifecycle.deleteWorkspace(w.id), /no longer a worktree.*left untouched.*Forget Workspace/);
      assert.equal(core.store.workspace(w.id)!.status, 'ready', 'a refused delete changes nothing');
      await rejects(core.lifecycle.retrySetup(w.id), new RegExp(`failed at the worktree step: ${w.worktreePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} exists and is not a worktree of`));
      assert.deepEqual(fs.readdirSync(w.worktreePath), ['unrelated.txt'], 'the folder is left alone, no marker written');
      await core.lifecycle.forgetWorkspace(w.id);
      assert.equal(core.store.workspace(w.id), undefined);
      assert.equal(fs.readFileSync(path.join(w.worktreePath, 'unrelated.txt'), 'utf8'), 'not ours\n');
    });

    it('R4: forget is refused while the worktree is there and fine; a failed or half-deleted workspace can be forgotten, its folder and branch left', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const fine = await readyWorkspace(core, repo, 'feat/r4-fine');
      const failed = await readyWorkspace(core, repo, 'feat/r4-failed');
      const half = await readyWorkspace(core, repo, 'feat/r4-half');
      await rejects(core.lifecycle.forgetWorkspace(fine.id), /The worktree of "feat\/r4-fine" still exists at .*; delete the workspace instead/);
      await core.store.write((tx) => {
        tx.updateWorkspace(failed.id, { status: 'error', error: 'setup-command: exit 1' });
        tx.updateWorkspace(half.id, { status: 'deletion_failed', error: 'removing the worktree: busy' });
      });
      await core.lifecycle.forgetWorkspace(failed.id);
      await core.lifecycle.forgetWorkspace(half.id);
      assert.deepEqual(core.store.workspaces().map((w) => w.id), [fine.id]);
      for (const w of [failed, half]) {
        assert.ok(fs.existsSync(w.worktreePath), 'its folder is left alone');
        assert.equal(git(repo, 'branch', '--list', '--format=%(refname:short)', w.branch).trim(), w.branch);
      }
      assert.deepEqual(tmuxSessions(core.socket), [fine.baseSession.name]);
    });

    it('R5: without tmux, reconciliation reports why and keeps every row; one that changes nothing does not redraw the tree', async () => {
      const core = await makeCore();
      const w = await readyWorkspace(core, makeRepo());
      await core.lifecycle.launch(w.id, 'shell');
      let changes = 0;
      core.lifecycle.onDidChange(() => changes++);
      await core.lifecycle.reconcile();
      changes = 0;
      await core.lifecycle.reconcile();
      assert.equal(changes, 0);
      core.settings.tmuxPath = path.join(tempDir(), 'no-tmux-here');
      const report = await core.lifecycle.reconcile();
      assert.match(report.tmuxError ?? '', /tmux/i);
      assert.deepEqual({ ...report, tmuxError: undefined }, { interrupted: [], pruned: [], lost: [], orphansKilled: [], tmuxError: undefined });
      assert.equal(core.store.sessions(w.id).length, 1);
    });

    it('R5: reconciliation costs one tmux process and no git process, whatever the number of sessions', async () => {
      const core = await makeCore();
      const repo = makeRepo();
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) {
        const w = await readyWorkspace(core, repo, `feat/r5-${i}`);
        for (let j = 0; j <= i * 2; j++) await core.lifecycle.launch(w.id, 'shell');
        const tmuxBefore = core.exec.calls('tmux');
        const gitBefore = core.exec.calls('git');
        await core.lifecycle.reconcile();
        counts.push(core.exec.calls('tmux') - tmuxBefore, core.exec.calls('git') - gitBefore);
      }
      assert.deepEqual(counts, [1, 0, 1, 0, 1, 0]);
      assert.equal(tmuxSessions(core.socket).length, 3 + 1 + 3 + 5);
    });
  });
});
