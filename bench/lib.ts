// Helpers for bench/bench.ts: statistics, timing a bare process, the table.
// No side effects at import: bench/activation.test.ts loads this too.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
  p99?: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function stat(values: readonly number[], withP99 = false): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const s: Stat = { median: quantile(sorted, 0.5), min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
  if (withP99) s.p99 = quantile(sorted, 0.99);
  return s;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The bare commands still running, so an interrupted run can stop them before removing their folders. */
export const running = new Set<ChildProcess>();

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one program the leanest way Node can (child_process.spawn, pipes,
 * no shell): the "bare command" side of each ratio.
 */
export function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.on('exit', () => running.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function runOk(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  const r = await run(file, args, env, cwd);
  if (r.code !== 0) {
    const line = `${file} ${args.join(' ')}`;
    throw new Error(`${line.length > 200 ? `${line.slice(0, 200)}…` : line} failed (${r.code}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export interface Pairs {
  ours: number[];
  baseline: number[];
  ratios: number[];
}

export const newPairs = (): Pairs => ({ ours: [], baseline: [], ratios: [] });

/**
 * Times one pair, ours and the baseline back to back, `oursFirst` deciding the
 * order (callers alternate it), and adds it with its ratio ours ÷ baseline.
 */
export async function pairOnce(into: Pairs, oursFirst: boolean, ours: () => Promise<unknown>, baseline: () => Promise<unknown>): Promise<void> {
  let o: number;
  let b: number;
  if (oursFirst) {
    o = await timed(ours);
    b = await timed(baseline);
  } else {
    b = await timed(baseline);
    o = await timed(ours);
  }
  into.ours.push(o);
  into.baseline.push(b);
  into.ratios.push(o / b);
}

export interface Row {
  figure: string;
  value: string;
  range: string;
  target: string;
  verdict: 'ok' | 'MISSED' | '';
  note: string;
}

export function table(rows: readonly Row[]): string {
  const head: Row = { figure: 'figure', value: 'median', range: 'min … max', target: 'target', verdict: '' as const, note: 'detail' };
  const all = [head, ...rows];
  const w = (k: keyof Row) => Math.max(...all.map((r) => String(r[k]).length));
  const widths = { figure: w('figure'), value: w('value'), range: w('range'), target: w('target'), verdict: Math.max(6, w('verdict')) };
  const line = (r: Row) =>
    [r.figure.padEnd(widths.figure), r.value.padStart(widths.value), r.range.padEnd(widths.range), r.target.padEnd(widths.target), (r.verdict || '').padEnd(widths.verdict), r.note]
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(Math.max(...all.map((r) => line(r).length)));
  return [line(head), rule, ...rows.map(line)].join('\n');
}

export const fmt = (n: number | undefined, digits = 1): string => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
