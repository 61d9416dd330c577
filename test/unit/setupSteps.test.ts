// C3's steps as the journal records them when the repository file takes part
// (§9): its setup commands, its launches on create, shared folders beside the
// copies; and the short tail a failed setup command is named with.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_CONFIG_FILE } from '../../src/core/repoConfig';
import { makeCore, makeRepo, rejects, runCleanups, tempDir, type TestCore } from '../support/fixtures';

const approve = () => Promise.resolve(true);
const trusted = { trusted: true, approve };

function repoWith(config: unknown): string {
  return makeRepo({ files: { 'README.md': 'x\n', '.gitignore': '*.local\nnode_modules/\n', [REPO_CONFIG_FILE]: JSON.stringify(config, null, 2) } });
}

const steps = (core: TestCore, id: string, step: string) =>
  core.store.events(id).filter((e) => e.step === step).map((e) => `${e.outcome}${e.message ? `: ${e.message}` : ''}`);

describe('the setup steps with a repository file (C3, §9)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('C3: each repository setup command is recorded as it starts, then the step with how many ran', async () => {
    const core = await makeCore();
    const repo = repoWith({ setup: ['echo one', ['sh', '-c', 'echo two']] });
    const progress: string[] = [];
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/steps' }, { ...trusted, onProgress: (m) => progress.push(m) });
    assert.deepEqual(steps(core, w.id, 'setup-command').filter((x) => x !== 'skipped: no setup command'), ['started: echo one', 'started: sh -c echo two', 'ok: 2 command(s) of the repository file']);
    assert.ok(progress.includes('Running echo one…') && progress.includes('Running sh -c echo two…'), progress.join('\n'));
  });

  it('C3: the file\'s setup not run is recorded with why: not approved, or not trusted', async () => {
    const core = await makeCore();
    const repo = repoWith({ setup: ['echo one'] });
    const refused = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/refused' }, { trusted: true, approve: () => Promise.resolve(false) });
    assert.deepEqual(steps(core, refused.id, 'setup-command').slice(-1), [`skipped: ${path.join(repo, REPO_CONFIG_FILE)}: not approved, so its setup was not run`]);
    const untrusted = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/untrusted' }, { trusted: false, approve });
    assert.deepEqual(steps(core, untrusted.id, 'setup-command').slice(-1), [`skipped: ${path.join(repo, REPO_CONFIG_FILE)}: the workspace is not trusted, so its setup was not run`]);
  });

  it('C3: a repository command that fails names itself and the end of its output; the log gets the output', async () => {
    const core = await makeCore();
    const repo = repoWith({ setup: ['echo first', 'echo almost; echo broke >&2; exit 3', 'echo never'] });
    const err = await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/broken' }, trusted), /setup-command step/);
    assert.match(err.message, /: The repository's setup command "echo almost; echo broke >&2; exit 3" exited with code 3: almost\nbroke Retry setup/);
    assert.ok(core.logger.lines.some((l) => l.startsWith('error Output of "echo almost; echo broke >&2; exit 3" for feat/broken:\nalmost')), core.logger.lines.join('\n'));
    const started = steps(core, core.store.workspaces()[0].id, 'setup-command').filter((s) => s.startsWith('started'));
    assert.deepEqual(started, ['started: echo first', 'started: echo almost; echo broke >&2; exit 3']);
    // A quiet failure has no output to name.
    const quiet = repoWith({ setup: ['exit 4'] });
    await rejects(core.lifecycle.createWorkspace({ repoRoot: quiet, branch: 'feat/quiet' }, trusted), /The repository's setup command "exit 4" exited with code 4\. Retry setup/);
    assert.ok(!core.logger.lines.some((l) => l.startsWith('error Output of "exit 4"')));
  });

  it('§9: launches on create are recorded by target; one that fails is named and the workspace stays ready', async () => {
    const core = await makeCore({ settings: { agents: [{ key: 'waits', command: ['sleep', '600'] }] } });
    const repo = repoWith({ launch: [{ target: 'waits', onCreate: true }, { target: 'shell', onCreate: false }, { target: 'nope', onCreate: true }] });
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/launches' }, trusted);
    assert.equal(w.status, 'ready');
    const [recorded] = steps(core, w.id, 'launch-on-create');
    assert.match(recorded, /^failed: nope: Unknown launch target "nope"/);
    assert.ok(core.logger.lines.some((l) => l.startsWith('warn Launching on create in feat/launches failed for nope: Unknown launch target')));
    assert.deepEqual(core.lifecycle.workspace(w.id)!.sessions.map((s) => s.target), ['waits']);
    const fine = repoWith({ launch: [{ target: 'waits', onCreate: true }, { target: 'shell', onCreate: true }, { target: 'nope', onCreate: false }] });
    const v = await core.lifecycle.createWorkspace({ repoRoot: fine, branch: 'feat/fine' }, trusted);
    assert.deepEqual(steps(core, v.id, 'launch-on-create'), ['ok: waits, shell']);
    const none = repoWith({ launch: [{ target: 'shell', onCreate: false }] });
    const n = await core.lifecycle.createWorkspace({ repoRoot: none, branch: 'feat/none' }, trusted);
    assert.deepEqual(steps(core, n.id, 'launch-on-create'), []);
    assert.deepEqual(core.lifecycle.workspace(n.id)!.sessions, []);
  });

  it('C3: a shared folder is linked, not copied into; the copy step names both, and what it refused', async () => {
    const core = await makeCore({ settings: { copyFiles: ['*.local', 'node_modules/**'] } });
    const repo = repoWith({ symlink: ['node_modules', 'escape'] });
    fs.symlinkSync(tempDir(), path.join(repo, 'escape'));
    fs.mkdirSync(path.join(repo, 'node_modules', 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'node_modules', 'pkg', 'index.local'), 'shared\n');
    fs.writeFileSync(path.join(repo, 'a.local'), 'a\n');
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/shared' }, trusted);
    assert.deepEqual(steps(core, w.id, 'copy-files'), ['ok: 1 file(s) copied; linked node_modules; refused escape: resolves outside the repository']);
    assert.ok(fs.lstatSync(path.join(w.worktreePath, 'node_modules')).isSymbolicLink());
    assert.ok(core.logger.lines.includes('warn Not copied into feat/shared: escape: resolves outside the repository'), core.logger.lines.join('\n'));
    // The link is the workspace's setup, not the user's work.
    assert.deepEqual((await core.lifecycle.deletePreflight(w.id)).dirtyFiles, []);
    // Nothing to copy or link: the step says so, and nothing is logged as refused.
    const plain = makeRepo();
    core.settings.copyFiles = [];
    const p = await core.lifecycle.createWorkspace({ repoRoot: plain, branch: 'feat/plain' });
    assert.deepEqual(steps(core, p.id, 'copy-files'), ['skipped: no copyFiles patterns']);
    assert.ok(!core.logger.lines.some((l) => l.startsWith('warn Not copied into feat/plain')));
  });

  it('§10: the new branch is marked as made by us while the next steps run; setup commands start only once it is, and so does ready', async () => {
    // A git that takes half a second over that one config write: the steps after the worktree go on meanwhile.
    const bin = tempDir('wts-slow-git-');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\ncase "$*" in *" config branch."*".wtsCreated "*) sleep 0.5 ;; esac\nexec '${realGit}' "$@"\n`, { mode: 0o755 });
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      const core = await makeCore();
      const readMark = `git config "branch.$WTS_BRANCH.wtsCreated" >> marks.out || echo none >> marks.out`;
      core.settings.setupCommand = ['sh', '-c', readMark];
      const repo = repoWith({ setup: [['sh', '-c', readMark]] });
      const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/marked', baseRef: 'main' }, trusted);
      assert.deepEqual(fs.readFileSync(path.join(w.worktreePath, 'marks.out'), 'utf8').split('\n').filter(Boolean), ['main', 'main']);
      // The repository's commands alone wait for it too.
      core.settings.setupCommand = [];
      const fileOnly = await core.lifecycle.createWorkspace({ repoRoot: repoWith({ setup: [['sh', '-c', readMark]] }), branch: 'feat/file-only', baseRef: 'main' }, trusted);
      assert.equal(fs.readFileSync(path.join(fileOnly.worktreePath, 'marks.out'), 'utf8').trim(), 'main');
      // No setup command: ready waits for the mark all the same.
      const plain = await core.lifecycle.createWorkspace({ repoRoot: makeRepo(), branch: 'feat/plain', baseRef: 'main' });
      assert.equal(execFileSync(realGit, ['-C', plain.worktreePath, 'config', 'branch.feat/plain.wtsCreated'], { encoding: 'utf8' }).trim(), 'main');
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('§10: a branch mark git refuses to write is a warning: the workspace is made and ready all the same', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    // git takes this lock to write its config; while someone holds it, the mark cannot be written.
    fs.writeFileSync(path.join(repo, '.git', 'config.lock'), '');
    const w = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/unmarked', baseRef: 'main' });
    assert.equal(w.status, 'ready');
    assert.ok(core.logger.lines.some((l) => /^warn could not record that "feat\/unmarked" was created: .*config/.test(l)), core.logger.lines.join('\n'));
    fs.rmSync(path.join(repo, '.git', 'config.lock'));
    assert.throws(() => execFileSync('git', ['-C', repo, 'config', 'branch.feat/unmarked.wtsCreated'], { stdio: 'pipe' }));
  });

  it('§9: the setup command sees WTS_* always and the file\'s env only once that file is approved; it is recorded as the setup process while it runs', async () => {
    const core = await makeCore();
    const repo = repoWith({ env: { GREETING: 'hi ${WTS_BRANCH}' } });
    core.settings.setupCommand = ['sh', '-c', 'echo "$WTS_BRANCH|$GREETING" > seen.out; sleep 1'];
    let during: string | undefined;
    const creating = core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/env' }, trusted);
    const watch = setInterval(() => (during ??= core.store.workspaces().find((r) => r.setupProcess)?.setupProcess), 20);
    const w = await creating.finally(() => clearInterval(watch));
    assert.equal(fs.readFileSync(path.join(w.worktreePath, 'seen.out'), 'utf8'), 'feat/env|hi feat/env\n');
    assert.match(during ?? 'never recorded', /^\d+:\d+$/);
    assert.equal(core.store.workspace(w.id)!.setupProcess, undefined, 'cleared once it ended');
    // Another repository with the same file: approvals are per repository.
    const other = repoWith({ env: { GREETING: 'hi ${WTS_BRANCH}' } });
    const unapproved = await core.lifecycle.createWorkspace({ repoRoot: other, branch: 'feat/no-env' }, { trusted: true, approve: () => Promise.resolve(false) });
    assert.equal(fs.readFileSync(path.join(unapproved.worktreePath, 'seen.out'), 'utf8'), 'feat/no-env|\n');
  });

  it('C3: the tail keeps a line as a terminal shows it: its indent, text before a doubled carriage return, a 160-character line whole; an open OSC or a bare escape leaves nothing', async () => {
    const core = await makeCore();
    const repo = makeRepo();
    const line160 = 'y'.repeat(160);
    core.settings.setupCommand = ['sh', '-c', `printf '\\033]0;title left open\\nreal line\\n  indented\\ndone\\r\\r\\n\\0337\\033=\\n${line160}\\n'; exit 2`];
    const err = await rejects(core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/tail' }), /setup-command step/);
    assert.match(err.message, new RegExp(`exited with code 2: real line\\n  indented\\ndone\\n${line160} Retry setup`));
    // Cancelled between steps: the message says so.
    core.settings.setupCommand = ['sleep', '30'];
    const abort = new AbortController();
    const cancelled = core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/cancel' }, { signal: abort.signal, onProgress: (m) => m.startsWith('Running') && abort.abort() });
    await rejects(cancelled, /failed at the setup-command step: Setup was cancelled\. Retry setup/);
  });
});
