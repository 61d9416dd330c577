// Pure parsers for remote URLs and pull-request references; fixture-tested.
// Every input is treated as hostile: a remote URL comes from a repository's
// config and a pull-request reference from whoever typed or sent it, so only
// what these parsers accept ever reaches a browser or a git argument.

export type HostKind = 'github' | 'gitlab' | 'bitbucket';

export interface RemoteRepository {
  /** Lower-case host name, with a port only for an http(s) remote on a non-default one. */
  host: string;
  /** `owner/name`, or `group/subgroup/name` on GitLab; never `..` nor an empty segment. */
  path: string;
  /** The web UI the host serves, when known. */
  kind?: HostKind;
  /** The scheme of the web UI: `http` only when the remote itself is plain http. */
  scheme: 'https' | 'http';
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** Spaces and control characters have no place in a URL we turn into a link or a git argument. */
function hasControlOrSpace(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x21 || c.charCodeAt(0) === 0x7f || /\s/.test(c));
}
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

function repositoryPath(raw: string): string | undefined {
  const trimmed = raw.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  const segments = trimmed.split('/');
  if (segments.length < 2 || !segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) return undefined;
  return segments.join('/');
}

function hostKind(host: string): HostKind | undefined {
  if (host === 'github.com' || host.startsWith('github.') || host.includes('.github.')) return 'github';
  if (host === 'gitlab.com' || host.startsWith('gitlab.')) return 'gitlab';
  if (host === 'bitbucket.org') return 'bitbucket';
  return undefined;
}

function repository(hostname: string, port: string, rawPath: string, scheme: 'https' | 'http'): RemoteRepository | undefined {
  let host = hostname.toLowerCase();
  // GitHub's ssh-over-443 endpoint serves the same repositories as github.com.
  if (host === 'ssh.github.com') host = 'github.com';
  if (!HOST.test(host)) return undefined;
  const repoPath = repositoryPath(rawPath);
  if (!repoPath) return undefined;
  return { host: port ? `${host}:${port}` : host, path: repoPath, kind: hostKind(host), scheme };
}

/**
 * The hosted repository a remote URL points at: scp-like ssh
 * (`git@github.com:owner/repo.git`), `ssh://`, `git://`, `https://` (credentials
 * in it are dropped); undefined for a local path or anything unrecognised.
 */
export function parseRemoteUrl(url: string): RemoteRepository | undefined {
  const value = url.trim();
  if (!value || hasControlOrSpace(value)) return undefined;
  const scp = /^(?:[A-Za-z0-9._~+-]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(value);
  if (scp && !value.includes('://')) {
    // "C:/x" is a Windows path, not a host.
    if (scp[1].length < 2) return undefined;
    return repository(scp[1], '', scp[2], 'https');
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return undefined;
  }
  const web = parsed.protocol === 'http:' ? 'http' : 'https';
  if (!['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:'].includes(parsed.protocol)) return undefined;
  // An ssh port is not the web server's port.
  const port = parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.port : '';
  return repository(parsed.hostname, port, decodePath(parsed.pathname), web);
}

function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return '\0';
  }
}

/** A branch name as URL path segments: each one encoded, the slashes kept. */
function encodeBranch(branch: string): string {
  return branch.split('/').map(encodeURIComponent).join('/');
}

/** The page where the host offers to open a pull (merge) request for `branch` into `base`; undefined for an unknown host. */
export function compareUrl(repo: RemoteRepository, branch: string, base?: string): string | undefined {
  const origin = `${repo.scheme}://${repo.host}`;
  switch (repo.kind) {
    case 'github':
      return new URL(`/${repo.path}/compare/${base ? `${encodeBranch(base)}...` : ''}${encodeBranch(branch)}?expand=1`, origin).toString();
    case 'gitlab': {
      const u = new URL(`/${repo.path}/-/merge_requests/new`, origin);
      u.searchParams.set('merge_request[source_branch]', branch);
      if (base) u.searchParams.set('merge_request[target_branch]', base);
      return u.toString();
    }
    case 'bitbucket': {
      const u = new URL(`/${repo.path}/pull-requests/new`, origin);
      u.searchParams.set('source', branch);
      if (base) u.searchParams.set('dest', base);
      return u.toString();
    }
    default:
      return undefined;
  }
}

export interface PullRequestReference {
  /** A positive integer: the `N` of `refs/pull/N/head`. */
  number: number;
  /** The repository a URL named; absent for a bare number. */
  repository?: RemoteRepository;
}

const MAX_PR = 999_999_999;

/** A pull request as a number, `#123`, `123`, or a GitHub URL (`https://host/owner/repo/pull/123…`); undefined otherwise. */
export function parsePullRequest(input: unknown): PullRequestReference | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input > 0 && input <= MAX_PR ? { number: input } : undefined;
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  const bare = /^#?([1-9][0-9]{0,8})$/.exec(text);
  if (bare) return { number: Number(bare[1]) };
  if (!/^https?:\/\//i.test(text) || hasControlOrSpace(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts.length < 4 || (parts[2] !== 'pull' && parts[2] !== 'pulls')) return undefined;
  const n = /^[1-9][0-9]{0,8}$/.test(parts[3]) ? Number(parts[3]) : undefined;
  const repo = repository(url.hostname, url.port, `${parts[0]}/${parts[1]}`, url.protocol === 'http:' ? 'http' : 'https');
  if (n === undefined || !repo) return undefined;
  return { number: n, repository: repo };
}

/** Whether typed text is meant as a pull request (`#123` or a pull-request URL), not a branch name. */
export function looksLikePullRequest(text: string): boolean {
  const t = text.trim();
  return /^#[1-9][0-9]{0,8}$/.test(t) || (/^https?:\/\//i.test(t) && parsePullRequest(t) !== undefined);
}

/** Whether two parsed repositories are the same one (host and path compare without case, as the hosts do). */
export function sameRepository(a: RemoteRepository, b: RemoteRepository): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.path.toLowerCase() === b.path.toLowerCase();
}
