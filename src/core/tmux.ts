import { describeOutcome, ProcessError, type Exec, type ExecResult } from './process/runner';
import { shellQuote } from './quote';
import {
  BELL_NOTE_OPTION, BELL_OPTION, LIST_FORMAT, OSC_WATCH_COMMAND, escapeArgument, escapeFormat, isNoServerError, isSupportedTmux,
  parseSessionListing, parseTmuxVersion, isOwnSessionName, serverEnvironment, TmuxUnavailableError, type SessionListing, type TmuxProbe,
} from './tmuxParse';

export { isOwnSessionName, serverEnvironment, SERVER_ENV_ALLOWLIST, TmuxUnavailableError, type TmuxProbe } from './tmuxParse';

/**
 * Every installation on a socket shares the channel and the hook slot: the
 * hooks are the same command, and a wake-up another installation did not need
 * costs it one listing.
 */
export const CHANGE_CHANNEL = 'wts-sessions-changed';
/** A fixed slot of the hook arrays, clear of index 0 where a user's tmux.conf puts its own. */
const HOOK_INDEX = 47;
const PROBE_DEADLINE_MS = 5_000;
/** A wait that ends at its deadline is re-armed by the next poll tick (S2); the wait itself costs nothing. */
const WAIT_FOR_CHANGE_DEADLINE_MS = 60 * 60_000;

/*
 * What tmux does with the arguments we pass (read in the source of tmux 3.2 to 3.7, tried on 3.3a):
 *
 * Format-expanded (`#(cmd)` runs a command, `#S`, `#{…}` insert values):
 * - new-session -c: expanded (once for the session, once for its pane, each
 *   time from the value as given). The worktree path comes from a branch
 *   name, maybe a remote's, so it is passed through escapeFormat.
 * - new-session -s, and the option name of set-option/set-hook: expanded; our
 *   session names match OWN_SESSION_NAME and option/hook names are constants,
 *   none holds a `#`.
 * - new-session -F, list-sessions -F, if-shell -F's condition: formats by
 *   design; constants, except ownerId, which is checked to be plain letters
 *   and digits.
 * - set-option -F: only in the bell hook, on the constant "#{window_activity}".
 *
 * Not expanded: new-session -e values and the command's argv, set-option
 * values without -F (@wts_owner, @wts_created, @wts_worktree), targets (-t,
 * never: tmux resolves them by name), and an option's value when a format
 * names it (`#{@wts_worktree}` lists the stored path as it is, unless `E:`).
 *
 * Parsed as tmux commands (quoting matters, not formats): the hook commands
 * and if-shell's kill-session, built from constants and checked names only.
 *
 * Every argument: tmux ends a command at any argument ending in `;`, even in
 * a call of one command. newSession passes all of its through escapeArgument;
 * the other calls pass only constants and checked names.
 */

/**
 * tmux reads the user's ~/.tmux.conf (and /etc/tmux.conf) when a command
 * starts its server: options such as destroy-unattached broke launches. Every
 * call that can start the server (new-session, attach-session) reads none.
 */
const NO_USER_CONFIG = ['-f', '/dev/null'] as const;

/**
 * tmux hands a lone command argument to `sh -c` (a path with a space fails, a
 * `;` in it runs a second command) and execs two or more as argv. So every
 * argv reaches tmux behind this prefix: the shell execs "$0" with "$@", as
 * words, never parsing them. /bin/sh rather than env(1): env would take a
 * program path holding `=` for a variable.
 */
const EXEC_AS_ARGV = ['/bin/sh', '-c', 'exec "$0" "$@"'] as const;

export interface NewSessionRequest {
  name: string;
  cwd: string;
  /** argv to run; the server's default shell when absent. */
  command?: string[];
  /** Given to this session only, never to the server. */
  env?: Record<string, string>;
  /** Generation stamp written to @wts_created (L3, S2). */
  stamp: number;
  /** Written to @wts_worktree on base sessions. */
  worktree?: string;
  /** Written to @wts_launcher: the window that launched it, where its notifications fall back (§8). */
  launcher?: string;
  /** §8: watch the pane's output for OSC 9 / 777 notifications with this state hook, calling back through this tmux. */
  watchNotifications?: { hook: string; tmux: string };
}

