import path from 'node:path';
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
  args(files: AgentFiles): string[];
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
  // Aider runs the command through the shell when it waits for input after a reply.
  aider: { program: 'aider', args: () => ['--notifications', '--notifications-command', '"$WTS_STATE_HOOK" done'], exact: ['done'] },
};

/** The argv with the agent's wiring inserted after its program (or appended when a wrapper hides it). */
export function wireCommand(targetKey: string, argv: readonly string[], files: AgentFiles | undefined): string[] {
  const wiring = AGENT_WIRING[targetKey];
  if (!wiring || !files || !argv.length) return [...argv];
  const at = argv.findIndex((a) => path.basename(a) === wiring.program);
  const extra = wiring.args(files);
  return at < 0 ? [...argv, ...extra] : [...argv.slice(0, at + 1), ...extra, ...argv.slice(at + 1)];
}

/** Whether the agent's hooks report `working`; without it, output after a `done` means a new turn began. */
export function reportsWorking(targetKey: string): boolean {
  const wiring = AGENT_WIRING[targetKey];
  return wiring ? wiring.exact.includes('working') : true;
}
