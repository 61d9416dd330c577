import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { linkedGitDir } from '../git';

/**
 * D5: which ignored files the extension copied into a worktree (copyFiles),
 * with a hash of what it wrote, kept next to the ownership marker in the
 * worktree's private git folder; so a delete can tell which of them the user
 * changed since, and save those.
 */
const COPIES_FILE = 'worktree-sessions-copies.json';

type CopyRecord = Record<string, string>;

function hashOf(file: string): string | undefined {
  try {
    if (!fs.lstatSync(file).isFile()) return undefined;
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function readRecord(gitDir: string): CopyRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(gitDir, COPIES_FILE), 'utf8')) as CopyRecord;
  } catch {
    return undefined;
  }
}

/** Records `files` (paths relative to the worktree) as just copied in; a retried setup adds to the record. */
export function recordCopies(gitDir: string, worktree: string, files: readonly string[]): void {
  const record = readRecord(gitDir) ?? {};
  for (const f of files) {
    const hash = hashOf(path.join(worktree, f));
    if (hash) record[f] = hash;
  }
  fs.writeFileSync(path.join(gitDir, COPIES_FILE), JSON.stringify(record, null, 2));
}

/**
 * The copied files whose content changed since they were copied (a file the
 * user deleted has nothing left to save), or undefined when the worktree has
 * no record (made before copies were recorded).
 */
export function changedCopies(worktree: string): string[] | undefined {
  const gitDir = linkedGitDir(worktree);
  const record = gitDir ? readRecord(gitDir) : undefined;
  if (!record) return undefined;
  return Object.entries(record)
    // The record is ours, but a path must still stay inside the worktree.
    .filter(([f]) => !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..'))
    .filter(([f, hash]) => {
      const now = hashOf(path.join(worktree, f));
      return now !== undefined && now !== hash;
    })
    .map(([f]) => f);
}

/** Without a record: an ignored file is kept elsewhere only if the main worktree holds the same content. */
export function differingFromMain(repoRoot: string, worktree: string, files: readonly string[]): string[] {
  return files.filter((f) => {
    const here = hashOf(path.join(worktree, f));
    return here !== undefined && here !== hashOf(path.join(repoRoot, f));
  });
}
