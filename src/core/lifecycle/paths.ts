import fs from 'node:fs';
import path from 'node:path';

/** Whether two paths name the same folder, symlinks resolved where they exist. */
export function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return path.resolve(a) === path.resolve(b) || norm(a) === norm(b);
}
