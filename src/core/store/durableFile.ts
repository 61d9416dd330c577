import fs from 'node:fs';
import path from 'node:path';

/** The one call that puts bytes on disk; tests hand in a disk that fills up to cause a short write. */
export interface StoreDisk {
  /** Like fs.writeSync: writes up to `length` bytes of `data` from `offset`, returns how many it wrote. */
  write(fd: number, data: Uint8Array, offset: number, length: number): number;
}

export const realDisk: StoreDisk = {
  write: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
};

/** A file's identity as far as a write cares: a replaced or rewritten file has another one. */
export const signatureOf = (s: fs.Stats) => `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

export function fileSignature(file: string): string | undefined {
  try {
    return signatureOf(fs.statSync(file));
  } catch {
    return undefined;
  }
}

/** Renames an unusable file to a timestamped name beside it (never over another); undefined when it is gone. */
export function moveAside(file: string): string | undefined {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let movedTo = `${file}.unreadable-${stamp}`;
  for (let n = 2; fs.existsSync(movedTo); n++) movedTo = `${file}.unreadable-${stamp}-${n}`;
  try {
    fs.renameSync(file, movedTo);
    return movedTo;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether an error means the disk (or the user's quota) is full. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT' || e instanceof ShortWriteError;
}

class ShortWriteError extends Error {}

/** A temporary file written and not yet flushed: `flushed` (sync or async) finishes it. */
interface Unflushed {
  tmp: string;
  fd: number;
  /** After the flush: checks the file (length and header read back), closes it, and returns its path. */
  flushed(): string;
  /** Removes it after a failure. */
  discard(): void;
}

function writeUnflushed(file: string, data: Uint8Array, disk: StoreDisk): Unflushed {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
  const fd = fs.openSync(tmp, 'w+', 0o600);
  const discard = () => {
    try { fs.closeSync(fd); } catch { /* the error that matters is the caller's */ }
    fs.rmSync(tmp, { force: true });
  };
  const guarded = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      discard();
      throw e;
    }
  };
  guarded(() => {
    // A nearly full disk takes part of a write and reports how much: the rest must follow, or the file is short.
    for (let done = 0; done < data.length;) {
      const n = disk.write(fd, data, done, data.length - done);
      if (!(n > 0)) throw new ShortWriteError(`wrote ${done} of ${data.length} bytes`);
      done += n;
    }
  });
  return {
    tmp,
    fd,
    discard,
    flushed: () => {
      guarded(() => {
        const size = fs.fstatSync(fd).size;
        if (size !== data.length) throw new ShortWriteError(`the saved copy has ${size} of ${data.length} bytes`);
        const head = Buffer.alloc(SQLITE_HEADER.length);
        fs.readSync(fd, head, 0, head.length, 0);
        if (!head.equals(SQLITE_HEADER)) throw new ShortWriteError('the saved copy does not start as a database');
      });
      fs.closeSync(fd);
      return tmp;
    },
  };
}

/**
 * Writes a whole database to a new temporary file next to `file`, flushed to
 * disk and checked (length and header read back), and returns its path. A
 * write that stops short throws, and leaves no temporary file behind.
 */
export function writeTemporary(file: string, data: Uint8Array, disk: StoreDisk): string {
  const w = writeUnflushed(file, data, disk);
  try {
    fs.fsyncSync(w.fd);
  } catch (e) {
    w.discard();
    throw e;
  }
  return w.flushed();
}

/**
 * writeTemporary, with the flush waited for off the main thread (issue 14: the
 * event loop goes on with a launch's tmux call while the disk flushes).
 */
export async function writeTemporaryAsync(file: string, data: Uint8Array, disk: StoreDisk): Promise<string> {
  const w = writeUnflushed(file, data, disk);
  try {
    await new Promise<void>((resolve, reject) => fs.fsync(w.fd, (e) => (e ? reject(e) : resolve())));
  } catch (e) {
    w.discard();
    throw e;
  }
  return w.flushed();
}

/** Puts the temporary file in place of `file` in one step, and flushes the folder so the rename survives a crash. */
export function replaceFile(tmp: string, file: string): void {
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(path.dirname(file), 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic.
  }
}

/** replaceFile with the folder's flush waited for off the main thread; `renamed` runs right after the rename. */
export async function replaceFileAsync(tmp: string, file: string, renamed: () => void): Promise<void> {
  fs.renameSync(tmp, file);
  renamed();
  let dfd: number | undefined;
  try {
    dfd = fs.openSync(path.dirname(file), 'r');
    await new Promise<void>((resolve, reject) => fs.fsync(dfd!, (e) => (e ? reject(e) : resolve())));
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic.
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd);
  }
}
