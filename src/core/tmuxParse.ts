// Pure parts of the tmux adapter: output parsers, escaping, names and the server's
// environment; fixture-tested in test/unit/tmuxParse.test.ts.

/** Set by the bell hook to the session's activity time when an agent rings the bell (waiting for input). */
export const BELL_OPTION = '@wts_bell';
export const BELL_NOTE_OPTION = '@wts_bell_note';
/**
 * §8 OSC 9 / 777: tmux drops these notifications, so the pane's output is
 * piped to the state hook's --osc mode. pipe-pane takes only a shell command,
 * so this one is a constant: the hook's path and tmux's are session options
 * set as plain arguments, and tmux's own #{q:} quotes them for the shell.
 */
export const OSC_WATCH_COMMAND = 'exec #{q:@wts_osc_hook} --osc #{q:socket_path} #{q:session_name} #{q:@wts_osc_tmux}';

/** One field per tab; the order here is the order of LIST_FORMAT. */
export const LIST_FIELDS = [
  'session_name',
  '@wts_owner',
  '@wts_created',
  'session_created',
  // Output time: session_activity only moves with a client's keys, window_activity with the pane's output.
  'window_activity',
  'pane_pid',
  'pane_dead',
  'start_time',
  'window_bell_flag',
  '@wts_bell',
  'pane_current_command',
  // tmux strips control characters from titles, so a tab or newline never reaches the listing from here.
  'pane_title',
  // §8: what an agent's hook (or a screen rule) reported; written by the state hook, never a tab or newline.
  '@wts_state',
  '@wts_state_at',
  '@wts_state_source',
  '@wts_state_note',
  '@wts_gen',
  '@wts_summary',
  '@wts_agent_session',
  '@wts_launcher',
  // What an OSC 9 / 777 notification said (the state hook's --osc mode): cut to one line of printable text.
  '@wts_bell_note',
  // Last: the one value that may hold a tab (a path).
  '@wts_worktree',
] as const;

export const LIST_FORMAT = LIST_FIELDS.map((f) => `#{${f}}`).join('\t');

export interface LiveSession {
  name: string;
  /** Value of @wts_owner; empty when the session carries no marker. */
  owner: string;
  /** Value of @wts_created (ms since epoch), or undefined when unset. */
  createdStamp?: number;
  /** tmux's own creation time, ms since epoch. */
  createdAt: number;
  activityAt: number;
  panePid: number;
  paneDead: boolean;
  bell: boolean;
  /** When the session last rang the bell (@wts_bell, ms since epoch): it waits for input until new output follows. */
  bellAt?: number;
  /** The text of the OSC 9 / 777 notification behind that bell, if it was one. */
  bellNote?: string;
  /** @wts_worktree on base sessions: lets a lost database be rebuilt. */
  worktree?: string;
  /** The program in the foreground of the pane (pane_current_command). */
  command?: string;
  /** The title the program set on its terminal; tmux's default is the host name. */
  title?: string;
  /** A reported state (§8): from the agent's hook, or a screen rule a window wrote back. */
  reported?: ReportedState;
  /** What the agent works on, from its hook (first line of the last prompt). */
  summary?: string;
  /** The agent's own conversation id (Claude Code session_id, Codex thread id). */
  agentSessionId?: string;
  /** Which window launched the session (its notification falls back there). */
  launcher?: string;
}

export type ReportedStateName = 'working' | 'waiting' | 'done';

export interface ReportedState {
  state: ReportedStateName;
  /** ms since epoch (tmux keeps seconds). */
  at: number;
  source: 'hook' | 'rule';
  /** Why, e.g. "Claude needs your permission to use Bash". */
  note?: string;
  /** The generation (@wts_created) the reporter was started for. */
  generation?: number;
}

export interface SessionListing {
  serverRunning: boolean;
  /** When the tmux server started, ms since epoch (R2). */
  serverStartedAt?: number;
  sessions: LiveSession[];
}

const intOrUndefined = (s: string | undefined): number | undefined => {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  return Number(s);
};

