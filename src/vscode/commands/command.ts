import * as vscode from 'vscode';
import { UserError, type LifecycleService, type TmuxProbe, type WorkspaceView } from '../../core';
import type { Prompter } from '../prompts/prompter';
import type { OpenRepositories } from '../repositories';
import type { SettingsFacade } from '../settings';
import type { SessionTerminals } from '../terminals';
import type { TreeNode } from '../tree/nodes';
import type { WorkspaceTreeProvider } from '../tree/workspaceTree';
import type { CommandIdValue } from './ids';

/** What the commands need once the core is up. */
export interface Services {
  lifecycle: LifecycleService;
  terminals: SessionTerminals;
  repositories: OpenRepositories;
  tree: WorkspaceTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  /** Probes tmux again (after an install or a settings change) and updates the views. */
  recheckTmux(): Promise<TmuxProbe>;
}

export interface CommandDeps {
  /** Resolves when the first reconciliation is done; commands wait for it. */
  services: Promise<Services>;
  prompter(): Prompter;
  settings: SettingsFacade;
  log: vscode.LogOutputChannel;
  /** Runs another command as the user would (for the status bar's actions). */
  execute(id: CommandIdValue, invocation: Invocation<unknown>): Promise<unknown>;
}

/**
 * How a command was invoked. With an argument object it is programmatic: no
 * prompt, and failures reject. From the palette, a tree row or the status bar
 * it is interactive: missing values are asked for and failures are shown.
 */
export interface Invocation<A> {
  args: Partial<A>;
  interactive: boolean;
}

export interface Command<A = unknown, R = unknown> {
  readonly id: CommandIdValue;
  run(invocation: Invocation<A>, services: Services, deps: CommandDeps): Promise<R>;
}

/** A command that works before (or without) the core, such as showing the log. */
export interface LocalCommand {
  readonly id: CommandIdValue;
  readonly local: true;
  run(deps: CommandDeps): Promise<void>;
}

export interface WorkspaceArgs {
  workspaceId: string;
}

export interface SessionArgs extends WorkspaceArgs {
  sessionName: string;
}

/** A required field of the argument object; its absence names the command and the field. */
export function required<A, K extends keyof A & string>(invocation: Invocation<A>, key: K, id: CommandIdValue, type: 'string' | 'boolean' = 'string'): A[K] {
  const value = invocation.args[key];
  if (value === undefined || value === null || value === '') throw new UserError(`${id} needs "${key}" in its argument object.`);
  if (typeof value !== type) throw new UserError(`${id}: "${key}" must be a ${type}, not ${typeof value}.`);
  return value as A[K];
}

/** An optional field, checked for its type. */
export function optional<A, K extends keyof A & string>(invocation: Invocation<A>, key: K, id: CommandIdValue, type: 'string' | 'boolean'): A[K] | undefined {
  const value = invocation.args[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw new UserError(`${id}: "${key}" must be a ${type}, not ${typeof value}.`);
  return value as A[K];
}

export function workspaceById(s: Services, id: string): WorkspaceView {
  const w = s.lifecycle.workspace(id);
  if (!w) throw new UserError(`There is no workspace with id "${id}". It may have been deleted in another window.`);
  return w;
}

/** How to ask for a workspace: the pick's title, which workspaces fit, and what to say when none does. */
export interface WorkspaceQuestion {
  title: string;
  filter?: (w: WorkspaceView) => boolean;
  none: string;
}

export const isReady = (w: WorkspaceView): boolean => w.status === 'ready';

/**
 * The workspace a command acts on: the one named by the arguments, else (when
 * interactive) the only candidate or the user's pick, this window's first.
 */
export async function chooseWorkspace(
  invocation: Invocation<WorkspaceArgs>,
  s: Services,
  deps: CommandDeps,
  id: CommandIdValue,
  ask: WorkspaceQuestion,
): Promise<WorkspaceView | undefined> {
  if (invocation.args.workspaceId !== undefined || !invocation.interactive) {
    return workspaceById(s, required(invocation, 'workspaceId', id));
  }
  const all = s.lifecycle.list();
  const candidates = all.filter(ask.filter ?? (() => true));
  if (!candidates.length) throw new UserError(ask.none);
  if (candidates.length === 1) return candidates[0];
  const here = s.repositories.windowWorkspace(all);
  const ordered = here && candidates.includes(here) ? [here, ...candidates.filter((w) => w !== here)] : candidates;
  return deps.prompter().pick({
    purpose: 'workspace',
    title: ask.title,
    placeholder: 'Choose a workspace',
    items: ordered.map((w) => ({
      label: w.branch,
      icon: 'git-branch',
      description: [w === here ? 'this window' : '', w.status === 'ready' ? '' : w.status, w.sessions.length ? `${w.sessions.length} session${w.sessions.length === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · '),
      detail: w.worktreePath,
      value: w,
    })),
  });
}

/** A command that acts on one workspace, chosen as chooseWorkspace does; a dismissed pick does nothing. */
export function workspaceCommand<A extends WorkspaceArgs, R>(
  id: CommandIdValue,
  ask: WorkspaceQuestion,
  act: (workspace: WorkspaceView, invocation: Invocation<A>, s: Services, deps: CommandDeps) => Promise<R>,
): Command<A, R | undefined> {
  return {
    id,
    async run(invocation, s, deps) {
      const workspace = await chooseWorkspace(invocation, s, deps, id, ask);
      return workspace && act(workspace, invocation, s, deps);
    },
  };
}

/** Runs `work` under a progress notification; `signal` is aborted when the user cancels. */
export function withProgress<T>(
  title: string,
  cancellable: boolean,
  work: (report: (message: string) => void, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable }, (progress, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    return work((message) => progress.report({ message }), controller.signal).finally(() => sub.dispose());
  }));
}
