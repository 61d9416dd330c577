import type { Exec, ExecResult } from '../process/runner';
import { GitError } from '../git';
import { UserError } from '../model';

/** Local git work (a listing, a merge in a scratch worktree) ends within this. */
export const LOCAL_TIMEOUT_MS = 60_000;
/** Push, fetch and the GitHub CLI talk to a server: they get the same deadline, and a message that says so. */
export const NETWORK_TIMEOUT_MS = 60_000;

export interface GitCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/**
 * One git call for the finishing work: an argv array through the one runner,
 * always with a deadline. Never throws for an exit code; throws a UserError
 * when git could not start, or the call was cancelled.
 */
export async function gitRun(exec: Exec, cwd: string, args: readonly string[], options: GitCallOptions = {}): Promise<ExecResult> {
  const r = await exec.run('git', ['-C', cwd, ...args], { signal: options.signal, timeoutMs: options.timeoutMs ?? LOCAL_TIMEOUT_MS, extraEnv: options.env });
  if (r.spawnError) throw new UserError(`git could not be started (${r.spawnError}). Install git and make sure it is on PATH.`);
  if (options.signal?.aborted) throw new UserError('Cancelled.');
  return r;
}

/** Like gitRun, but a non-zero exit throws a GitError naming the command and git's last words. */
export async function gitOk(exec: Exec, cwd: string, args: readonly string[], options: GitCallOptions = {}): Promise<string> {
  const r = await gitRun(exec, cwd, args, options);
  if (r.exitCode !== 0) {
    if (r.exitCode === -1 && !r.stderr) throw new UserError(`git ${args.filter((a) => !a.startsWith('-c')).slice(0, 2).join(' ')} did not finish within ${Math.round((options.timeoutMs ?? LOCAL_TIMEOUT_MS) / 1000)} s.`);
    throw new GitError(['-C', cwd, ...args], r);
  }
  return r.stdout;
}

/** NUL-separated fields, without the empty one a trailing NUL leaves. */
export function nulFields(stdout: string): string[] {
  const fields = stdout.split('\0');
  if (fields.length && fields[fields.length - 1] === '') fields.pop();
  return fields;
}

/** A commit id as git prints it (SHA-1 or SHA-256). */
export function isObjectId(value: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value);
}
