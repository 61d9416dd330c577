import * as vscode from 'vscode';
import type { Logger } from '../core';

/** The "Worktree Sessions" log channel, behind the Logger interface core expects. */
export function createLog(): { channel: vscode.LogOutputChannel; logger: Logger } {
  const channel = vscode.window.createOutputChannel('Worktree Sessions', { log: true });
  const logger: Logger = {
    trace: (m) => channel.trace(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
  return { channel, logger };
}
