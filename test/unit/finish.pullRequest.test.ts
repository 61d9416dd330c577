// SPEC §10, pull requests: a bare repository as the remote (reached through
// git's url.<base>.insteadOf, so the remote's configured URL is a GitHub one),
// and a fake GitHub CLI on PATH — a shell script that records its argv.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { git, makeCore, makeRepo, rejects, runCleanups, tempDir, testEnv, type TestCore } from '../support/fixtures';

const PR_URL = 'https://github.com/acme/widget/pull/17';

interface Remote {
  repo: string;
  bare: string;
}

/** A repository whose origin is https://github.com/acme/widget.git, really a bare repository next to it. */
function repoWithRemote(): Remote {
  const parent = tempDir();
  const bare = path.join(parent, 'widget.git');
  git(parent, 'init', '-q', '--bare', '-b', 'main', bare);
  const repo = makeRepo({ parent });
  git(repo, 'remote', 'add', 'origin', 'https://github.com/acme/widget.git');
  git(repo, 'config', `url.${path.join(parent, 'widget')}.insteadOf`, 'https://github.com/acme/widget');
  git(repo, 'push', '-q', 'origin', 'main');
  return { repo, bare };
}

/** A folder holding a fake `gh`; `signedIn` decides its answer to `gh auth status`. Returns the folder and its argv log. */
function fakeGh(signedIn: boolean): { bin: string; log: string } {
  const bin = tempDir('wts-fake-gh-');
  const log = path.join(bin, 'argv.log');
  const script = [
    '#!/bin/sh',
    `for a in "$@"; do printf '%s\\n' "$a" >> '${log}'; done`,
    `echo '--' >> '${log}'`,
    'case "$1" in',
    signedIn ? '  auth) echo "Logged in to github.com"; exit 0 ;;' : '  auth) echo "You are not logged into any GitHub hosts. Run gh auth login to authenticate." >&2; exit 1 ;;',
    `  pr) echo "Creating pull request for feat/a into main in acme/widget"; echo; echo "${PR_URL}"; exit 0 ;;`,
    'esac',
    'exit 2',
  ].join('\n');
  fs.writeFileSync(path.join(bin, 'gh'), `${script}\n`, { mode: 0o755 });
  return { bin, log };
}

/** The recorded gh calls, each as its argv. */
function ghCalls(log: string): string[][] {
  if (!fs.existsSync(log)) return [];
  return fs.readFileSync(log, 'utf8').split('--\n').filter(Boolean).map((c) => c.trim().split('\n'));
}

function commit(cwd: string, file: string, content: string): void {
  fs.writeFileSync(path.join(cwd, file), content);
  git(cwd, 'add', '--', file);
  git(cwd, 'commit', '-q', '-m', `Change ${file}`);
}

/** A core whose PATH finds only the given extra folder's programs first. */
function coreWithPath(extra?: string): Promise<TestCore> {
  const env = testEnv();
  // Without a fake, no folder that holds a real gh may be on PATH either.
  const basePath = (env.PATH ?? '').split(':').filter((d) => d && !fs.existsSync(path.join(d, 'gh'))).join(':');
  return makeCore({ env: { ...env, PATH: extra ? `${extra}:${basePath}` : basePath } });
}

