import * as vscode from 'vscode';
import type { Logger } from '../core';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** How many lines shown at the default level are kept for the tests to read back. */
const RECENT_LINES = 200;

/**
 * The "Worktree Sessions" log channel, and the Logger interface core expects
 * on top of it. SPEC §5: failures at the default level, every call at Debug —
 * core's finest level (each git and tmux call) is the channel's Debug.
 */
export function createLog(): { channel: vscode.LogOutputChannel; logger: Logger; recent: () => readonly LogLine[] } {
  const raw = vscode.window.createOutputChannel('Worktree Sessions', { log: true });
  const lines: LogLine[] = [];
  const shown = new Set<string>(['info', 'warn', 'error']);
  // The channel as the rest of the extension writes to it, keeping what the default level shows.
  const channel = new Proxy(raw, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (typeof prop === 'string' && shown.has(prop)) {
        return (message: string | Error, ...args: unknown[]) => {
          lines.push({ level: prop as LogLine['level'], message: message instanceof Error ? message.message : message });
          if (lines.length > RECENT_LINES) lines.shift();
          return (value as (...a: unknown[]) => unknown).call(target, message, ...args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  const logger: Logger = {
    trace: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
  return { channel, logger, recent: () => lines };
}