/** A user option the extension itself writes on a session, with a value of its own making. */
export interface SessionOptionChange {
  name: string;
  options: ReadonlyArray<readonly [option: string, value: string]>;
  /** Set only while this option still has this value. */
  onlyIf?: readonly [option: string, value: string];
}

/** Option names and claim keys the extension writes: plain words, never a "#", "," or "}". */
const PLAIN_WORD = /^[A-Za-z0-9_@-]+$/;

export interface TmuxConfig {
  path(): string;
  socket(): string;
}

export class Tmux {
  private probed?: { key: string; result: Promise<TmuxProbe> };

  constructor(
    private readonly exec: Exec,
    private readonly config: TmuxConfig,
    /** This installation's @wts_owner value. */
    readonly ownerId: string,
    private readonly environment: NodeJS.ProcessEnv = process.env,
  ) {
    // It is written into if-shell's format condition, where `#`, `,` or `}` would change its meaning.
    if (!/^[A-Za-z0-9_-]+$/.test(ownerId)) throw new Error(`the tmux owner id must be letters, digits, "_" or "-": ${ownerId}`);
  }

  get socket(): string {
    return this.config.socket();
  }

  /** Checked once per tmux path; a settings change re-probes. */
  probe(): Promise<TmuxProbe> {
    const key = this.config.path();
    if (!this.probed || this.probed.key !== key) {
      this.probed = { key, result: this.runProbe(key) };
    }
    return this.probed.result;
  }

  /** Forgets the last probe, so the next one runs tmux again (after the user installed it). */
  forgetProbe(): void {
    this.probed = undefined;
  }

  private async runProbe(file: string): Promise<TmuxProbe> {
    // `tmux -V` prints a constant without asking any server: a binary that hangs here is broken.
    const r = await this.exec.run(file, ['-V'], { env: serverEnvironment(this.environment), timeoutMs: PROBE_DEADLINE_MS });
    if (r.kind === 'not-found') {
      return { ok: false, problem: 'missing', message: `tmux cannot be run: ${r.spawnError}. Install tmux 3.2 or later, e.g. "sudo apt-get install tmux", or set worktreeSessions.tmux.path.` };
    }
    if (r.kind !== 'ok' && r.kind !== 'exit') {
      return { ok: false, problem: r.spawnError ? 'missing' : 'unrecognised', message: `tmux -V failed: ${describeOutcome(file, r)}. Check worktreeSessions.tmux.path.` };
    }
    const version = parseTmuxVersion(r.stdout);
    if (!version) return { ok: false, problem: 'unrecognised', message: `Could not read the tmux version from "${r.stdout.trim() || r.stderr.trim()}" (${file}).` };
    if (!isSupportedTmux(version)) {
      return { ok: false, problem: 'too-old', message: `${version.raw} is too old: Worktree Sessions needs tmux 3.2 or later.` };
    }
    return { ok: true, version };
  }

  private async run(args: readonly string[], extra: { timeoutMs?: number; isAnswer?: (r: ExecResult) => boolean } = {}): Promise<ExecResult> {
    // -u: always UTF-8, whatever the locale of the extension host.
    const file = this.config.path();
    const fullArgs = ['-u', '-L', this.config.socket(), ...args];
    const r = await this.exec.run(file, fullArgs, { env: serverEnvironment(this.environment), timeoutMs: extra.timeoutMs ?? 15_000, isAnswer: extra.isAnswer });
    // Issue 8: a stopped or hung server is an error that says so, never "tmux is
    // missing" (D4 would then treat its sessions as gone) and never an exit code to parse.
    if (r.kind === 'timeout' || r.kind === 'signal' || r.kind === 'cancelled') {
      throw new ProcessError(file, fullArgs, r, {
        context: `tmux ${args[0]} on socket ${this.config.socket()}`,
        hint: r.kind === 'timeout' ? 'the tmux server may be stopped or hung' : undefined,
      });
    }
    return r;
  }

  private unavailable(r: ExecResult): TmuxUnavailableError {
    return new TmuxUnavailableError(`tmux could not be started: ${describeOutcome(this.config.path(), r)}. Install tmux 3.2 or later, or set worktreeSessions.tmux.path.`);
  }

