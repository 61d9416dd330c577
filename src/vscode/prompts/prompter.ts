import type { LaunchTarget } from '../../core';

/**
 * Every question the extension asks a user goes through this interface, so
 * that the integration tests can answer with a scripted implementation
 * instead of driving quick picks.
 */
export interface Prompter {
  /** One choice from a list (a repository, a workspace, a session, an action, a confirmation). */
  pick<T>(request: PickRequest<T>): Promise<T | undefined>;
  /** A new branch name (validated as it is typed) or an existing local or remote branch. */
  pickBranch(request: BranchRequest): Promise<BranchAnswer | undefined>;
  /** The start point of a new branch: a listed branch or any ref typed in; BACK returns to the branch. */
  pickBaseRef(request: BaseRefRequest): Promise<string | typeof BACK | undefined>;
  /** A launch target (unavailable ones are shown with their reason and cannot be chosen), or ADD_AGENT. */
  pickTarget(request: TargetRequest): Promise<LaunchTarget | typeof ADD_AGENT | undefined>;
  /** A line of text, validated as it is typed (a session's new name, a pull request's number or URL). */
  input(request: InputRequest): Promise<string | undefined>;
  /**
   * A modal question, only where work could be lost (SPEC §5); resolves to the
   * chosen action's title, or undefined for Cancel.
   */
  confirm(request: ConfirmRequest): Promise<string | undefined>;
  /** A notification with buttons; resolves to the pressed one, or undefined when it is dismissed. */
  notify(request: NotifyRequest): Promise<string | undefined>;
  /** Several choices from a list (Clean Up); resolves to the chosen values, or undefined when dismissed. */
  pickMany<T>(request: PickManyRequest<T>): Promise<T[] | undefined>;
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


// Registered symbols: a scripted prompter in the tests' own bundle answers with the same ones.
/** The Back button of a multi-step question was pressed. */
export const BACK: unique symbol = Symbol.for('worktreeSessions.prompt.back');
/** "Add an agent…" was chosen in the launch picker. */
export const ADD_AGENT: unique symbol = Symbol.for('worktreeSessions.prompt.addAgent');

/** What a pick is for; lets a scripted prompter tell its questions apart. */
export type PickPurpose = 'repository' | 'workspace' | 'session' | 'action' | 'confirm' | 'open';

/** Where a question stands in a flow of several ("1/2"). */
export interface Step {
  step: number;
  total: number;
}

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
  /**
   * Where the branch is checked out, when it is: it cannot get a second
   * worktree (C1), so unless it has a workspace it is shown but cannot be chosen.
   */
  checkedOutAt?: string;
  /** True when a workspace already exists for it (choosing it reopens that workspace). */
  hasWorkspace?: boolean;
}

/** A branch that can be chosen: not checked out in a worktree other than its own workspace's. */
export function canChoose(b: LocalBranch): boolean {
  return Boolean(b.hasWorkspace) || b.checkedOutAt === undefined;
}

export interface BranchRequest {
  title: string;
  step?: Step;
  /** What is typed at first (the name typed before going back). */
  value?: string;
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
  /** With a step after the first, the question has a Back button. */
  step?: Step;
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

export interface InputRequest {
  title: string;
  prompt: string;
  /** Shown selected at first. */
  value?: string;
  placeholder?: string;
  /** Why `value` cannot be used, or undefined when it can. */
  validate?(value: string): string | undefined;
}

export interface ConfirmRequest {
  message: string;
  detail?: string;
  /** Button titles; Cancel is always offered besides them. */
  actions: readonly string[];
}

export interface NotifyRequest {
  severity: 'info' | 'warning' | 'error';
  /** One line; details belong in the log. */
  message: string;
  /** Button titles; every action a message mentions is one of them. */
  actions: readonly string[];
}
