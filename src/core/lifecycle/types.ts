import type { SavedChanges, SubmoduleState } from '../git';

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
  /**
   * §9: asked once per content of the repository file, in a trusted workspace,
   * before any of its commands runs; true approves. Throwing cancels the create.
   */
  approve?: (request: ApprovalRequest) => Promise<boolean>;
  /** §9: the output of the setup commands as it arrives, to be watched live. */
  onOutput?: (chunk: string) => void;
}

export interface ApprovalRequest {
  repoRoot: string;
  file: string;
  /** sha256 of the file's exact content. */
  hash: string;
  /** Each command (and env entry) the file would run, one line each. */
  commands: string[];
}

export type BranchChoice = 'merged' | 'never' | 'delete';

export interface DeleteOptions {
  /** D1/D5: delete even with work at risk (changes, changed copies, detached commits); it is saved first. */
  force?: boolean;
  /** D5: the user chose to unlock a locked worktree (`git worktree lock`); without it a locked worktree is refused. */
  unlock?: boolean;
  /** D6: `merged` (default) deletes a branch we created only if merged; `delete` is the user's explicit choice. */
  branch?: BranchChoice;
  onProgress?: (message: string) => void;
  /** §9: false keeps the repository file's teardown from running (workspace trust). */
  trusted?: boolean;
}

export interface DeleteResult {
  deleted: boolean;
  /** §9: the repository's teardown failed; the delete went on. */
  teardownError?: string;
  /** Set (with the two below where non-empty) when a delete without force was refused over work at risk (D1). */
  dirtyFiles?: string[];
  changedCopies?: string[];
  detachedCommits?: string[];
  keptBranch?: string;
  deletedBranch?: string;
  /** D6: the workspace's branch no longer existed when the delete came to it (deleted outside the extension). */
  goneBranch?: string;
  savedChanges?: SavedChanges;
}

/** D1: what a delete would lose, refuse over, or needs the user's choice for, found before anything stops. */
export interface DeletePreflight {
  /** Uncommitted changes, untracked files included. */
  dirtyFiles: string[];
  /** Ignored files the extension copied in (copyFiles) and that changed since. */
  changedCopies: string[];
  /** Commits only this worktree's HEAD holds (a detached HEAD, or a branch deleted behind our back). */
  detachedCommits: string[];
  /** Initialised submodules and nested repositories; those with a `problem` block the delete. */
  submodules: SubmoduleState[];
  /** `git worktree lock`: the delete unlocks it only with `unlock: true`. */
  locked?: { reason?: string };
  /** The branch the worktree is on no longer exists; its files are saved against its last commit. */
  branchGone?: boolean;
  /** An earlier delete was stopped while git removed the worktree; this one finishes it. */
  interruptedRemoval?: boolean;
  /** Why the delete cannot go ahead whatever the user chooses now; each sentence says what to do first. */
  blockers: string[];
}

export interface ReconcileReport {
  interrupted: string[];
  pruned: string[];
  lost: string[];
  orphansKilled: string[];
  tmuxError?: string;
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
