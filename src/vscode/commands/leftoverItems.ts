import type { Leftover, LeftoverKind } from '../../core';
import { tildify } from '../tree/format';

/** SPEC §6: what `findLeftovers` returns for each, and nothing more. */
export type ApiLeftover = Omit<Leftover, 'repoRoot' | 'workspaceId'>;

export function toApiLeftover({ kind, path, branch, ref, bytes, reason, safe }: Leftover): ApiLeftover {
  return {
    kind,
    ...(path !== undefined ? { path } : {}),
    ...(branch !== undefined ? { branch } : {}),
    ...(ref !== undefined ? { ref } : {}),
    ...(bytes !== undefined ? { bytes } : {}),
    reason,
    safe,
  };
}

export const KIND: Record<LeftoverKind, { label: string; icon: string }> = {
  'merged-workspace': { label: 'merged workspace', icon: 'git-merge' },
  'missing-worktree': { label: 'worktree missing', icon: 'question' },
  'unmanaged-worktree': { label: 'unmanaged worktree', icon: 'folder' },
  'created-branch': { label: 'unused branch', icon: 'git-branch' },
  'saved-changes': { label: 'saved changes', icon: 'archive' },
};

/** "1.2 GB", "340 MB", "12 KB". */
export function formatBytes(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n >= 10 || u === 0 ? Math.round(n) : n.toFixed(1)} ${units[u]}`;
}

/** What the list shows as the item's name. */
export function leftoverTitle(l: Leftover): string {
  if (l.kind === 'unmanaged-worktree' || (l.kind === 'merged-workspace' && !l.branch)) return tildify(l.path ?? '');
  return l.branch ?? l.ref ?? l.path ?? l.kind;
}
