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

/**
 * Writes a whole database to a new temporary file next to `file`, flushed to
 * disk and checked (length and header read back), and returns its path. A
 * write that stops short throws, and leaves no temporary file behind.
 */
export function writeTemporary(file: string, data: Uint8Array, disk: StoreDisk): string {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
  const fd = fs.openSync(tmp, 'w+', 0o600);
  try {
    // A nearly full disk takes part of a write and reports how much: the rest must follow, or the file is short.
    for (let done = 0; done < data.length;) {
      const n = disk.write(fd, data, done, data.length - done);
      if (!(n > 0)) throw new ShortWriteError(`wrote ${done} of ${data.length} bytes`);
      done += n;
    }
    fs.fsyncSync(fd);
    const size = fs.fstatSync(fd).size;
    if (size !== data.length) throw new ShortWriteError(`the saved copy has ${size} of ${data.length} bytes`);
    const head = Buffer.alloc(SQLITE_HEADER.length);
    fs.readSync(fd, head, 0, head.length, 0);
    if (!head.equals(SQLITE_HEADER)) throw new ShortWriteError('the saved copy does not start as a database');
  } catch (e) {
    try { fs.closeSync(fd); } catch { /* the error that matters is e */ }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  return tmp;
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
