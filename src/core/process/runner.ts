import { execa, type Options as ExecaOptions } from 'execa';
import fs from 'node:fs';
import type { Logger } from '../log';
import { shellQuote as quoteForLog } from '../quote';

export interface ExecOptions {
  cwd?: string;
  /** Full environment for the child; when given, nothing else is inherited. */
  env?: Record<string, string | undefined>;
  /** Extra variables on top of the inherited environment. */
  extraEnv?: Record<string, string>;
  /**
   * 'tool' (the default): git or tmux, whose output is parsed, so the locale,
   * pager and prompts are pinned. 'user': the user's own command (the setup
   * command), run with the user's environment as it is and a longer deadline.
   */
  purpose?: 'tool' | 'user';
  signal?: AbortSignal;
  /** The deadline; DEFAULT_TIMEOUT_MS (or USER_TIMEOUT_MS for 'user') when absent. */
  timeoutMs?: number;
  /** Bytes kept of each of stdout and stderr: the last ones. */
  maxOutputBytes?: number;
  /**
   * A non-zero exit that is an answer, not a failure ("no such branch", "no
   * server yet"): logged at the trace level like a success, so the log's
   * default level shows only what went wrong.
   */
  isAnswer?: (result: ExecResult) => boolean;
  /** Called once the program runs, with its pid (the leader of its process group). */
  onSpawn?: (pid: number) => void;
  /** Each chunk of stdout and stderr as it arrives (§9: setup output watched live). */
  onOutput?: (chunk: string) => void;
}

/**
 * How a call ended. 'ok' and 'exit' mean the program ran and chose its exit
 * code; the next four mean it never started; the last three that it was ended.
 */
export type ExecOutcome =
  | 'ok' | 'exit'
  | 'not-found' | 'no-cwd' | 'permission' | 'start-failed'
  | 'timeout' | 'cancelled' | 'signal';

export interface ExecResult {
  kind: ExecOutcome;
  /** -1 when the program did not exit by itself with a code. */
  exitCode: number;
  /** The signal that ended the program, if one did. */
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  /** The last maxOutputBytes of each stream. */
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Set when the program could not be started at all: what went wrong, in words. */
  spawnError?: string;
  /** A process the program left behind kept its output open after it exited; reading stopped there. */
  outputLeftOpen: boolean;
  durationMs: number;
  /** The deadline this call had. */
  timeoutMs: number;
}

/**
 * The one way core runs a process: an argv array, never a shell string.
 * Never throws for a non-zero exit; callers decide what an exit code means.
 */