  /** R5: one process, whatever the number of sessions. */
  async list(): Promise<SessionListing> {
    // No server yet (before the first session) is an answer, not a failure to log.
    const r = await this.run(['list-sessions', '-F', LIST_FORMAT], { isAnswer: (x) => isNoServerError(x.stderr) });
    if (r.spawnError) throw this.unavailable(r);
    if (r.exitCode !== 0) {
      if (isNoServerError(r.stderr)) return { serverRunning: false, sessions: [] };
      throw new Error(`tmux list-sessions failed: ${r.stderr.trim()}`);
    }
    return parseSessionListing(r.stdout);
  }

  /**
   * Starts a detached session and marks it ours in the same tmux invocation,
   * so no listing can see it unmarked. Returns exitedImmediately when the
   * program exited before the marker could be set.
   */
  async newSession(req: NewSessionRequest): Promise<{ exitedImmediately: boolean; panePid?: number }> {
    if (!isOwnSessionName(req.name)) throw new Error(`refusing to create a tmux session with a foreign name: ${req.name}`);
    // tmux would start it as "_" instead, where no marker or row can find it: a session nobody ever stops.
    if (req.name.includes('.')) throw new Error(`tmux changes "." in a session name to "_": ${req.name}`);
    if (req.command?.[0]?.startsWith('-')) throw new Error(`a program name cannot start with "-": ${req.command[0]}`);
    // set-option takes a pane target: "=name:" is exactly that session's current pane.
    const target = `=${req.name}:`;
    // -P -F: the pane's process id, so the caller can check the session is alive (L3) without listing them all.
    const create = ['new-session', '-d', '-P', '-F', '#{pane_pid}', '-s', req.name, '-c', escapeFormat(req.cwd), '-x', '200', '-y', '50'];
    for (const [k, v] of Object.entries(req.env ?? {})) create.push('-e', `${k}=${v}`);
    if (req.command?.length) create.push('--', ...EXEC_AS_ARGV, ...req.command);
    const mark = [
      // R2: the server must not exit when the last session ends, so "server gone" always means a crash or reboot.
      ['set-option', '-s', 'exit-empty', 'off'],
      // The terminal tab already says what runs there; tmux's status line would only take a row (issue 13).
      ['set-option', '-g', 'status', 'off'],
      ['set-option', '-t', target, '@wts_owner', this.ownerId],
      ['set-option', '-t', target, '@wts_created', String(req.stamp)],
      ...(req.worktree ? [['set-option', '-t', target, '@wts_worktree', req.worktree]] : []),
      ...(req.launcher ? [['set-option', '-t', target, '@wts_launcher', req.launcher]] : []),
      ...(req.watchNotifications ? [
        ['set-option', '-t', target, '@wts_osc_hook', req.watchNotifications.hook],
        ['set-option', '-t', target, '@wts_osc_tmux', req.watchNotifications.tmux],
        ['pipe-pane', '-O', '-t', target, OSC_WATCH_COMMAND],
      ] : []),
    ];
    const chain = [create, ...mark].flatMap((command, i) => [...(i ? [';'] : []), ...command.map(escapeArgument)]);
    const r = await this.run([...NO_USER_CONFIG, ...chain]);
    if (r.spawnError) throw this.unavailable(r);
    if (r.exitCode === 0) return { exitedImmediately: false, panePid: panePidOf(r.stdout) };
    if (/can't find session|no such session|session not found/i.test(r.stderr) && !/duplicate session/i.test(r.stderr)) {
      return { exitedImmediately: true };
    }
    throw new Error(`tmux new-session ${req.name} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  }

  /**
   * S2 without polling: installs (idempotently) server hooks that signal
   * CHANGE_CHANNEL whenever a session closes, a pane dies or a bell rings (an
   * agent waiting for input), then blocks until that happens, all in one tmux
   * process that uses no CPU while it waits. Resolves true when woken, false
   * when tmux failed (no server, aborted). The server latches a signal nobody
   * waited for, so a change between two waits wakes the next one at once.
   */
  async waitForChange(signal: AbortSignal): Promise<boolean> {
    const hook = `wait-for -S ${CHANGE_CHANNEL}`;
    const r = await this.exec.run(this.config.path(), [
      '-u', '-L', this.config.socket(),
      'set-hook', '-g', `session-closed[${HOOK_INDEX}]`, hook, ';',
      'set-hook', '-g', `pane-died[${HOOK_INDEX}]`, hook, ';',
      // The bell also leaves its time on the session: an attached terminal clears tmux's own bell flag at once.
      // A plain bell says nothing more: the note of an earlier OSC notification goes.
      'set-hook', '-g', `alert-bell[${HOOK_INDEX}]`, `set-option -F ${BELL_OPTION} "#{window_activity}" ; set-option ${BELL_NOTE_OPTION} "" ; ${hook}`, ';',
      'wait-for', CHANGE_CHANNEL,
    ], { env: serverEnvironment(this.environment), signal, timeoutMs: WAIT_FOR_CHANGE_DEADLINE_MS });
    return r.exitCode === 0 && !signal.aborted;
  }

  /**
   * Kills the session only if tmux itself confirms it carries this
   * installation's marker (R3): ownership is checked by the server at the
   * moment of the kill, not from an older listing.
   */
  async killOwned(name: string): Promise<void> {
    if (!isOwnSessionName(name)) throw new Error(`refusing to kill a tmux session with a foreign name: ${name}`);
    const r = await this.run(this.killIfOwned(name));
    if (r.spawnError) throw this.unavailable(r);
    if (r.exitCode !== 0 && !isNoServerError(r.stderr) && !/can't find|no such session|not found/i.test(r.stderr)) {
      throw new Error(`tmux kill-session ${name} failed: ${r.stderr.trim()}`);
    }
  }

  /**
   * killOwned for several sessions in one tmux process. tmux stops a chain at
   * the first failing command (a session that ended meanwhile), so a failed
   * chain is finished one session at a time.
   */
  async killAllOwned(names: readonly string[]): Promise<void> {
    if (names.length <= 1) {
      for (const n of names) await this.killOwned(n);
      return;
    }
    for (const n of names) if (!isOwnSessionName(n)) throw new Error(`refusing to kill a tmux session with a foreign name: ${n}`);
    const r = await this.run(names.flatMap((n, i) => [...(i ? [';'] : []), ...this.killIfOwned(n)]));
    if (r.spawnError) throw this.unavailable(r);
    if (r.exitCode !== 0) for (const n of names) await this.killOwned(n);
  }

  private killIfOwned(name: string): string[] {
    // The name is checked against OWN_SESSION_NAME before it reaches this tmux command string.
    return ['if-shell', '-F', '-t', `=${name}:`, `#{==:#{@wts_owner},${this.ownerId}}`, `kill-session -t '=${name}'`];
  }


  /** The last lines of the session's active pane, for tooltips; empty for a session that is not ours. */
  async capturePane(name: string, lines: number): Promise<string> {
    if (!isOwnSessionName(name)) return '';
    const r = await this.run(['capture-pane', '-p', '-J', '-t', `=${name}:`, '-S', String(-Math.max(1, lines))], { timeoutMs: 5_000 });
    if (r.exitCode !== 0) return '';
    return r.stdout.replace(/\s+$/, '');
  }

  /**
   * The last lines of several sessions' panes in one tmux process (§8 screen
   * rules, scrollback): each capture follows a marker line of its own, with a
   * nonce no pane can have printed. A session that ended meanwhile stops the
   * chain; the panes before it are still returned.
   */
  async capturePanes(names: readonly string[], lines: number): Promise<Map<string, string>> {
    const own = names.filter(isOwnSessionName);
    const out = new Map<string, string>();
    if (!own.length) return out;
    const nonce = Math.random().toString(36).slice(2, 10);
    const args = own.flatMap((n, i) => [
      ...(i ? [';'] : []),
      'display-message', '-p', `wts-capture-${nonce}-${i}`, ';',
      'capture-pane', '-p', '-J', '-t', `=${n}:`, '-S', String(-Math.max(1, lines)),
    ]);
    const r = await this.run(args, { timeoutMs: 10_000 });
    if (r.spawnError) throw this.unavailable(r);
    let current: string | undefined;
    let text: string[] = [];
    const flush = () => {
      if (current !== undefined) out.set(current, text.join('\n').replace(/\s+$/, ''));
    };
    const marker = new RegExp(`^wts-capture-${nonce}-(\\d+)$`);
    for (const line of r.stdout.split('\n')) {
      const m = marker.exec(line);
      if (!m) {
        text.push(line);
        continue;
      }
      flush();
      current = own[Number(m[1])];
      text = [];
    }
    // A failed capture leaves its marker with nothing after it: that pane is not known.
    if (current !== undefined && (r.exitCode === 0 || text.length)) flush();
    return out;
  }

  /**
   * Sets user options the extension computed (a screen rule's state) on
   * several sessions in one tmux process, then wakes every window. Each
   * change may hold a condition (an option still has the value the caller
   * saw), so a hook that reported meanwhile is never overwritten. Only plain
   * words (or nothing) are written: they go into tmux command strings.
   */
  async setSessionOptions(changes: readonly SessionOptionChange[]): Promise<void> {
    const plain = (v: string) => v === '' || PLAIN_WORD.test(v);
    const args: string[] = [];
    for (const c of changes) {
      if (!isOwnSessionName(c.name)) continue;
      const target = `=${c.name}:`;
      for (const [option, value] of [...c.options, ...(c.onlyIf ? [c.onlyIf] : [])]) {
        if (!PLAIN_WORD.test(option) || !plain(value)) throw new Error(`refusing to set ${option} to ${JSON.stringify(value)}`);
      }
      const sets = c.options.map(([option, value]) => `set-option -t '${target}' ${option} '${value}'`).join(' ; ');
      if (args.length) args.push(';');
      // Every word was checked above: plain words only, so the command string and the format mean what they say.
      args.push('if-shell', '-F', '-t', target, c.onlyIf ? `#{==:#{${c.onlyIf[0]}},${c.onlyIf[1]}}` : '1', sets);
    }
    if (!args.length) return;
    args.push(';', 'wait-for', '-S', CHANGE_CHANNEL);
    const r = await this.run(args, { timeoutMs: 5_000 });
    if (r.spawnError) throw this.unavailable(r);
  }

  /**
   * Compare-and-set on the session itself, so that of all the windows that
   * see one event exactly one acts on it (§8 notifications): the first call
   * with a new key records it with the caller's id; every call answers who
   * holds that key. tmux runs one command at a time, so two windows cannot
   * both pass the comparison.
   */
  async claim(name: string, key: string, claimant: string): Promise<boolean> {
    if (!isOwnSessionName(name) || !PLAIN_WORD.test(key) || !PLAIN_WORD.test(claimant)) throw new Error(`refusing a claim on ${name} for ${key} by ${claimant}`);
    const target = `=${name}:`;
    // The name, key and claimant were checked above: plain words, safe in this command string and format.
    const r = await this.run([
      'if-shell', '-F', '-t', target, `#{!=:#{@wts_claimed},${key}}`,
      `set-option -t '${target}' @wts_claimed ${key} ; set-option -t '${target}' @wts_claimed_by ${claimant}`, ';',
      'show-options', '-qv', '-t', target, '@wts_claimed', ';',
      'show-options', '-qv', '-t', target, '@wts_claimed_by',
    ], { timeoutMs: 5_000 });
    if (r.exitCode !== 0) return false;
    const [heldKey, heldBy] = r.stdout.split('\n');
    return heldKey === key && heldBy === claimant;
  }

  /** S3: `tmux -L <socket> -f /dev/null -u attach-session -t =<name>`, TMUX unset; attach starts a server when none runs. */
  attachArgv(name: string): { file: string; args: string[] } {
    if (!isOwnSessionName(name)) throw new Error(`refusing to attach to a tmux session with a foreign name: ${name}`);
    return { file: this.config.path(), args: ['-L', this.config.socket(), ...NO_USER_CONFIG, '-u', 'attach-session', '-t', `=${name}`] };
  }

  attachCommandLine(name: string): string {
    const { file, args } = this.attachArgv(name);
    return ['env', '-u', 'TMUX', file, ...args].map(shellQuote).join(' ');
  }
}

function panePidOf(stdout: string): number | undefined {
  const pid = Number(stdout.trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
