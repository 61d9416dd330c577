import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from './log';
import { shellQuote as quoteForLog } from './quote';

export interface ExecOptions {
  cwd?: string;
  /** Full environment for the child; when given, nothing else is inherited. */
  env?: Record<string, string | undefined>;
  /** Extra variables on top of the inherited environment. */
  extraEnv?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  input?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES…). */
  spawnError?: string;
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

// Parsed output must not depend on the user's locale or pager.
const PARSE_ENV = { LC_ALL: 'C', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

export class ProcessExec implements Exec, ExecCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  calls(file: string): number {
    return this.counts.get(file) ?? 0;
  }

  async run(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.counts.set(file, (this.counts.get(file) ?? 0) + 1);
    const started = performance.now();
    const env = options.env ?? { ...process.env, ...PARSE_ENV, ...options.extraEnv };
    const result = await spawnAndWait(file, args, env, options);
    const ms = (performance.now() - started).toFixed(1);
    const line = `${file} ${args.map(quoteForLog).join(' ')}`;
    if (result.spawnError) {
      this.logger.warn(`${line} → could not start (${result.spawnError}) [${ms} ms]`);
      return { exitCode: -1, stdout: '', stderr: result.stderr, spawnError: result.spawnError };
    }
    const message = `${line} → ${result.canceled ? 'cancelled' : result.timedOut ? 'timed out' : `exit ${result.exitCode}`} [${ms} ms]`;
    if (result.exitCode === 0) this.logger.trace(message);
    else this.logger.info(`${message}${result.stderr ? `: ${result.stderr.trim().split('\n')[0]}` : ''}`);
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }
}

/** Children still running, stopped when the host exits, so none outlives the window. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function stopRunningOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
}

interface RawResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  spawnError?: string;
  canceled: boolean;
  timedOut: boolean;
}

/**
 * child_process.spawn and nothing else: a tmux or git call is a few
 * milliseconds, and a heavier wrapper cost about as much again per call
 * (measured by `npm run bench`).
 */
function spawnAndWait(file: string, args: readonly string[], env: Record<string, string | undefined>, options: ExecOptions): Promise<RawResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let canceled = false;
    let timedOut = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let forceKill: NodeJS.Timeout | undefined;
    let child: ChildProcess;
    const finish = (r: Omit<RawResult, 'stdout' | 'stderr' | 'canceled' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(forceKill);
      options.signal?.removeEventListener('abort', onAbort);
      running.delete(child);
      resolve({ ...r, stdout, stderr, canceled, timedOut });
    };
    const stop = () => {
      child.kill('SIGTERM');
      forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      forceKill.unref();
    };
    const onAbort = () => {
      canceled = true;
      stop();
    };
    try {
      child = spawn(file, [...args], {
        cwd: options.cwd,
        env,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      // Synchronous failures: an invalid argument or environment value.
      resolve({ exitCode: -1, stdout: '', stderr: '', spawnError: (e as NodeJS.ErrnoException).code ?? String(e), canceled: false, timedOut: false });
      return;
    }
    running.add(child);
    stopRunningOnExit();
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (options.input !== undefined) {
      child.stdin!.on('error', () => undefined); // the program may exit without reading it
      child.stdin!.end(options.input);
    }
    // ENOENT, EACCES, a missing cwd: the program never started.
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish({ exitCode: -1, spawnError: e.code ?? e.message });
    });
    child.on('close', (code, signal) => {
      if (code !== null) finish({ exitCode: code });
      else if (canceled || timedOut) finish({ exitCode: -1 });
      else finish({ exitCode: -1, spawnError: `killed by ${signal}` });
    });
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, options.timeoutMs);
    }
    if (options.signal) {
      if (options.signal.aborted) onAbort();
      else options.signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}
