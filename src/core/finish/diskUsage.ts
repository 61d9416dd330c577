import fs from 'node:fs';
import type { Exec } from '../process/runner';

/** A large worktree can take a while; past this its size is simply not shown. */
const DU_TIMEOUT_MS = 120_000;

/**
 * The disk usage of a folder in bytes, measured by `du` in a process of its
 * own: off the extension host's thread, cancellable through `signal`, and with
 * a deadline. Undefined when it could not be measured.
 */
export async function diskUsage(exec: Exec, folder: string, signal?: AbortSignal): Promise<number | undefined> {
  if (signal?.aborted || !fs.existsSync(folder)) return undefined;
  // -s: one total; -k: kibibytes on every du (GNU, BSD, busybox); -x: stay on this file system.
  const r = await exec.run('du', ['-skx', '--', folder], { signal, timeoutMs: DU_TIMEOUT_MS });
  if (r.spawnError || signal?.aborted) return undefined;
  // du exits 1 when some files could not be read; its total is still the best there is.
  const m = /^(\d+)\s/.exec(r.stdout);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Measures several folders, a few at a time (the machine may be busy), stopping when `signal` fires. */
export async function diskUsages(exec: Exec, folders: readonly string[], signal?: AbortSignal, concurrency = 2): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const queue = [...new Set(folders)];
  const worker = async () => {
    for (let folder = queue.shift(); folder !== undefined && !signal?.aborted; folder = queue.shift()) {
      const bytes = await diskUsage(exec, folder, signal);
      if (bytes !== undefined) sizes.set(folder, bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return sizes;
}
