import type { LaunchTarget } from '../../core';

/**
 * Every question the extension asks a user goes through this interface, so
 * that the integration tests can answer with a scripted implementation
 * instead of driving quick picks.
 */
export interface Prompter {
  /** One choice from a list (a repository, a workspace, a session, an action). */
  pick<T>(request: PickRequest<T>): Promise<T | undefined>;
  /** A new branch name (validated as it is typed) or an existing local or remote branch. */
  pickBranch(request: BranchRequest): Promise<BranchAnswer | undefined>;
  /** The start point of a new branch: a listed branch or any ref typed in. */
  pickBaseRef(request: BaseRefRequest): Promise<string | undefined>;
  /** A launch target; unavailable ones are shown with their reason and cannot be chosen. */
  pickTarget(request: TargetRequest): Promise<LaunchTarget | undefined>;
  /** A modal question; resolves to the chosen action's title, or undefined for Cancel. */
  confirm(request: ConfirmRequest): Promise<string | undefined>;
  /** Several choices from a list (Clean Up); resolves to the chosen values, or undefined when dismissed. */
  pickMany<T>(request: PickManyRequest<T>): Promise<T[] | undefined>;
  /** A line of text (a pull request's number or URL), validated as it is typed. */
  input(request: InputRequest): Promise<string | undefined>;
}

export interface PickManyItem<T> extends PickItem<T> {
  /** Selected at first. */
  picked?: boolean;
}

export interface PickManyRequest<T> {
  title: string;
  placeholder: string;
  items: readonly PickManyItem<T>[];
}

export interface InputRequest {
  title: string;
  prompt: string;
  placeholder?: string;
  /** Why `value` cannot be accepted, or undefined when it can. */
  validate?(value: string): string | undefined;
}

/** What a pick is for; lets a scripted prompter tell its questions apart. */
export type PickPurpose = 'repository' | 'workspace' | 'session' | 'action';

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  /** A codicon name, without `$()`. */
  icon?: string;
  value: T;
}

export interface PickRequest<T> {
  purpose: PickPurpose;
  title: string;
  placeholder: string;
  items: readonly PickItem<T>[];
  /** Index of the item selected at first. */
  activeIndex?: number;
}

export interface LocalBranch {
  name: string;
  /** Where the branch is checked out, when it is (it cannot get a second worktree). */
  checkedOutAt?: string;
  /** True when a workspace already exists for it (choosing it reopens that workspace). */
  hasWorkspace?: boolean;
}

export interface BranchRequest {
  title: string;
  repoRoot: string;
  local: readonly LocalBranch[];
  remote: readonly string[];
  /** Why `name` cannot be a new branch, or undefined when it can. */
  validateNewBranch(name: string): Promise<string | undefined>;
  /** What the typed text names when it is a pull request (`#123`, a URL), else undefined. */
  pullRequest?(text: string): string | undefined;
}

export interface BranchAnswer {
  branch: string;
  /** True for a listed local or remote branch, false for a new one. */
  existing: boolean;
  /** Set when the user chose the typed pull request instead of a branch: what they typed. */
  pullRequest?: string;
}

export interface BaseRefRequest {
  title: string;
  branch: string;
  defaultRef: string;
  local: readonly string[];
  remote: readonly string[];
  /** Why `ref` cannot be a start point, or undefined when it can. */
  validateRef(ref: string): Promise<string | undefined>;
}

export interface TargetRequest {
  title: string;
  targets: readonly LaunchTarget[];
}

export interface ConfirmRequest {
  message: string;
  detail?: string;
  /** Button titles; Cancel is always offered besides them. */
  actions: readonly string[];
}
