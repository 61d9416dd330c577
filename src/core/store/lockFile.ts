import fs from 'node:fs';
import os from 'node:os';
import type { Logger } from '../log';
import { isSameProcessAlive, processIdentity } from '../process/liveness';

interface Holder {
  raw: string;
  pid: number;
  host: string;
  startTime?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The lock file that serialises writes across windows (SPEC §4). It names its
 * holder by pid, host and process start time; another window takes it over
 * only when that holder is gone, never because it is old: a window stopped in
 * a debugger or swapped out still holds what it read.
 */
export class DatabaseLock {
  private readonly lockFile: string;

  constructor(databaseFile: string, private readonly logger: Logger, private readonly timeoutMs: number) {
    this.lockFile = `${databaseFile}.lock`;
  }

  async acquire(): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    const me = processIdentity();
    // Lines 1–3 as older versions wrote them (pid, time, host), so they still recognise a live holder; the start time follows.
    const content = `${process.pid}\n${Date.now()}\n${os.hostname()}\n${me?.startTime ?? ''}\n`;
    for (let attempt = 0; ; attempt++) {
      // The lock appears with its content in one step (link), so no reader ever sees it empty.
      const tmp = `${this.lockFile}.${process.pid}.${Math.random().toString(16).slice(2)}`;
      fs.writeFileSync(tmp, content, { mode: 0o600 });
      try {
        fs.linkSync(tmp, this.lockFile);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      const holder = this.read();
      if (holder && this.holderIsGone(holder)) {
        this.breakStale(holder.raw);
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`The Worktree Sessions database is locked by process ${holder?.pid ?? '?'} (${this.lockFile}); try again, or remove the lock file if that process is gone.`);
      }
      await sleep(Math.min(25, 1 + attempt) * (0.5 + Math.random()));
    }
  }

  release(): void {
    const holder = this.read();
    if (holder && holder.pid === process.pid && holder.host === os.hostname()) fs.rmSync(this.lockFile, { force: true });
  }

  private read(): Holder | undefined {
    try {
      const raw = fs.readFileSync(this.lockFile, 'utf8');
      const [pid, , host, startTime] = raw.split('\n');
      return { raw, pid: Number(pid), host: host ?? '', startTime: startTime || undefined };
    } catch {
      return undefined;
    }
  }

  private holderIsGone(holder: Holder): boolean {
    if (!Number.isInteger(holder.pid) || holder.pid <= 0) {
      // Names no process, so no window of ours wrote it (ours appear whole, by link); the wait spares one still being written by hand.
      try {
        return Date.now() - fs.statSync(this.lockFile).mtimeMs > 60_000;
      } catch {
        return false;
      }
    }
    // A process on another machine sharing this folder cannot be seen from here: it counts as alive.
    if (holder.host !== os.hostname()) return false;
    return !isSameProcessAlive({ pid: holder.pid, startTime: holder.startTime });
  }

  /** Removes a gone holder's lock, guarded so two breakers cannot remove a fresh lock. */
  private breakStale(seen: string): void {
    const breaker = `${this.lockFile}.break`;
    try {
      fs.closeSync(fs.openSync(breaker, 'wx'));
    } catch {
      try {
        if (Date.now() - fs.statSync(breaker).mtimeMs > 5_000) fs.rmSync(breaker, { force: true });
      } catch { /* gone already */ }
      return;
    }
    try {
      if (this.read()?.raw === seen) {
        fs.rmSync(this.lockFile, { force: true });
        this.logger.warn(`Removed a stale database lock left by a process that is gone: ${seen.split('\n')[0]}`);
      }
    } finally {
      fs.rmSync(breaker, { force: true });
    }
  }
}
