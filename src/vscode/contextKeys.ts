import * as vscode from 'vscode';
import type { TmuxProbe, WorkspaceView } from '../core';

/** Every context key the extension sets; package.json's `when` clauses read them. */
export const ContextKey = {
  /** The first reconciliation has finished: welcome views may show. */
  ready: 'worktreeSessions.ready',
  hasRepository: 'worktreeSessions.hasRepository',
  hasWorkspaces: 'worktreeSessions.hasWorkspaces',
  hasSessions: 'worktreeSessions.hasSessions',
  hasFailedWorkspaces: 'worktreeSessions.hasFailedWorkspaces',
  hasMissingWorkspaces: 'worktreeSessions.hasMissingWorkspaces',
  tmuxMissing: 'worktreeSessions.tmuxMissing',
  tmuxTooOld: 'worktreeSessions.tmuxTooOld',
  /** The selected row's contextValue, for the view's Enter and Delete keys. */
  selectedRow: 'worktreeSessions.selectedRow',
} as const;

type Key = (typeof ContextKey)[keyof typeof ContextKey];

/** Sets context keys, skipping the round trip when a value did not change. */
export class ContextKeys {
  private readonly values = new Map<Key, boolean | string>();

  set(key: Key, value: boolean | string): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  get(key: Key): boolean | string {
    return this.values.get(key) ?? false;
  }

  fromWorkspaces(list: readonly WorkspaceView[]): void {
    this.set(ContextKey.hasWorkspaces, list.length > 0);
    this.set(ContextKey.hasSessions, list.some((w) => w.sessions.length > 0 || w.lostSessions.length > 0));
    this.set(ContextKey.hasFailedWorkspaces, list.some((w) => w.status === 'error'));
    this.set(ContextKey.hasMissingWorkspaces, list.some((w) => w.status === 'missing'));
  }

  fromTmux(probe: TmuxProbe): void {
    this.set(ContextKey.tmuxMissing, !probe.ok && probe.problem === 'missing');
    this.set(ContextKey.tmuxTooOld, !probe.ok && probe.problem !== 'missing');
  }
}
