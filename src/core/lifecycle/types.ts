import type { SavedChanges } from '../git';

export interface CreateRequest {
  repoRoot: string;
  branch: string;
  baseRef?: string;
  /** true: check out an existing local or remote branch; false: create a new one; absent: whichever fits. */
  existingBranch?: boolean;
}

export interface OperationOptions {
  signal?: AbortSignal;
  /** Whether the setup command may run (workspace trust). */
  trusted?: boolean;
  onProgress?: (message: string) => void;
}

export type BranchChoice = 'merged' | 'never' | 'delete';

export interface DeleteOptions {
  force?: boolean;
  /** D6: `merged` (default) deletes a branch we created only if merged; `delete` is the user's explicit choice. */
  branch?: BranchChoice;
  onProgress?: (message: string) => void;
}

export interface DeleteResult {
  deleted: boolean;
  dirtyFiles?: string[];
  keptBranch?: string;
  deletedBranch?: string;
  savedChanges?: SavedChanges;
}

export interface ReconcileReport {
  interrupted: string[];
  pruned: string[];
  lost: string[];
  orphansKilled: string[];
  tmuxError?: string;
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
