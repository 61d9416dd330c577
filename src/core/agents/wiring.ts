import path from 'node:path';
import { SHELL_TARGET_KEY } from '../targets';
import type { AgentFiles } from './stateHook';

/**
 * How each built-in agent reports to WTS_STATE_HOOK, per session and without
 * touching the user's own configuration (SPEC §8). Applied by target key, so
 * a `worktreeSessions.agents` entry that replaces a built-in's command keeps
 * the wiring. `exact` lists the states the agent's own events give; the
 * others come from the bell, screen rules and the process.
 */
export interface AgentWiring {
  /** The program the extra arguments belong to; they go right after it in the argv. */
  program: string;
  args?(files: AgentFiles): string[];
  /** Variables for the session; a target's own `env` overrides them. */
  env?(files: AgentFiles): Record<string, string> | undefined;
  exact: readonly ('working' | 'waiting' | 'done')[];
}

export const AGENT_WIRING: Readonly<Record<string, AgentWiring>> = {
  // --settings adds to the user's settings; its hooks run next to theirs.
  claude: { program: 'claude', args: (f) => ['--settings', f.claudeSettings], exact: ['working', 'waiting', 'done'] },
  // -c overrides one key for this run only; Codex execs the notify argv with the event's JSON as one more argument.
  codex: {
    program: 'codex',
    args: () => ['-c', `notify=${JSON.stringify(['/bin/sh', '-c', 'exec "$WTS_STATE_HOOK" --codex "$1"', 'wts-state-hook'])}`],
    exact: ['done'],
  },
  // Gemini CLI takes no settings file on its command line; its system defaults file can be moved (stateHook.ts).
  gemini: {
    program: 'gemini',
    env: (f) => (f.geminiDefaults ? { GEMINI_CLI_SYSTEM_DEFAULTS_PATH: f.geminiDefaults } : undefined),
    exact: ['working', 'waiting', 'done'],
  },
  // opencode loads plugins from OPENCODE_CONFIG_DIR as well as from the user's and the project's folders.
  opencode: { program: 'opencode', env: (f) => ({ OPENCODE_CONFIG_DIR: f.opencodeConfigDir }), exact: ['working', 'waiting', 'done'] },
  // Aider runs the command through the shell when it waits for input after a reply.
  aider: { program: 'aider', args: () => ['--notifications', '--notifications-command', '"$WTS_STATE_HOOK" done'], exact: ['done'] },
};

/** The argv with the agent's wiring inserted after its program (or appended when a wrapper hides it). */
export function wireCommand(targetKey: string, argv: readonly string[], files: AgentFiles | undefined): string[] {
  const wiring = AGENT_WIRING[targetKey];
  if (!wiring?.args || !files || !argv.length) return [...argv];
  const at = argv.findIndex((a) => path.basename(a) === wiring.program);
  const extra = wiring.args(files);
  return at < 0 ? [...argv, ...extra] : [...argv.slice(0, at + 1), ...extra, ...argv.slice(at + 1)];
}

/** The variables that wire the agent's session (none for agents wired by arguments). */
export function wireEnv(targetKey: string, files: AgentFiles | undefined): Record<string, string> {
  const wiring = AGENT_WIRING[targetKey];
  return (files && wiring?.env?.(files)) || {};
}

/** Whether the agent's hooks report `working`; without it, output after a `done` means a new turn began. */
export function reportsWorking(targetKey: string): boolean {
  const wiring = AGENT_WIRING[targetKey];
  return wiring ? wiring.exact.includes('working') : true;
}

/**
 * §8: whether a session of this target is watched for OSC 9 / 777
 * notifications. Not shells, and not agents whose own hooks already say when
 * they wait: the watcher is one more process per session.
 */
export function watchesNotifications(targetKey: string): boolean {
  if (targetKey === SHELL_TARGET_KEY) return false;
  const wiring = AGENT_WIRING[targetKey];
  return !wiring || !wiring.exact.includes('waiting');
}
