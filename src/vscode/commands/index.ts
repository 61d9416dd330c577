import * as vscode from 'vscode';
import { UserError } from '../../core';
import { TreeNode } from '../tree/nodes';
import type { Command, CommandDeps, Invocation, LocalCommand } from './command';
import { addToWorkspace } from './addToWorkspace';
import { copyAttachCommand } from './copyAttachCommand';
import { createWorkspace } from './createWorkspace';
import { deleteWorkspace } from './deleteWorkspace';
import { forgetWorkspace } from './forgetWorkspace';
import type { CommandIdValue } from './ids';
import { launch } from './launch';
import { nextWaitingSession } from './nextWaitingSession';
import { openInNewWindow } from './openInNewWindow';
import { openInThisWindow } from './openInThisWindow';
import { openTerminal } from './openTerminal';
import { recreateWorkspace } from './recreateWorkspace';
import { refresh } from './refresh';
import { relaunchLost } from './relaunchLost';
import { renameSession } from './renameSession';
import { retrySetup } from './retrySetup';
import { revealWorktree } from './revealWorktree';
import { deleteSelected, openSelected } from './selection';
import { showActions } from './showActions';
import { showLog } from './showLog';
import { stopSession } from './stopSession';
import { adoptWorktree } from './adoptWorktree';
import { cleanUp } from './cleanUp';
import { createPullRequest } from './createPullRequest';
import { createWorkspaceFromPullRequest } from './createWorkspaceFromPullRequest';
import { dropSavedChanges } from './dropSavedChanges';
import { findLeftovers } from './findLeftovers';
import { mergeIntoBase } from './mergeIntoBase';
import { restoreSavedChanges } from './restoreSavedChanges';
import { reviewChanges } from './reviewChanges';
import { reviewRepositorySetup } from './reviewRepositorySetup';
import { showSavedChanges } from './showSavedChanges';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argument type
const COMMANDS: readonly (Command<any, unknown> | LocalCommand)[] = [
  createWorkspace, openTerminal, launch, stopSession, deleteWorkspace, refresh, retrySetup,
  recreateWorkspace, forgetWorkspace, relaunchLost, copyAttachCommand, openInNewWindow,
  openInThisWindow, addToWorkspace, renameSession, revealWorktree, showActions, showLog, nextWaitingSession,
  openSelected, deleteSelected,
  // Finishing the work (SPEC §10).
  reviewChanges, mergeIntoBase, createPullRequest, createWorkspaceFromPullRequest, findLeftovers, cleanUp,
  adoptWorktree, restoreSavedChanges, showSavedChanges, dropSavedChanges,
  // Setup from the repository (SPEC §9).
  reviewRepositorySetup,
];

/** Registers every command; each runs through `execute`, which reports failures as SPEC §6–§7 ask. */
export function registerCommands(deps: Omit<CommandDeps, 'execute'>): vscode.Disposable[] {
  const full: CommandDeps = { ...deps, execute: (id, invocation) => execute(byId(id), invocation, full) };
  return COMMANDS.map((c) => vscode.commands.registerCommand(c.id, (arg: unknown) => execute(c, invocationOf(arg), full)));
}

function byId(id: CommandIdValue): Command<unknown, unknown> | LocalCommand {
  const c = COMMANDS.find((x) => x.id === id);
  if (!c) throw new Error(`no command ${id}`);
  return c;
}

/**
 * No argument (the palette, the status bar) or a tree row: interactive.
 * An argument object: programmatic, no prompt.
 */
function invocationOf(arg: unknown): Invocation<Record<string, unknown>> {
  if (arg === undefined) return { args: {}, interactive: true };
  if (arg instanceof TreeNode) return { args: { ...arg.target }, interactive: true };
  if (typeof arg === 'object' && arg !== null && !Array.isArray(arg)) return { args: arg as Record<string, unknown>, interactive: false };
  return { args: { invalid: arg }, interactive: false };
}

async function execute(c: Command<unknown, unknown> | LocalCommand, invocation: Invocation<unknown>, deps: CommandDeps): Promise<unknown> {
  try {
    if ('local' in c) return await c.run(deps);
    if ('invalid' in (invocation.args as object)) throw new UserError(`${c.id} takes an argument object, not ${typeof (invocation.args as { invalid: unknown }).invalid}.`);
    const services = await deps.services;
    return await c.run(invocation, services, deps);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // SPEC §7: the details go to the log; the user gets one message naming what failed.
    const detail = e instanceof UserError ? e.detail : e instanceof Error ? e.stack : undefined;
    deps.log.error(`${c.id} failed: ${message}${detail ? `\n${detail}` : ''}`);
    if (!invocation.interactive) throw new Error(message);
    const showLog = 'Show Log';
    void vscode.window.showErrorMessage(message, showLog).then((choice) => choice === showLog && deps.log.show(true));
    return undefined;
  }
}