describe('finishing: pull requests (SPEC §10)', function () {
  this.timeout(30_000);
  afterEach(runCleanups);

  it('pushes the branch with its upstream set, then creates the pull request with a signed-in GitHub CLI', async () => {
    const { repo, bare } = repoWithRemote();
    const gh = fakeGh(true);
    const core = await coreWithPath(gh.bin);
    const ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/a' });
    commit(ws.worktreePath, 'feature.txt', 'feature\n');

    const result = await core.lifecycle.createPullRequest(ws.id);
    assert.deepEqual({ url: result.url, via: result.via }, { url: PR_URL, via: 'gh' });
    assert.equal(git(bare, 'rev-parse', 'refs/heads/feat/a').trim(), git(ws.worktreePath, 'rev-parse', 'HEAD').trim(), 'the remote has the branch');
    assert.equal(git(ws.worktreePath, 'rev-parse', '--abbrev-ref', '@{upstream}').trim(), 'origin/feat/a', 'the upstream is set');
    assert.deepEqual(ghCalls(gh.log), [
      ['auth', 'status', '--hostname', 'github.com'],
      ['pr', 'create', '--repo', 'github.com/acme/widget', '--head', 'feat/a', '--base', 'main', '--fill'],
    ]);
  });

  it('without a signed-in GitHub CLI, pushes and returns the compare URL', async () => {
    const { repo, bare } = repoWithRemote();
    const gh = fakeGh(false);
    const core = await coreWithPath(gh.bin);
    const ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/a' });
    commit(ws.worktreePath, 'feature.txt', 'feature\n');

    const result = await core.lifecycle.createPullRequest(ws.id);
    assert.equal(result.url, 'https://github.com/acme/widget/compare/main...feat/a?expand=1');
    assert.equal(result.via, 'compare');
    assert.match(result.note ?? '', /not signed in to github\.com/);
    assert.deepEqual(ghCalls(gh.log), [['auth', 'status', '--hostname', 'github.com']], 'gh was asked only whether it is signed in');
    assert.equal(git(bare, 'rev-parse', 'refs/heads/feat/a').trim(), git(ws.worktreePath, 'rev-parse', 'HEAD').trim());
  });

  it('without the GitHub CLI at all, returns the compare URL', async () => {
    const { repo } = repoWithRemote();
    const core = await coreWithPath();
    const ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/b' });
    commit(ws.worktreePath, 'b.txt', 'b\n');
    const result = await core.lifecycle.createPullRequest(ws.id);
    assert.deepEqual({ url: result.url, via: result.via, note: result.note }, { url: 'https://github.com/acme/widget/compare/main...feat/b?expand=1', via: 'compare', note: undefined });
  });

  it('refuses a branch with no commits of its own, and pushes nothing', async () => {
    const { repo, bare } = repoWithRemote();
    const core = await coreWithPath();
    const ws = await core.lifecycle.createWorkspace({ repoRoot: repo, branch: 'feat/empty' });
    await rejects(core.lifecycle.createPullRequest(ws.id), /no commits that "main" does not have/);
    assert.equal(git(bare, 'branch', '--list', 'feat/empty'), '');
  });

  it('createWorkspaceFromPullRequest fetches refs/pull/N/head into a new branch pr/N, by number or by URL', async () => {
    const { repo, bare } = repoWithRemote();
    git(repo, 'checkout', '-q', '-b', 'contributor');
    commit(repo, 'contribution.txt', 'from a fork\n');
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    git(repo, 'push', '-q', 'origin', 'contributor');
    git(bare, 'update-ref', 'refs/pull/5/head', head);
    git(bare, 'update-ref', '-d', 'refs/heads/contributor');
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'branch', '-q', '-D', 'contributor');
    git(repo, 'update-ref', '-d', 'refs/remotes/origin/contributor');
    const core = await coreWithPath();

    const ws = await core.lifecycle.createWorkspaceFromPullRequest(repo, 5);
    assert.equal(ws.branch, 'pr/5');
    assert.equal(ws.status, 'ready');
    assert.equal(ws.createdBranch, true);
    assert.equal(ws.baseRef, 'origin/main', 'its base is what the pull request targets');
    assert.equal(git(ws.worktreePath, 'rev-parse', 'HEAD').trim(), head);
    assert.equal(fs.readFileSync(path.join(ws.worktreePath, 'contribution.txt'), 'utf8'), 'from a fork\n');
    assert.deepEqual(await core.lifecycle.aheadBehind(ws.id), { ahead: 1, behind: 0 });
    assert.equal(git(repo, 'config', '--get', 'branch.pr/5.wtsCreated').trim(), 'origin/main');

    const again = await core.lifecycle.createWorkspaceFromPullRequest(repo, 'https://github.com/acme/widget/pull/5');
    assert.equal(again.id, ws.id, 'the URL names the same pull request: its workspace is reopened (C2)');
    assert.equal(core.lifecycle.list().length, 1);
  });

  it('createWorkspaceFromPullRequest refuses an unknown pull request, a foreign repository and what is not a pull request', async () => {
    const { repo } = repoWithRemote();
    const core = await coreWithPath();
    await rejects(core.lifecycle.createWorkspaceFromPullRequest(repo, '#99'), /Pull request #99 was not found on origin/);
    await rejects(core.lifecycle.createWorkspaceFromPullRequest(repo, 'https://github.com/someone/else/pull/1'), /No remote of .* points at github\.com\/someone\/else/);
    for (const bad of ['--upload-pack=touch /tmp/x', '1 2', 'refs/pull/1/head', -3]) {
      await rejects(core.lifecycle.createWorkspaceFromPullRequest(repo, bad), /is not a pull request/);
    }
    assert.deepEqual(core.lifecycle.list(), []);
    assert.equal(git(repo, 'for-each-ref', 'refs/worktree-sessions/pull/'), '');
  });
});
