import fs from 'node:fs';
import path from 'node:path';
import type { AgentSetting, LaunchTarget } from './model';

interface BuiltinAgent {
  key: string;
  label: string;
  command: string[];
  resumeCommand?: string[];
  continueCommand?: string[];
}

/** Built-in agents: offered when their program is on PATH. */
export const BUILTIN_AGENTS: readonly BuiltinAgent[] = [
  // §8: resume exactly the conversation the hooks reported; the latest one when none was.
  { key: 'claude', label: 'Claude Code', command: ['claude'], resumeCommand: ['claude', '--resume', '{sessionId}'], continueCommand: ['claude', '--continue'] },
  { key: 'codex', label: 'Codex', command: ['codex'], resumeCommand: ['codex', 'resume', '{sessionId}'], continueCommand: ['codex', 'resume', '--last'] },
  { key: 'gemini', label: 'Gemini CLI', command: ['gemini'] },
  { key: 'opencode', label: 'opencode', command: ['opencode'], resumeCommand: ['opencode', '--continue'] },
  { key: 'aider', label: 'Aider', command: ['aider'], resumeCommand: ['aider', '--restore-chat-history'] },
];

export const SHELL_TARGET_KEY = 'shell';

/** Keys become part of tmux session names: keep them to a safe alphabet. */
export const TARGET_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,40}$/;

/** Finds `program` the way execvp would, on the given PATH. */
export function findOnPath(program: string, envPath: string | undefined): string | undefined {
  if (program.includes('/')) return isExecutable(program) ? program : undefined;
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface TargetProblem {
  key: string;
  message: string;
}

/**
 * The launch targets on offer: built-ins (found on PATH, else listed with the
 * reason), configured agents (a key equal to a built-in's replaces it), and
 * the shell. Invalid configured entries are reported, not thrown.
 */
export function resolveLaunchTargets(
  settings: { agents: readonly AgentSetting[]; disabledAgents: readonly string[] },
  env: NodeJS.ProcessEnv,
): { targets: LaunchTarget[]; problems: TargetProblem[] } {
  const problems: TargetProblem[] = [];
  const byKey = new Map<string, LaunchTarget>();
  const disabled = new Set(settings.disabledAgents);
  for (const b of BUILTIN_AGENTS) {
    if (disabled.has(b.key)) continue;
    const found = findOnPath(b.command[0], env.PATH);
    byKey.set(b.key, {
      ...b,
      source: 'builtin',
      available: found !== undefined,
      reason: found ? undefined : `"${b.command[0]}" was not found on PATH`,
    });
  }
  for (const a of settings.agents ?? []) {
    const key = typeof a?.key === 'string' ? a.key : '';
    if (!TARGET_KEY_PATTERN.test(key) || key === SHELL_TARGET_KEY) {
      problems.push({ key: String(key), message: `Agent key "${key}" must be 1–40 letters, digits, ".", "_" or "-", and not "shell".` });
      continue;
    }
    if (!Array.isArray(a.command) || !a.command.length || !a.command.every((c) => typeof c === 'string' && c.length)) {
      problems.push({ key, message: `Agent "${key}" needs "command": a non-empty array of strings (the argv to run).` });
      continue;
    }
    const found = findOnPath(a.command[0], env.PATH);
    byKey.set(key, {
      key,
      label: a.label || key,
      command: [...a.command],
      resumeCommand: Array.isArray(a.resumeCommand) && a.resumeCommand.length ? [...a.resumeCommand] : undefined,
      env: a.env && typeof a.env === 'object' ? Object.fromEntries(Object.entries(a.env).map(([k, v]) => [k, String(v)])) : undefined,
      source: 'configured',
      available: found !== undefined,
      reason: found ? undefined : `"${a.command[0]}" was not found on PATH`,
    });
  }
  const shell = env.SHELL && findOnPath(env.SHELL, env.PATH) ? env.SHELL : '/bin/sh';
  byKey.set(SHELL_TARGET_KEY, { key: SHELL_TARGET_KEY, label: 'Shell', command: [shell], source: 'shell', available: true });
  return { targets: [...byKey.values()], problems };
}
