import fs from 'node:fs';
import path from 'node:path';
import { linkedGitDir } from '../git';
import type { WorkspaceRecord } from '../model';

/** Proof, kept in the worktree's private git folder, that the extension made it. */
export interface OwnershipMarker {
  ownerId: string;
  id: string;
  repoRoot: string;
  branch: string;
  baseRef: string;
  createdBranch: boolean;
  createdAt: number;
}

const MARKER_FILE = 'worktree-sessions.json';

export function writeMarker(gitDir: string, ownerId: string, w: WorkspaceRecord): void {
  const marker: OwnershipMarker = {
    ownerId, id: w.id, repoRoot: w.repoRoot, branch: w.branch,
    baseRef: w.baseRef, createdBranch: w.createdBranch, createdAt: w.createdAt,
  };
  fs.writeFileSync(path.join(gitDir, MARKER_FILE), JSON.stringify(marker, null, 2));
}

export function readMarker(worktree: string): OwnershipMarker | undefined {
  const gitDir = linkedGitDir(worktree);
  // Stryker disable next-line ConditionalExpression: without the check, path.join(undefined) throws inside the try and the catch answers the same
  if (!gitDir) return undefined;
  try {
    return JSON.parse(fs.readFileSync(path.join(gitDir, MARKER_FILE), 'utf8')) as OwnershipMarker;
  } catch {
    return undefined;
  }
}
