import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceRecord } from '../model';
import { samePath } from './paths';

/**
 * Item 15 (D4): `git worktree remove` deletes the worktree's files first, its
 * `.git` file among them in no set order, and its private git folder last.
 * Killed in between, it leaves a folder git no longer knows as a worktree. So
 * just before starting it, the delete writes this record into the private git
 * folder: a retry that finds the folder without its `.git`, and the private
 * folder that names it holding our record for this workspace, finishes what
 * git started. Nothing less proves a folder ours to remove (SPEC §7).
 */
const REMOVING_FILE = 'worktree-sessions-removing.json';

interface RemovingRecord {
  id: string;
  worktreePath: string;
  at: number;
}

export function recordRemoving(gitDir: string, w: WorkspaceRecord, at: number): void {
  const record: RemovingRecord = { id: w.id, worktreePath: w.worktreePath, at };
  fs.writeFileSync(path.join(gitDir, REMOVING_FILE), JSON.stringify(record));
}

/** After git stopped with the worktree still whole: a stale record must not outlive it. */
export function clearRemoving(gitDir: string): void {
  fs.rmSync(path.join(gitDir, REMOVING_FILE), { force: true });
}

/**
 * The private git folder (`<repo>/.git/worktrees/<name>`) proving that our
 * removal of `w`'s worktree was interrupted; undefined when the folder is
 * whole, gone, or nothing proves it.
 */
export function interruptedRemoval(w: WorkspaceRecord): string | undefined {
  if (!fs.existsSync(w.worktreePath) || fs.existsSync(path.join(w.worktreePath, '.git'))) return undefined;
  const admin = path.join(w.repoRoot, '.git', 'worktrees');
  let names: string[];
  try {
    names = fs.readdirSync(admin);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const dir = path.join(admin, name);
    try {
      // The private folder names its worktree's `.git` file in `gitdir`.
      const named = path.dirname(path.resolve(dir, fs.readFileSync(path.join(dir, 'gitdir'), 'utf8').trim()));
      if (!samePath(named, w.worktreePath)) continue;
      const record = JSON.parse(fs.readFileSync(path.join(dir, REMOVING_FILE), 'utf8')) as RemovingRecord;
      if (record.id === w.id && samePath(record.worktreePath, w.worktreePath)) return dir;
    } catch {
      // Not this one, or not ours.
    }
  }
  return undefined;
}

/** What git would have done had it not been stopped: the rest of the folder, then its private git folder. */
export function finishRemoval(worktreePath: string, gitDir: string): void {
  // rmSync does not follow symbolic links: a link to a folder elsewhere goes, its target stays.
  fs.rmSync(worktreePath, { recursive: true, force: true });
  fs.rmSync(gitDir, { recursive: true, force: true });
}
