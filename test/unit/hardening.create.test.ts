// Issue 8, the create and launch side: hostile repository content, settings
// that cannot work, and operations that must settle. Real git, real tmux on a
// private socket, real files.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { git, makeCore, makeRepo, MemoryLogger, onCleanup, privateSocket, projectRoot, rejects, runCleanups, tempDir, testEnv, tmux, waitFor, wasmPath } from '../support/fixtures';

/** Fails the test instead of hanging it: what a hang looks like to the user. */
function settlesWithin<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}

const branches = (repo: string) => git(repo, 'branch', '--format=%(refname:short)').trim().split('\n').sort();

describe('hardening: create and launch (issue 8)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('security: copyFiles never writes through a folder the branch committed as a link to outside', async () => {
    const outside = tempDir('wts-outside-');
    const repo = makeRepo({ files: { '.gitignore': '*.local\n', 'README.md': 'x\n' } });
    // The attacker's branch: `conf` is a symbolic link to a folder outside the repository.
    git(repo, 'checkout', '-q', '-b', 'evil');
    fs.symlinkSync(outside, path.join(repo, 'conf'));
    git(repo, 'add', 'conf');
    git(repo, 'commit', '-q', '-m', 'conf is a link');
    git(repo, 'checkout', '-q', 'main');
    // The user's ignored secret in the main worktree.
    fs.mkdirSync(path.join(repo, 'conf'));
    fs.writeFileSync(path.join(repo, 'conf', 'db.local'), 'password=hunter2\n');
    const core = await makeCore({ settings: { copyFiles: ['conf/*.local'] } });

    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'evil', existingBranch: true });

    assert.equal(w.status, 'ready');
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing was written outside the repository');
    const event = core.lifecycle.events(w.id).find((e) => e.step === 'copy-files');
    assert.match(event?.message ?? '', /refused conf\/db\.local: its folder conf in the new worktree is a symbolic link/);
    assert.ok(core.logger.lines.some((l) => /warn Not copied into evil: conf\/db\.local/.test(l)));
  });

  it('security: an ignored source that is itself a link is not copied as its target\'s content', async () => {
    const outside = tempDir('wts-outside-');
    fs.writeFileSync(path.join(outside, 'id_rsa'), 'PRIVATE KEY\n');
    const repo = makeRepo({ files: { '.gitignore': '*.local\n', 'README.md': 'x\n' } });
    fs.symlinkSync(path.join(outside, 'id_rsa'), path.join(repo, 'key.local'));
    fs.writeFileSync(path.join(repo, 'plain.local'), 'ok\n');
    const core = await makeCore({ settings: { copyFiles: ['*.local'] } });

    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/copy' });

    assert.equal(fs.existsSync(path.join(w.worktreePath, 'key.local')), false);
    assert.equal(fs.readFileSync(path.join(w.worktreePath, 'plain.local'), 'utf8'), 'ok\n');
    assert.match(core.lifecycle.events(w.id).find((e) => e.step === 'copy-files')?.message ?? '', /1 file\(s\) copied; refused key\.local: a symbolic link/);
  });

  it('deadline: creating a branch whose workspace is in error settles, and so does a retry afterwards', async () => {
    const repo = makeRepo();
    const core = await makeCore({ settings: { setupCommand: ['sh', '-c', 'exit 3'] } });
    await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/err' }), /exited with code 3/);
    const [w] = core.store.workspaces();
    assert.equal(w.status, 'error');

    core.settings.setupCommand = [];
    const again = await settlesWithin(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/err' }), 10_000, 'create of an errored workspace');
    assert.equal(again.status, 'ready');
    assert.equal(again.id, w.id, 'the same workspace, reopened (C2)');
    const retried = await settlesWithin(core.lifecycle.retrySetup(w.id), 10_000, 'retry after it');
    assert.equal(retried.status, 'ready');
  });

  it('deadline: creating a branch whose worktree went missing settles and recreates it', async () => {
    const repo = makeRepo();
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/missing' });
    fs.rmSync(w.worktreePath, { recursive: true, force: true });
    const again = await settlesWithin(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/missing' }), 10_000, 'create of a missing workspace');
    assert.equal(again.status, 'ready');
    assert.ok(fs.existsSync(path.join(again.worktreePath, 'README.md')));
  });

  describe('stuck or misleading: a worktree root that cannot work is refused before any git work', () => {
    async function refuses(worktreeRoot: string, re: RegExp) {
      const repo = makeRepo();
      const core = await makeCore({ settings: { worktreeRoot } });
      await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/x' }), re);
      assert.deepEqual(core.store.workspaces(), [], 'no row');
      assert.deepEqual(branches(repo), ['main'], 'no branch left behind');
      assert.equal(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length, 1);
      return repo;
    }

    it('"." (inside the repository)', async () => {
      const repo = await refuses('.', /worktreeRoot \("\."\) is inside the repository/);
      assert.equal(git(repo, 'status', '--porcelain').trim(), '', 'nothing was created inside the repository');
    });

    it('"~user/…"', async () => {
      await refuses('~nobody/worktrees', /"~user" paths are not supported/);
    });

    it('a file', async () => {
      const file = path.join(tempDir(), 'a-file');
      fs.writeFileSync(file, '');
      await refuses(file, new RegExp(`cannot be created in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it \\(or a folder above it\\) is a file`));
      await refuses(path.join(file, 'below'), /is a file/);
    });

    it('a read-only folder', async function () {
      const mount = tempDir('wts-ro-');
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', mount], { stdio: 'ignore' });
      } catch {
        this.skip(); // mounting needs root; permission bits alone do not stop root
      }
      onCleanup(() => execFileSync('umount', [mount], { stdio: 'ignore' }));
      await refuses(mount, /read-only file system/);
    });
  });

  it('C1: a branch that clashes with another branch\'s folder is refused before any git work', async () => {
    const repo = makeRepo();
    git(repo, 'branch', 'feature/farewell');
    git(repo, 'branch', 'fix');
    const core = await makeCore();
    await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feature' }), /A branch "feature\/farewell" exists, so "feature" cannot be a branch too/);
    await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'fix/typo' }), /A branch "fix" exists, so "fix\/typo" cannot be a branch too/);
    assert.deepEqual(core.store.workspaces(), []);
    assert.deepEqual(branches(repo), ['feature/farewell', 'fix', 'main']);
  });

  it('C1: among many branches in the same folder, one git process still tells that a branch exists and what it clashes with', async () => {
    const repo = makeRepo();
    // Siblings that sort before the branches asked about: a parent's pattern matches them all.
    const refs = Array.from({ length: 120 }, (_, i) => `create refs/heads/team/a${String(i).padStart(3, '0')} HEAD`);
    execFileSync('git', ['-C', repo, 'update-ref', '--stdin'], { input: `${refs.join('\n')}\n` });
    git(repo, 'branch', 'team/zed');
    git(repo, 'branch', 'team/young/x');
    const core = await makeCore();
    const calls = core.exec.calls('git');
    assert.deepEqual(await core.git.branchRefs(repo, 'team/zed'), { exists: true });
    assert.equal(core.exec.calls('git') - calls, 1);
    assert.match((await core.git.branchRefs(repo, 'team/zed/sub')).clash ?? '', /A branch "team\/zed" exists, so "team\/zed\/sub" cannot be a branch too .* such as "team-zed-sub"\.$/);
    // Every folder above it counts, not only the nearest.
    assert.match((await core.git.branchRefs(repo, 'team/zed/sub/deeper')).clash ?? '', /A branch "team\/zed" exists, so "team\/zed\/sub\/deeper" cannot/);
    assert.match((await core.git.branchRefs(repo, 'team/young')).clash ?? '', /A branch "team\/young\/x" exists, so "team\/young" cannot be a branch too .* such as "team\/young-2"\.$/);
    assert.deepEqual(await core.git.branchRefs(repo, 'team/zeds'), { exists: false });
    // An existing branch asked for without saying so opens as existing; one that is not there is made.
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'team/zed' });
    assert.deepEqual([w.branch, w.createdBranch], ['team/zed', false]);
  });

  it('C3: a new workspace whose worktree cannot be made leaves nothing behind', async () => {
    const repo = makeRepo();
    // git keeps its worktrees' private folders here; a file in its place makes `worktree add` fail after `-b`.
    fs.writeFileSync(path.join(repo, '.git', 'worktrees'), 'not a folder');
    const core = await makeCore();
    await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/fails' }), /Could not create the worktree for "feat\/fails": .* Nothing was changed\./);
    assert.deepEqual(core.store.workspaces(), [], 'no row');
    assert.deepEqual(branches(repo), ['main'], 'the branch made for it is gone');
    assert.equal(fs.existsSync(path.join(`${repo}.worktrees`, 'feat-fails')), false);
  });

  it('the base terminal is not shown running when a session we did not start holds its name', async () => {
    const repo = makeRepo();
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/foreign' });
    tmux(core.socket, 'kill-session', '-t', `=${w.baseSession.name}`);
    // Someone else's session, same name, no owner marker.
    tmux(core.socket, 'new-session', '-d', '-s', w.baseSession.name);
    await core.lifecycle.reconcile();
    assert.equal(core.lifecycle.workspace(w.id)!.baseSession.running, false);
    await rejects(core.lifecycle.ensureBaseSession(w.id), /did not start holds the name/);
    assert.doesNotMatch(tmux(core.socket, 'show-options', '-t', `=${w.baseSession.name}:`), /@wts_owner/, 'the foreign session was left alone, unmarked');
  });

  it('stuck or misleading: concurrent launches of one target each get a name of their own', async () => {
    const repo = makeRepo();
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/many' });
    const sessions = await Promise.all(Array.from({ length: 5 }, () => core.lifecycle.launch(w.id, 'shell')));
    const names = sessions.map((s) => s.name).sort();
    assert.equal(new Set(names).size, 5, names.join(', '));
    assert.deepEqual(core.store.sessions(w.id).map((s) => s.name).sort(), names);
  });

  it('stuck or misleading: an agent whose key has a "." launches under a name tmux keeps, marked and recorded', async () => {
    const repo = makeRepo();
    const core = await makeCore({ settings: { agents: [{ key: 'my.agent', label: 'Mine', command: ['sleep', '60'] }] } });
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/dot' });
    const s = await core.lifecycle.launch(w.id, 'my.agent');
    assert.equal(s.name, `${w.baseSession.name}-my_agent`);
    assert.equal(tmux(core.socket, 'show-options', '-v', '-t', `=${s.name}:`, '@wts_owner').trim(), core.tmux.ownerId);
    assert.deepEqual(core.store.sessions(w.id).map((r) => r.targetKey), ['my.agent']);
  });

  describe('deadline: the setup command', () => {
    /** A sleep duration no other process uses, so its processes can be found by their command line. */
    const uniqueSleep = () => `1000.${process.pid}${Math.floor(Math.random() * 1e6)}`;

    /** Pids of processes whose command line holds `marker`, from /proc. */
    function processesWith(marker: string): number[] {
      const pids: number[] = [];
      for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
        } catch { /* ended meanwhile */ }
      }
      return pids;
    }

    it('that leaves a child holding its output does not keep the workspace creating', async () => {
      const marker = uniqueSleep();
      const repo = makeRepo();
      const core = await makeCore({ settings: { setupCommand: ['sh', '-c', `sleep ${marker} & exit 0`] } });
      onCleanup(() => processesWith(marker).forEach((pid) => process.kill(pid, 'SIGKILL')));
      const w = await settlesWithin(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/held' }), 15_000, 'create');
      assert.equal(w.status, 'ready');
    });

    it('that runs past its deadline is stopped with everything it started, and the row says so', async () => {
      const marker = uniqueSleep();
      const repo = makeRepo();
      const core = await makeCore({ settings: { setupCommand: ['sh', '-c', `sleep ${marker} & sleep ${marker}; wait`], setupTimeoutMinutes: 0.02 } });
      onCleanup(() => processesWith(marker).forEach((pid) => process.kill(pid, 'SIGKILL')));
      await rejects(settlesWithin(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/slow' }), 15_000, 'create'), /did not finish within 0\.02 min \(worktreeSessions\.setupTimeoutMinutes\) and was stopped/);
      assert.equal(core.store.workspaces()[0].status, 'error');
      await waitFor(() => processesWith(marker).length === 0, 'the setup command\'s processes to end', 5_000);
    });

    it('cancelled ends its whole process group', async () => {
      const marker = uniqueSleep();
      const repo = makeRepo();
      const core = await makeCore({ settings: { setupCommand: ['sh', '-c', `sleep ${marker} & sleep ${marker}; wait`] } });
      onCleanup(() => processesWith(marker).forEach((pid) => process.kill(pid, 'SIGKILL')));
      const abort = new AbortController();
      const created = core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/cancel' }, { signal: abort.signal });
      await waitFor(() => processesWith(marker).length >= 2, 'the setup command to start');
      abort.abort();
      await rejects(settlesWithin(created, 15_000, 'create'), /cancelled/);
      await waitFor(() => processesWith(marker).length === 0, 'the setup command\'s processes to end', 5_000);
    });

    it('stuck or misleading: 50 MB of output leaves a short message and row; the log gets its end, capped', async () => {
      const repo = makeRepo();
      const core = await makeCore({ settings: { setupCommand: ['sh', '-c', 'head -c 52428800 /dev/zero | tr "\\0" "x" | fold -w 100; echo the real reason; exit 7'] } });
      const err = await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/loud' }), /exited with code 7/);
      assert.ok(err.message.length < 2_000, `message is ${err.message.length} characters`);
      assert.match(err.message, /the real reason/);
      const row = core.store.workspaces()[0];
      assert.ok((row.error ?? '').length < 2_000, `row error is ${(row.error ?? '').length} characters`);
      const logged = core.logger.lines.filter((l) => l.includes('Output of the setup command')).join('');
      assert.ok(logged.length > 10_000 && logged.length < 100_000, `logged ${logged.length} characters`);
      assert.ok(fs.statSync(path.join(core.storageDir, 'worktree-sessions.db')).size < 1024 * 1024);
    });
  });

  it('stuck or misleading: while tmux cannot be reached, recorded sessions show as unknown instead of vanishing (issue 13)', async () => {
    const repo = makeRepo();
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/unknown' });
    const s = await core.lifecycle.launch(w.id, 'shell');
    core.settings.tmuxPath = path.join(tempDir(), 'no-tmux-here');
    const report = await core.lifecycle.reconcile();
    assert.ok(report.tmuxError);
    assert.deepEqual(core.lifecycle.workspace(w.id)!.sessions.map((x) => [x.name, x.state]), [[s.name, 'unknown']]);
    assert.equal(core.store.sessions(w.id).length, 1, 'the row is kept');
    core.settings.tmuxPath = 'tmux';
    await core.lifecycle.reconcile();
    assert.notEqual(core.lifecycle.workspace(w.id)!.sessions[0].state, 'unknown');
  });

  it('stuck or misleading: a creating row whose pid now belongs to an unrelated process is judged interrupted, and can be retried', async () => {
    const repo = makeRepo();
    const core = await makeCore();
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/reused' });
    // A live process with the recorded pid, but not the one that wrote the row (pid reuse): its start time differs.
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    onCleanup(() => unrelated.kill('SIGKILL'));
    await core.store.write((tx) => tx.updateWorkspace(w.id, { status: 'creating', opPid: unrelated.pid, opStartTime: '1' }));
    const report = await core.lifecycle.reconcile();
    assert.deepEqual(report.interrupted, [w.id]);
    assert.equal(core.store.workspace(w.id)!.status, 'error');
    assert.equal((await core.lifecycle.retrySetup(w.id)).status, 'ready');
  });

  it('stuck or misleading: a setup command still running after its window was killed is reported as such, and blocks a retry', async () => {
    const repo = makeRepo();
    const storageDir = tempDir('wts-storage-');
    const socket = privateSocket();
    const marker = `1000.${process.pid}${Math.floor(Math.random() * 1e6)}`;
    // A window (a child process) creates the workspace; its setup command outlives it.
    const child = spawn(process.execPath, [path.join(projectRoot, 'out/test/support/createChild.js'), storageDir, socket, repo, 'feat/orphaned-setup', marker], { stdio: ['ignore', 'pipe', 'inherit'], env: testEnv() });
    onCleanup(() => {
      child.kill('SIGKILL');
      for (const pid of sleepers(marker)) process.kill(pid, 'SIGKILL');
    });
    await waitFor(() => sleepers(marker).length > 0, 'the setup command to start', 15_000);
    await waitFor(async () => {
      const { OwnershipStore } = await import('../../src/core/store');
      const { store } = await OwnershipStore.open(storageDir, { wasmPath, logger: new MemoryLogger(), watch: false });
      try {
        return store.workspaces()[0]?.setupProcess;
      } finally {
        store.dispose();
      }
    }, 'the setup command to be recorded');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const core = await makeCore({ storageDir, socket });
    const report = await core.lifecycle.start();
    const [w] = core.store.workspaces();
    assert.deepEqual(report.interrupted, [w.id]);
    assert.match(w.error ?? '', /its setup command \(process \d+\) is still running in /);
    await rejects(core.lifecycle.retrySetup(w.id), /is still running from a window that closed/);
    for (const pid of sleepers(marker)) process.kill(pid, 'SIGKILL');
  });
});

/** Pids of `sleep <marker>` processes, from /proc. */
function sleepers(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8') === `sleep\0${marker}\0`) pids.push(Number(entry));
    } catch { /* ended meanwhile */ }
  }
  return pids;
}