export interface Exec {
  run(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/** Counts calls per program; the benchmark and R5's test read it. */
export interface ExecCounter {
  calls(file: string): number;
}

/** For callers that want to throw what happened. */
export class ProcessError extends Error {
  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly result: ExecResult,
    /** context: what was being done, put first; hint: a likely cause, put last. */
    options: { cwd?: string; context?: string; hint?: string } = {},
  ) {
    const what = describeOutcome(file, result, options.cwd);
    super(`${options.context ? `${options.context}: ` : ''}${what}${options.hint ? `; ${options.hint}` : ''}.`);
    this.name = 'ProcessError';
  }

  get kind(): ExecOutcome { return this.result.kind; }
  get exitCode(): number { return this.result.exitCode; }
  get signal(): string | undefined { return this.result.signal; }
  get timedOut(): boolean { return this.result.timedOut; }
  get cancelled(): boolean { return this.result.cancelled; }
  get stdout(): string { return this.result.stdout; }
  get stderr(): string { return this.result.stderr; }
}

/** What happened, in words, naming the program (and the folder when it is the cause). */
export function describeOutcome(file: string, r: ExecResult, cwd?: string): string {
  switch (r.kind) {
    case 'ok': return `${file} succeeded`;
    case 'exit': {
      const last = lastLine(r.stderr) ?? lastLine(r.stdout);
      return `${file} exited with code ${r.exitCode}${last ? `: ${last}` : ''}`;
    }
    case 'not-found': return r.spawnError ?? `${file} was not found`;
    case 'no-cwd': return r.spawnError ?? `the folder ${cwd ?? '?'} does not exist`;
    case 'permission': return r.spawnError ?? `${file} could not be run: permission denied`;
    case 'start-failed': return `${file} could not be started (${r.spawnError ?? 'unknown error'})`;
    case 'timeout': return `${file} did not finish within ${formatMs(r.timeoutMs)} and was stopped`;
    case 'cancelled': return `${file} was cancelled`;
    case 'signal': return `${file} was ended by ${r.signal ?? 'a signal'}`;
  }
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Issue 8: a setup command gets minutes, not the seconds a git or tmux call gets. */
export const USER_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Between SIGTERM to the group and SIGKILL. */
const KILL_GRACE_MS = 1_000;
/** How long the output may stay open after the program exited. */
const PIPE_GRACE_MS = 1_500;
/** After SIGKILL: a process in uninterruptible sleep is abandoned rather than awaited. */
const ABANDON_MS = 2_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

// Parsed output must not depend on the user's locale or pager, and git must never wait for a prompt.
const PARSE_ENV = { LC_ALL: 'C', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

// One options object shared by every call; only cwd, env and extendEnv vary.
const BASE_OPTIONS = {
  // Leads its own process group, so a deadline or a cancel can end everything it started.
  detached: true,
  cleanup: false,
  buffer: false,
  reject: false,
  stdin: 'ignore',
  stdout: 'pipe',
  stderr: 'pipe',
  windowsHide: true,
} as const satisfies ExecaOptions;

interface RunningCall {
  pid: number;
  end(reason: 'timeout' | 'cancelled'): void;
}

/**
 * Runs processes on execa with what execa does not do by itself: a deadline on
 * every call that ends the whole process group (also a stopped one), a return
 * even when a grandchild holds the pipes, and output kept to its tail.
 */
export class ProcessRunner implements Exec, ExecCounter {
  private readonly counts = new Map<string, number>();
  /** Children still running, ended on dispose() and when the host exits, so none outlives the window. */
  private readonly running = new Set<RunningCall>();
  private readonly onHostExit = () => {
    for (const call of this.running) signalGroup(call.pid, 'SIGTERM');
  };

  constructor(private readonly logger: Logger, private readonly defaults: { timeoutMs?: number; maxOutputBytes?: number } = {}) {}

  calls(file: string): number {
    return this.counts.get(file) ?? 0;
  }

  /** Ends every running child's process group; their calls return as cancelled. */
  dispose(): void {
    for (const call of [...this.running]) call.end('cancelled');
  }

  async run(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.counts.set(file, (this.counts.get(file) ?? 0) + 1);
    const started = performance.now();
    const result = await this.execute(file, args, options, started);
    this.log(file, args, result, options);
    return result;
  }

  private async execute(file: string, args: readonly string[], options: ExecOptions, started: number): Promise<ExecResult> {
    const user = options.purpose === 'user';
    const timeoutMs = options.timeoutMs ?? (user ? USER_TIMEOUT_MS : this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const cap = options.maxOutputBytes ?? this.defaults.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const stdout = new OutputTail(cap);
    const stderr = new OutputTail(cap);
    if (options.signal?.aborted) return finish('cancelled', -1, undefined, false);

    const env = options.env ?? (user ? options.extraEnv : options.extraEnv ? { ...PARSE_ENV, ...options.extraEnv } : PARSE_ENV);
    const subprocess = execa(file, args as string[], { ...BASE_OPTIONS, cwd: options.cwd, env, extendEnv: options.env === undefined });
    const pid = subprocess.pid;
    if (pid === undefined) {
      // It never started: execa's result carries the errno.
      const r = await subprocess;
      return this.startFailure(file, options.cwd, (r as { code?: string }).code, r.originalMessage ?? r.message, started, timeoutMs);
    }
    options.onSpawn?.(pid);

    let reason: 'timeout' | 'cancelled' | undefined;
    let outputLeftOpen = false;
    let killTimer: NodeJS.Timeout | undefined;
    let pipeTimer: NodeJS.Timeout | undefined;
    let giveUp: (() => void) | undefined;
    const call: RunningCall = {
      pid,
      end: (why) => {
        if (reason) return;
        reason = why;
        signalGroup(pid, 'SIGTERM');
        killTimer = setTimeout(() => {
          signalGroup(pid, 'SIGKILL');
          killTimer = setTimeout(() => giveUp?.(), ABANDON_MS);
        }, KILL_GRACE_MS);
      },
    };
    const onAbort = () => call.end('cancelled');
    // setTimeout fires at once for anything above 2^31-1 ms (Infinity included).
    const deadline = setTimeout(call.end, Math.min(timeoutMs, MAX_TIMER_MS), 'timeout');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.running.size === 0) process.once('exit', this.onHostExit);
    this.running.add(call);

    const watch = options.onOutput;
    subprocess.stdout.on('data', (chunk: Buffer) => { stdout.push(chunk); watch?.(chunk.toString('utf8')); });
    subprocess.stderr.on('data', (chunk: Buffer) => { stderr.push(chunk); watch?.(chunk.toString('utf8')); });
    subprocess.once('exit', () => {
      pipeTimer = setTimeout(() => {
        if (subprocess.stdout.readableEnded && subprocess.stderr.readableEnded) return;
        outputLeftOpen = true;
        // Whatever holds the pipes now was almost always started by the program,
        // in the group it leads: it belongs to this call, its output goes to a
        // pipe nobody will read again, and being detached from us nothing else
        // would ever end it, so it ends with the call. A background process that
        // let go of the output (`nohup x >log &`) is not touched, nor a process
        // outside the group (a tmux server holds its clients' output while they
        // run; a stopped one keeps it).
        signalGroup(pid, 'SIGTERM');
        setTimeout(signalGroup, KILL_GRACE_MS, pid, 'SIGKILL').unref();
        subprocess.stdout.destroy();
        subprocess.stderr.destroy();
      }, PIPE_GRACE_MS);
    });

    try {
      const r = await Promise.race([
        subprocess,
        new Promise<undefined>((resolve) => (giveUp = () => resolve(undefined))),
      ]);
      if (!r) {
        this.logger.warn(`${file} (pid ${pid}) did not end after SIGKILL; no longer waiting for it.`);
        return finish(reason ?? 'timeout', -1, 'SIGKILL', false);
      }
      const exitCode = typeof r.exitCode === 'number' ? r.exitCode : -1;
      return finish(reason ?? (r.signal ? 'signal' : exitCode === 0 ? 'ok' : 'exit'), exitCode, r.signal, outputLeftOpen);
    } finally {
      clearTimeout(deadline);
      clearTimeout(killTimer);
      clearTimeout(pipeTimer);
      options.signal?.removeEventListener('abort', onAbort);
      this.running.delete(call);
      if (this.running.size === 0) process.removeListener('exit', this.onHostExit);
    }

    function finish(kind: ExecOutcome, exitCode: number, signal: string | undefined, leftOpen: boolean): ExecResult {
      return {
        kind, exitCode, signal,
        timedOut: kind === 'timeout',
        cancelled: kind === 'cancelled',
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        outputLeftOpen: leftOpen,
        durationMs: performance.now() - started,
        timeoutMs,
      };
    }
  }

  /** Only on failure: tells a missing program from a missing folder, which spawn reports alike. */
  private startFailure(file: string, cwd: string | undefined, code: string | undefined, detail: string | undefined, started: number, timeoutMs: number): ExecResult {
    let kind: ExecOutcome = 'start-failed';
    let spawnError = code ?? detail ?? 'unknown error';
    const folder = cwd === undefined ? undefined : folderProblem(cwd);
    if (folder) {
      kind = 'no-cwd';
      spawnError = folder;
    } else if (code === 'ENOENT') {
      kind = 'not-found';
      if (!file.includes('/')) spawnError = `${file} was not found on PATH`;
      else if (fs.existsSync(file)) spawnError = `${file} names an interpreter (#!) that does not exist`;
      else spawnError = `${file} does not exist`;
    } else if (code === 'EACCES' || code === 'EPERM') {
      kind = 'permission';
      spawnError = `permission denied running ${file}`;
    }
    return {
      kind, exitCode: -1, timedOut: false, cancelled: false,
      stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, outputLeftOpen: false,
      spawnError, durationMs: performance.now() - started, timeoutMs,
    };
  }

  private log(file: string, args: readonly string[], r: ExecResult, options: ExecOptions): void {
    let outcome: string;
    let level: 'trace' | 'info' | 'warn' = 'warn';
    if (r.kind === 'ok' || r.kind === 'exit') {
      const first = r.kind === 'exit' ? firstLine(r.stderr) : undefined;
      outcome = `exit ${r.exitCode}${first ? `: ${first}` : ''}`;
      level = r.kind === 'ok' || options.isAnswer?.(r) ? 'trace' : 'info';
    } else if (r.kind === 'cancelled') {
      outcome = 'cancelled';
      level = 'info';
    } else {
      outcome = describeOutcome(file, r, options.cwd);
    }
    if (r.outputLeftOpen) {
      outcome += ' (its output stayed open after it exited, held by a process it started or handed it to: stopped reading and ended its process group)';
      level = 'warn';
    }
    this.logger[level](`${file} ${args.map(quoteForLog).join(' ')} → ${outcome} [${r.durationMs.toFixed(1)} ms]`);
  }
}

/**
 * Signals the whole group the child leads. SIGCONT follows SIGTERM so a stopped
 * process (SIGSTOP) acts on it; SIGKILL needs no such help. The group id stays
 * reserved while any member lives, so it names no other group.
 */
function signalGroup(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
    if (signal === 'SIGTERM') process.kill(-pid, 'SIGCONT');
  } catch {
    // ESRCH: the group has already ended.
  }
}

function folderProblem(cwd: string): string | undefined {
  try {
    if (!fs.statSync(cwd).isDirectory()) return `${cwd} is not a folder`;
    fs.accessSync(cwd, fs.constants.X_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `the folder ${cwd} does not exist`;
    if (code === 'EACCES') return `the folder ${cwd} cannot be entered (permission denied)`;
    return undefined;
  }
}

/** The last `cap` bytes of a stream; never holds much more than that. */
class OutputTail {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0].length >= this.cap) {
      this.bytes -= this.chunks.shift()!.length;
      this.truncated = true;
    }
  }

  text(): string {
    if (!this.bytes) return '';
    let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes);
    if (buf.length > this.cap) {
      this.truncated = true;
      let start = buf.length - this.cap;
      // Not in the middle of a UTF-8 character.
      while (start < buf.length && (buf[start] & 0xc0) === 0x80) start++;
      buf = buf.subarray(start);
    }
    return buf.toString('utf8');
  }
}

function firstLine(text: string): string | undefined {
  const line = text.trim().split('\n', 1)[0];
  return line || undefined;
}

function lastLine(text: string): string | undefined {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] || undefined;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms)} ms`;
}