export function parseSessionListing(stdout: string): SessionListing {
  const sessions: LiveSession[] = [];
  let serverStartedAt: number | undefined;
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const parts = line.split('\t');
    if (parts.length < LIST_FIELDS.length) continue;
    // A worktree path may itself hold a tab; everything past the fixed fields belongs to it.
    const [name, owner, stamp, created, activity, pid, dead, start, bell, bellAt, command, title, state, stateAt, stateSource, note, gen, summary, agentSession, launcher, bellNote] = parts;
    const worktree = parts.slice(LIST_FIELDS.length - 1).join('\t');
    const startSec = intOrUndefined(start);
    if (startSec !== undefined) serverStartedAt = startSec * 1000;
    sessions.push({
      name,
      owner,
      createdStamp: intOrUndefined(stamp),
      createdAt: (intOrUndefined(created) ?? 0) * 1000,
      activityAt: (intOrUndefined(activity) ?? 0) * 1000,
      panePid: intOrUndefined(pid) ?? 0,
      paneDead: dead === '1',
      bell: bell === '1',
      bellAt: intOrUndefined(bellAt) === undefined ? undefined : intOrUndefined(bellAt)! * 1000,
      bellNote: bellNote || undefined,
      worktree: worktree || undefined,
      command: command || undefined,
      title: title || undefined,
      reported: reportedState(state, stateAt, stateSource, note, gen),
      summary: summary || undefined,
      agentSessionId: agentSession || undefined,
      launcher: launcher || undefined,
    });
  }
  return { serverRunning: true, serverStartedAt, sessions };
}

const REPORTED_STATES: readonly string[] = ['working', 'waiting', 'done'];

function reportedState(state: string, at: string, source: string, note: string, gen: string): ReportedState | undefined {
  if (!REPORTED_STATES.includes(state)) return undefined;
  return {
    state: state as ReportedStateName,
    at: (intOrUndefined(at) ?? 0) * 1000,
    source: source === 'rule' ? 'rule' : 'hook',
    note: note || undefined,
    generation: intOrUndefined(gen),
  };
}

/** tmux's answer when there is no server on the socket (not an error for us). */
export function isNoServerError(stderr: string): boolean {
  return /no server running|error connecting to|failed to connect to server|server exited unexpectedly|No such file or directory/i.test(stderr);
}

export interface TmuxVersion {
  raw: string;
  major: number;
  minor: number;
}

export const MIN_TMUX = { major: 3, minor: 2 } as const;

/** Parses `tmux -V`: "tmux 3.3a", "tmux 3.2", "tmux next-3.5", "tmux openbsd-7.4". */
export function parseTmuxVersion(stdout: string): TmuxVersion | undefined {
  const raw = stdout.trim();
  const m = /^tmux\s+(?:next-|openbsd-)?(\d+)\.(\d+)/.exec(raw);
  if (!m) {
    // Development builds print "tmux master": new enough by definition.
    return /^tmux\s+master/.test(raw) ? { raw, major: 99, minor: 0 } : undefined;
  }
  if (/openbsd-/.test(raw)) return { raw, major: 99, minor: 0 };
  return { raw, major: Number(m[1]), minor: Number(m[2]) };
}

export function isSupportedTmux(v: TmuxVersion): boolean {
  return v.major > MIN_TMUX.major || (v.major === MIN_TMUX.major && v.minor >= MIN_TMUX.minor);
}

/**
 * tmux format-expands some arguments (`new-session -c` among them): `#(cmd)`
 * runs a command, `#S` and `#{…}` insert values. This makes a value come out
 * of one expansion exactly as given: every `#` doubled, except a run of `#`
 * right before `[`, which tmux (3.2 and every later release) copies as it
 * stands, taking it for a style.
 */
export function escapeFormat(value: string): string {
  return value.replace(/#+(\[)?/g, (run: string, bracket?: string) => (bracket ? run : run + run));
}

/**
 * tmux splits its own argv into commands at every argument ending in `;`
 * (and drops that `;`), even where no second command was meant; a final `\;`
 * stands for a `;`. This makes an argument reach its command exactly as given.
 */
export function escapeArgument(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/**
 * Only these variables reach the tmux server: it outlives the window and hands
 * its environment to every later session, so a secret in the extension host's
 * environment must not leak into it. Exact names only, never prefixes.
 */
export const SERVER_ENV_ALLOWLIST = [
  'PATH', 'HOME', 'SHELL', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TERM', 'TMPDIR', 'TMUX_TMPDIR',
] as const;

export function serverEnvironment(source: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of SERVER_ENV_ALLOWLIST) {
    const value = source[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Names the extension gives its sessions; checked before any name reaches a tmux command string. */
const OWN_SESSION_NAME = /^wts-[0-9a-f]{16}(?:-[A-Za-z0-9_.-]+)?$/;

export function isOwnSessionName(name: string): boolean {
  return OWN_SESSION_NAME.test(name);
}

export type TmuxProbe =
  | { ok: true; version: TmuxVersion }
  | { ok: false; problem: 'missing' | 'too-old' | 'unrecognised'; message: string };

export class TmuxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TmuxUnavailableError';
  }
}
