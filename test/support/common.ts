// Helpers both test tiers use: the unit tier (plain Node) and the VS Code host tier.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a truthy value, and returns that value. A probe
 * that throws counts as "not yet"; its last error is named in the timeout message.
 * The third argument is the timeout in ms, or `{ timeoutMs, intervalMs }`.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string,
  options: number | { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 15_000, intervalMs = 50 } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

/** Makes `dir` a repository with one commit of `files` on `main`. */
export function initRepository(dir: string, files: Record<string, string>): void {
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { env: { ...process.env, ...GIT_IDENTITY, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  fs.mkdirSync(dir, { recursive: true });
  git('init', '-q', '-b', 'main');
  // Later commits in the repository (made by tests or by the extension) need an identity too.
  git('config', 'user.name', GIT_IDENTITY.GIT_AUTHOR_NAME);
  git('config', 'user.email', GIT_IDENTITY.GIT_AUTHOR_EMAIL);
  git('config', 'commit.gpgsign', 'false');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
}
