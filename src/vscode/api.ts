import type * as vscode from 'vscode';
import type { SessionState, SessionView, StateSource, WorkspaceStatus, WorkspaceView } from '../core';
import type { LogLine } from './log';
import type { Prompter } from './prompts/prompter';
import type { TreeNode } from './tree/nodes';
import type { TreeSnapshot, WorkspaceTreeProvider } from './tree/workspaceTree';

/** A workspace as SPEC §6 shows it to other extensions and tests. */
export interface ApiWorkspace {
  id: string;
  repoRoot: string;
  worktreePath: string;
  branch: string;
  baseRef: string;
  status: WorkspaceStatus;
  error?: string;
  baseSession: { name: string; running: boolean };
  sessions: ApiSession[];
  /** §9: the workspace's port block, when its repository asks for ports. */
  ports?: { first: number; count: number };
}

export interface ApiSession {
  name: string;
  target: string;
  label: string;
  createdAt: number;
  state: SessionState;
  stateSource: StateSource;
  stateAt: number;
  summary?: string;
  agentSessionId?: string;
}

export interface WorktreeSessionsApi {
  /** Resolves after the first reconciliation (rejects if the extension could not start). */
  readonly ready: Promise<void>;
  /** The socket name passed to `tmux -L`. */
  readonly tmuxSocket: string;
  listWorkspaces(): Promise<ApiWorkspace[]>;
  /** Internal: hooks for the extension's own integration tests. Not a public API. */
  readonly _test: TestHooks;
}

export interface TestHooks {
  /** Replaces the prompter (undefined restores the quick-input one). */
  setPrompter(prompter: Prompter | undefined): void;
  readonly tree: WorkspaceTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  /** The tree's rows as plain data, once the extension is ready. */
  treeSnapshot(): Promise<TreeSnapshot[]>;
  statusBar(): Promise<{ text: string; visible: boolean; tooltip: string; warning: boolean }>;
  /** The VS Code terminal attached to a tmux session, if any. */
  terminalOf(sessionName: string): Promise<vscode.Terminal | undefined>;
  /** Closes every session terminal as a window reload would, then reattaches them as activation does; returns how many. */
  reloadTerminals(): Promise<number>;
  /** The sessions whose terminals this window will reattach after a reload. */
  rememberedTerminals(): Promise<string[]>;
  /** The extension's global storage folder, where the shared database lives. */
  readonly storageDir: string;
  /** The last lines the log showed at its default level (Info and above). */
  logLines(): LogLine[];
  /** Runs a reconciliation now instead of waiting for the next tick. */
  reconcile(): Promise<void>;
}

export function toApiSession(s: SessionView): ApiSession {
  return {
    name: s.name, target: s.target, label: s.label, createdAt: s.createdAt,
    state: s.state, stateSource: s.stateSource, stateAt: s.stateAt,
    ...(s.summary !== undefined ? { summary: s.summary } : {}),
    ...(s.agentSessionId !== undefined ? { agentSessionId: s.agentSessionId } : {}),
  };
}

/** SPEC §6's shape exactly: what the tree needs besides (lost sessions, busy) stays inside. */
export function toApiWorkspace({ id, repoRoot, worktreePath, branch, baseRef, status, error, baseSession, sessions, ports }: WorkspaceView): ApiWorkspace {
  return {
    id, repoRoot, worktreePath, branch, baseRef, status,
    ...(error !== undefined ? { error } : {}),
    ...(ports ? { ports: { first: ports.first, count: ports.count } } : {}),
    baseSession: { name: baseSession.name, running: baseSession.running },
    sessions: sessions.map(toApiSession),
  };
}
