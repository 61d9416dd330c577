import fs from 'node:fs';
import type { Exec } from '../process/runner';
import { UserError, type WorkspaceRecord, type WorkspaceView } from '../model';
import type { LifecycleContext } from '../lifecycle/context';
import { createWorkspace } from '../lifecycle/create';
import { errorMessage, type OperationOptions } from '../lifecycle/types';
import { findOnPath } from '../targets';
import { markCreatedBranch } from './createdBranches';
import { gitOk, gitRun, NETWORK_TIMEOUT_MS, nulFields } from './gitCalls';
import { compareUrl, parsePullRequest, parseRemoteUrl, sameRepository, type RemoteRepository } from './remoteUrl';
import { aheadBehind } from './review';

export interface PullRequestResult {
  url: string;
  /** `gh`: the GitHub CLI created it (or found it open); `compare`: the host's page to create it. */
  via: 'gh' | 'compare';
  remote: string;
  /** The branch on the remote. */
  remoteBranch: string;
  /** The pull request was already open. */
  existing?: boolean;
  /** Why the GitHub CLI was not used, when it is installed. */
  note?: string;
}

export interface PullRequestOptions {
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** What the GitHub CLI gets: no prompt, no update check, no colour in what is parsed. */
function ghEnv(ctx: LifecycleContext): Record<string, string | undefined> {
  return { ...ctx.env, GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

/**
 * SPEC §10: pushes the workspace's branch (setting its upstream), then creates
 * the pull request with the GitHub CLI when it is installed and signed in for
 * the remote's host; otherwise returns the host's compare page.
 */
export async function createPullRequest(ctx: LifecycleContext, id: string, options: PullRequestOptions = {}): Promise<PullRequestResult> {
  ctx.requireWorkspace(id);
  return ctx.guards.inTurn(`workspace:${id}`, () => {
    const w = ctx.requireWorkspace(id);
    return ctx.guards.whileBusy(id, 'pushing', () => pullRequestNow(ctx, w, options));
  });
}

async function pullRequestNow(ctx: LifecycleContext, w: WorkspaceRecord, options: PullRequestOptions): Promise<PullRequestResult> {
  const { exec, logger } = ctx.deps;
  const progress = options.onProgress ?? (() => undefined);
  if (w.status !== 'ready') throw new UserError(`"${w.branch}" is ${w.status.replace('_', ' ')}; only a ready workspace can be pushed.`);
  if (!fs.existsSync(w.worktreePath)) throw new UserError(`The worktree of "${w.branch}" is missing (${w.worktreePath}).`);
  const remotes = await listRemotes(exec, w.repoRoot);
  const remote = await pushRemote(exec, w, remotes);
  const repository = parseRemoteUrl(remotes.get(remote) ?? '');
  const base = await pullRequestBase(exec, w, [...remotes.keys()]);
  const counts = await aheadBehind(exec, w);
  if (counts && counts.ahead === 0) {
    throw new UserError(`"${w.branch}" has no commits that "${w.baseRef}" does not have; commit your work first.`);
  }

  const remoteBranch = await upstreamBranch(exec, w, remote);
  progress(`Pushing "${w.branch}" to ${remote}…`);
  const push = await gitRun(exec, w.worktreePath, ['push', '--set-upstream', '--end-of-options', remote, `refs/heads/${w.branch}:refs/heads/${remoteBranch}`], { timeoutMs: NETWORK_TIMEOUT_MS, signal: options.signal });
  if (push.exitCode !== 0) {
    const why = push.exitCode === -1 && !push.stderr ? `no answer within ${NETWORK_TIMEOUT_MS / 1000} s` : lastLines(push.stderr || push.stdout);
    throw new UserError(`Pushing "${w.branch}" to ${remote} failed: ${why}. Nothing else was done.`);
  }
  logger.info(`Pushed ${w.branch} to ${remote}/${remoteBranch}.`);

  let note: string | undefined;
  if (repository?.kind === 'github') {
    const gh = await githubCli(ctx, repository);
    if (gh.ok) {
      progress('Creating the pull request with the GitHub CLI…');
      const created = await ghCreate(ctx, gh.path, w, repository, remoteBranch, base, options.signal);
      if ('url' in created) return { url: created.url, via: 'gh', remote, remoteBranch, ...(created.existing ? { existing: true } : {}) };
      note = created.problem;
    } else {
      note = gh.problem;
    }
    if (note) logger.info(`Not using the GitHub CLI: ${note}`);
  }
  const url = repository && compareUrl(repository, remoteBranch, base);
  if (!url) {
    throw new UserError(`Pushed "${w.branch}" to ${remote}, but ${remotes.get(remote) ? `its URL (${redact(remotes.get(remote)!)})` : 'it'} is not a GitHub, GitLab or Bitbucket repository, so no pull-request page can be opened. Create the pull request on the host.`);
  }
  return { url, via: 'compare', remote, remoteBranch, ...(note ? { note } : {}) };
}

/** Remote name → its (fetch) URL. */
export async function listRemotes(exec: Exec, repo: string): Promise<Map<string, string>> {
  const r = await gitRun(exec, repo, ['config', '-z', '--get-regexp', '^remote\\..*\\.url$']);
  const out = new Map<string, string>();
  if (r.exitCode !== 0) return out;
  for (const entry of nulFields(r.stdout)) {
    const nl = entry.indexOf('\n');
    const key = entry.slice(0, nl < 0 ? entry.length : nl);
    const name = key.slice('remote.'.length, -'.url'.length);
    // A name that could read as an option or a path is not offered to git.
    if (REMOTE_NAME.test(name) && !out.has(name)) out.set(name, nl < 0 ? '' : entry.slice(nl + 1));
  }
  return out;
}

/** The branch's configured remote, else `origin`, else the only remote. */
async function pushRemote(exec: Exec, w: WorkspaceRecord, remotes: Map<string, string>): Promise<string> {
  const configured = (await gitRun(exec, w.repoRoot, ['config', '--get', `branch.${w.branch}.remote`])).stdout.trim();
  if (configured && remotes.has(configured)) return configured;
  if (remotes.has('origin')) return 'origin';
  if (remotes.size === 1) return [...remotes.keys()][0];
  if (!remotes.size) throw new UserError(`${w.repoRoot} has no remote to push "${w.branch}" to. Add one (git remote add origin <url>) first.`);
  throw new UserError(`${w.repoRoot} has several remotes and none is "origin"; set the one for "${w.branch}" with git branch --set-upstream-to, or push it once by hand.`);
}

/** The branch's name on the remote: its upstream's, when it tracks one there, else its own. */
async function upstreamBranch(exec: Exec, w: WorkspaceRecord, remote: string): Promise<string> {
  const [r, m] = await Promise.all([
    gitRun(exec, w.repoRoot, ['config', '--get', `branch.${w.branch}.remote`]),
    gitRun(exec, w.repoRoot, ['config', '--get', `branch.${w.branch}.merge`]),
  ]);
  const merge = m.stdout.trim();
  if (r.stdout.trim() === remote && merge.startsWith('refs/heads/') && merge.length > 'refs/heads/'.length) {
    const name = merge.slice('refs/heads/'.length);
    const ok = await gitRun(exec, w.repoRoot, ['check-ref-format', '--branch', name]);
    if (ok.exitCode === 0) return name;
  }
  return w.branch;
}

/** The pull request's target branch: the base as a branch name (without its remote), when it is one. */
async function pullRequestBase(exec: Exec, w: WorkspaceRecord, remotes: readonly string[]): Promise<string | undefined> {
  const ref = w.baseRef.replace(/^refs\/(heads|remotes)\//, '');
  for (const remote of remotes) {
    if (ref.startsWith(`${remote}/`) && (await gitRun(exec, w.repoRoot, ['show-ref', '--verify', '--quiet', `refs/remotes/${ref}`])).exitCode === 0) return ref.slice(remote.length + 1);
  }
  const local = await gitRun(exec, w.repoRoot, ['show-ref', '--verify', '--quiet', `refs/heads/${ref}`]);
  return local.exitCode === 0 ? ref : undefined;
}

/** Whether the GitHub CLI can create pull requests on `repo`'s host: installed and signed in. */
async function githubCli(ctx: LifecycleContext, repo: RemoteRepository): Promise<{ ok: true; path: string } | { ok: false; problem?: string }> {
  const gh = findOnPath('gh', ctx.env.PATH);
  if (!gh) return { ok: false };
  const r = await ctx.deps.exec.run(gh, ['auth', 'status', '--hostname', repo.host], { env: ghEnv(ctx), timeoutMs: NETWORK_TIMEOUT_MS });
  if (r.spawnError) return { ok: false, problem: `gh could not be started (${r.spawnError})` };
  if (r.exitCode !== 0) return { ok: false, problem: `the GitHub CLI is not signed in to ${repo.host} (gh auth login)` };
  return { ok: true, path: gh };
}

async function ghCreate(
  ctx: LifecycleContext,
  gh: string,
  w: WorkspaceRecord,
  repo: RemoteRepository,
  head: string,
  base: string | undefined,
  signal: AbortSignal | undefined,
): Promise<{ url: string; existing?: boolean } | { problem: string }> {
  const args = ['pr', 'create', '--repo', `${repo.host}/${repo.path}`, '--head', head, ...(base ? ['--base', base] : []), '--fill'];
  const r = await ctx.deps.exec.run(gh, args, { cwd: w.worktreePath, env: ghEnv(ctx), timeoutMs: NETWORK_TIMEOUT_MS, signal });
  if (signal?.aborted) throw new UserError('Cancelled.');
  if (r.spawnError) return { problem: `gh could not be started (${r.spawnError})` };
  const url = pullRequestUrlIn(r.exitCode === 0 ? r.stdout : r.stderr, repo);
  if (r.exitCode === 0 && url) return { url };
  // gh names the open pull request when there already is one.
  if (url && /already exists/i.test(r.stderr)) return { url, existing: true };
  return { problem: `gh pr create failed: ${lastLines(r.stderr || r.stdout) || `exit ${r.exitCode}`}` };
}

/** The last pull-request URL of `repo` in a program's output; anything else it printed is not trusted. */
export function pullRequestUrlIn(output: string, repo: RemoteRepository): string | undefined {
  const candidates = output.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
  for (const candidate of candidates.reverse()) {
    const pr = parsePullRequest(candidate);
    if (pr?.repository && sameRepository(pr.repository, repo)) return candidate;
  }
  return undefined;
}

function lastLines(text: string): string {
  return text.trim().split('\n').filter(Boolean).slice(-2).join(' ').slice(0, 400);
}

/** A URL without the credentials it may carry. */
function redact(url: string): string {
  return url.replace(/\/\/[^/@\s]*@/, '//');
}

export interface FromPullRequestOptions extends OperationOptions {
  /** The workspace's base: defaults to the remote's default branch. */
  baseRef?: string;
}

/**
 * SPEC §10: fetches `refs/pull/N/head` from the remote the URL names (or
 * `origin`) into a private ref, and creates a workspace on a new local branch
 * `pr/N` from it; its base is the remote's default branch, so review and
 * ahead/behind compare with what the pull request targets.
 */
export async function createWorkspaceFromPullRequest(ctx: LifecycleContext, repoRoot: string, pr: unknown, options: FromPullRequestOptions = {}): Promise<WorkspaceView> {
  const { exec, git, store, logger } = ctx.deps;
  const parsed = parsePullRequest(pr);
  if (!parsed) throw new UserError(`"${String(pr)}" is not a pull request: give its number (42 or #42) or its URL (https://github.com/owner/repo/pull/42).`);
  const repo = await git.repositoryRoot(repoRoot);
  const remotes = await listRemotes(exec, repo);
  const remote = pickRemote(parsed.repository, remotes, repo);
  const n = parsed.number;
  const privateRef = `refs/worktree-sessions/pull/${n}`;

  options.onProgress?.(`Fetching pull request #${n} from ${remote}…`);
  const fetch = await gitRun(exec, repo, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--end-of-options', remote, `+refs/pull/${n}/head:${privateRef}`], { timeoutMs: NETWORK_TIMEOUT_MS, signal: options.signal });
  if (fetch.exitCode !== 0) {
    if (/couldn't find remote ref|no such ref/i.test(fetch.stderr)) throw new UserError(`Pull request #${n} was not found on ${remote}.`);
    throw new UserError(`Fetching pull request #${n} from ${remote} failed: ${fetch.exitCode === -1 && !fetch.stderr ? `no answer within ${NETWORK_TIMEOUT_MS / 1000} s` : lastLines(fetch.stderr)}`);
  }
  const head = (await gitOk(exec, repo, ['rev-parse', '--verify', `${privateRef}^{commit}`])).trim();
  const branch = `pr/${n}`;
  const base = options.baseRef ?? (await defaultBase(exec, repo, remote));

  if (await git.localBranchExists(repo, branch)) {
    // Brought up to date only when nothing of it would be lost and no worktree has it checked out.
    const tip = await git.commitOf(repo, `refs/heads/${branch}`);
    const checkedOut = await git.checkedOutAt(repo, branch);
    if (tip && tip !== head && !checkedOut && (await gitRun(exec, repo, ['merge-base', '--is-ancestor', tip, head])).exitCode === 0) {
      await gitOk(exec, repo, ['update-ref', '-m', `worktree-sessions: pull request #${n}`, `refs/heads/${branch}`, head, tip]);
    }
    return createWorkspace(ctx, { repoRoot: repo, branch, baseRef: base, existingBranch: true }, options);
  }
  const workspace = await createWorkspace(ctx, { repoRoot: repo, branch, baseRef: privateRef, existingBranch: false }, options);
  // The branch starts at the pull request's head; its base is what the pull request targets.
  if (workspace.baseRef !== base) await store.write((tx) => tx.updateWorkspace(workspace.id, { baseRef: base }));
  await markCreatedBranch(exec, repo, branch, base).catch((e: unknown) => logger.warn(errorMessage(e)));
  logger.info(`Workspace ${branch} (${workspace.id}) holds pull request #${n} from ${remote}.`);
  ctx.live.emitIfChanged(true);
  return ctx.live.workspace(workspace.id) ?? workspace;
}

function pickRemote(named: RemoteRepository | undefined, remotes: Map<string, string>, repo: string): string {
  if (named) {
    for (const [name, url] of remotes) {
      const r = parseRemoteUrl(url);
      if (r && sameRepository(r, named)) return name;
    }
    throw new UserError(`No remote of ${repo} points at ${named.host}/${named.path}; add it (git remote add <name> <url>) and try again.`);
  }
  if (remotes.has('origin')) return 'origin';
  if (remotes.size === 1) return [...remotes.keys()][0];
  throw new UserError(remotes.size ? `${repo} has no remote "origin"; give the pull request's URL so the remote can be told.` : `${repo} has no remote to fetch the pull request from.`);
}

/** The remote's default branch as a remote-tracking ref (`origin/main`), else the main worktree's branch. */
async function defaultBase(exec: Exec, repo: string, remote: string): Promise<string> {
  const head = await gitRun(exec, repo, ['symbolic-ref', '--quiet', '--short', `refs/remotes/${remote}/HEAD`]);
  if (head.exitCode === 0 && head.stdout.trim()) return head.stdout.trim();
  for (const name of ['main', 'master']) {
    if ((await gitRun(exec, repo, ['show-ref', '--verify', '--quiet', `refs/remotes/${remote}/${name}`])).exitCode === 0) return `${remote}/${name}`;
  }
  const current = await gitRun(exec, repo, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return current.exitCode === 0 && current.stdout.trim() ? current.stdout.trim() : 'HEAD';
}
