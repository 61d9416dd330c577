import type { SessionState, StateRule, StateSource } from '../model';
import type { LiveSession, ReportedState } from '../tmuxParse';

/** §8: output in the last 30 s reads as "running", none as "idle". */
export const ACTIVE_WINDOW_MS = 30_000;
/** §8: a `working` state with no output for this long is re-checked by the screen rules. */
export const STALE_WORKING_MS = 10 * 60_000;
/** Output this soon after a reported state is the agent finishing its own write, not a new turn. */
const OUTPUT_GRACE_MS = 2_000;

/**
 * The built-in screen rules (the defaults of `worktreeSessions.stateRules`,
 * which package.json repeats for the settings editor). Best effort: what
 * each agent's terminal shows, first match wins, in order.
 */
export const BUILTIN_STATE_RULES: Readonly<Record<string, StateRule[]>> = {
  claude: [
    { pattern: 'Do you want to (proceed|make this edit|create|allow)', state: 'waiting' },
    { pattern: '❯ 1\\. Yes', state: 'waiting' },
    { pattern: 'esc to interrupt', state: 'working' },
  ],
  codex: [
    { pattern: 'Would you like to (run|make|apply)', state: 'waiting' },
    { pattern: 'Allow command\\?', state: 'waiting' },
    { pattern: 'esc to interrupt', state: 'working' },
  ],
  gemini: [
    { pattern: 'Allow execution|Apply this change\\?|Waiting for user confirmation', state: 'waiting' },
    { pattern: 'esc to cancel', state: 'working' },
  ],
  opencode: [
    { pattern: 'Permission required|Allow once', state: 'waiting' },
    { pattern: 'esc (to )?interrupt', state: 'working' },
  ],
  aider: [
    { pattern: '\\(Y\\)es/\\(N\\)o', state: 'waiting' },
  ],
};

/** The rules for a target: the user's for that key, else the built-in ones. */
export function rulesFor(key: string, configured: Readonly<Record<string, StateRule[]>> | undefined): StateRule[] {
  const own = configured?.[key];
  return Array.isArray(own) ? own : BUILTIN_STATE_RULES[key] ?? [];
}

/** The first rule that matches one of the pane's last non-empty lines; invalid patterns are skipped. */
export function matchRules(rules: readonly StateRule[], pane: string): StateRule | undefined {
  const lines = pane.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim());
  for (const rule of rules) {
    let re: RegExp;
    try {
      re = new RegExp(rule.pattern);
    } catch {
      continue;
    }
    if (!['working', 'waiting', 'done'].includes(rule.state)) continue;
    if (lines.slice(-Math.max(1, rule.lines ?? 8)).some((l) => re.test(l))) return rule;
  }
  return undefined;
}

export interface DerivedState {
  state: SessionState;
  source: StateSource;
  at: number;
  note?: string;
}

/**
 * A session's state from the one listing (§8, strongest first): the agent's
 * hook, the bell, a screen rule a window wrote back, then the process.
 */
export function deriveState(l: LiveSession, now: number, options: { reportsWorking: boolean }): DerivedState {
  if (l.paneDead) return { state: 'exited', source: 'process', at: l.activityAt || now };
  const reported = currentReport(l, now, options);
  const bellAt = l.bellAt ?? (l.bell ? l.activityAt : undefined);
  // Waiting for input: the bell rang and nothing was written since (tmux times are in seconds).
  const bellWaiting = bellAt !== undefined && (l.bell || l.activityAt <= bellAt);
  if (reported?.source === 'hook' && !(bellWaiting && reported.state === 'working' && bellAt! > reported.at)) {
    return { state: reported.state, source: 'hook', at: reported.at, note: reported.note };
  }
  if (bellWaiting) return { state: 'waiting', source: 'bell', at: bellAt! };
  if (reported) return { state: reported.state, source: 'rule', at: reported.at, note: reported.note };
  const active = now - l.activityAt < ACTIVE_WINDOW_MS;
  return { state: active ? 'running' : 'idle', source: 'process', at: active ? l.activityAt : l.activityAt || l.createdAt };
}

/** The reported state while it still holds: its generation is this session's, and no newer output outdated it. */
export function currentReport(l: LiveSession, now: number, options: { reportsWorking: boolean }): ReportedState | undefined {
  const r = l.reported;
  if (!r) return undefined;
  // A reporter started for an older generation of a session of this name is not this session's.
  if (r.generation !== undefined && l.createdStamp !== undefined && r.generation < l.createdStamp) return undefined;
  if (r.source === 'rule') return r;
  if (isStaleWorking(l, now)) return undefined;
  // An agent whose hooks never say "working" started a new turn when it wrote again after done/waiting.
  if (r.state !== 'working' && !options.reportsWorking && l.activityAt > r.at + OUTPUT_GRACE_MS) return undefined;
  return r;
}

/** §8: a hook's `working` with no output for ten minutes is no longer believed without a screen rule. */
export function isStaleWorking(l: LiveSession, now: number): boolean {
  const r = l.reported;
  return r?.state === 'working' && r.source === 'hook' && now - Math.max(l.activityAt, r.at) > STALE_WORKING_MS;
}

/** The row's summary: the title the agent set on its terminal, else the first line of its last prompt. */
export function summaryOf(l: LiveSession, isAgent: boolean, hostNames: readonly string[]): string | undefined {
  const title = l.title?.trim();
  // tmux's default title is the host name; a shell's title says nothing an agent row needs.
  if (isAgent && title && !hostNames.includes(title)) return title;
  return l.summary;
}
