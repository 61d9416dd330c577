import type { ExecResult } from '../process/runner';

/** A git call that checks out, hashes or deletes a whole tree, which takes minutes in a large repository. */
export const TREE_DEADLINE_MS = 10 * 60_000;

export interface GitCallOptions {
  signal?: AbortSignal;
  env?: Record<string, string>;
  /** An exit code that answers the question (1 for "no" of show-ref, rev-parse --verify…): logged as a success. */
  answers?: number;
  /** The deadline; a minute when absent. */
  timeoutMs?: number;
}

/** The two ways Git runs a command, lent to the modules that inspect and save a worktree. */
export interface GitCalls {
  /** The exit code is the caller's to read. */
  git(cwd: string, args: readonly string[], options?: GitCallOptions): Promise<ExecResult>;
  /** stdout, or a GitError naming the command. */
  ok(cwd: string, args: readonly string[], options?: GitCallOptions): Promise<string>;
}

/** NUL-separated names (`-z` output), empty fields dropped. */
export const nulList = (stdout: string): string[] => stdout.split('\0').filter(Boolean);
