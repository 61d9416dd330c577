import { execa } from 'execa';
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
    const result = await execa(file, [...args], {
      cwd: options.cwd,
      env,
      extendEnv: false,
      reject: false,
      stripFinalNewline: false,
      cancelSignal: options.signal,
      timeout: options.timeoutMs,
      input: options.input,
      stdin: options.input === undefined ? 'ignore' : undefined,
      encoding: 'utf8',
    });
    const ms = (performance.now() - started).toFixed(1);
    const line = `${file} ${args.map(quoteForLog).join(' ')}`;
    if (result.code === 'ENOENT' || result.code === 'EACCES' || (result.exitCode === undefined && !result.isCanceled && !result.timedOut)) {
      const spawnError = result.code ?? result.shortMessage;
      this.logger.warn(`${line} → could not start (${spawnError}) [${ms} ms]`);
      return { exitCode: -1, stdout: '', stderr: String(result.stderr ?? ''), spawnError };
    }
    const exitCode = result.exitCode ?? -1;
    const message = `${line} → ${result.isCanceled ? 'cancelled' : result.timedOut ? 'timed out' : `exit ${exitCode}`} [${ms} ms]`;
    if (exitCode === 0) this.logger.trace(message);
    else this.logger.info(`${message}${result.stderr ? `: ${String(result.stderr).trim().split('\n')[0]}` : ''}`);
    return { exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  }
}

