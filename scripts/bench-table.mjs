#!/usr/bin/env node
// Rewrites README.md's "Performance" table from bench/results.json (what
// `npm run bench` wrote): everything between <!-- perf:start --> and
// <!-- perf:end --> is replaced; the rest of the README is left as it is.
//
//   node scripts/bench-table.mjs [--results <file>] [--readme <file>] [--check]
//
// --check: change nothing; exit 1 when the README's table differs from the results.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? path.resolve(args[i + 1]) : fallback;
};
const resultsFile = option('--results', path.join(root, 'bench', 'results.json'));
const readmeFile = option('--readme', path.join(root, 'README.md'));
const START = '<!-- perf:start -->';
const END = '<!-- perf:end -->';

/** What each figure means, in the table's words; figures not named here keep their key. */
const LABELS = {
  create_ratio: 'create ÷ bare commands',
  create_safe_ratio: 'create ÷ safe baseline',
  delete_ratio: 'delete ÷ bare commands',
  delete_safe_ratio: 'delete ÷ safe baseline',
  launch_ratio: 'launch ÷ bare tmux call',
  stop_ratio: 'stop ÷ bare tmux call',
  'reconcile_ms@100': 'reconciliation, 100 sessions',
  'reconcile_ms@1000': 'reconciliation, 1,000 sessions',
  'reconcile_tmux_calls@100': 'tmux calls per reconciliation, 100 sessions',
  'reconcile_tmux_calls@1000': 'tmux calls per reconciliation, 1,000 sessions',
  'reconcile_git_calls@100': 'git calls per reconciliation, 100 sessions',
  'reconcile_git_calls@1000': 'git calls per reconciliation, 1,000 sessions',
  exit_detect_ms: 'exit noticed',
  state_latency_ms: 'agent state shown',
  idle_cpu_pct: 'idle CPU, 100 sessions',
  'store_write_ms@100': 'store write, 100 session rows',
  'store_write_ms@1000': 'store write, 1,000 session rows',
  'store_write_ms@10000': 'store write, 10,000 session rows',
  bundle_bytes: 'dist/extension.js (production)',
  vsix_bytes: '.vsix',
  activation_ms: 'window start → ready',
  activation_own_ms: 'activate() → ready (our own)',
  scale_full_refresh_ms: 'tree, 200×5: full refresh',
  scale_one_change_ms: 'tree, 200×5: one session changes',
  scale_heap_mb: 'extension host heap, 200×5',
  leak_tmux_sessions: 'left behind by the leak cycles: tmux sessions',
  leak_processes: 'left behind: processes',
  leak_node_fds: 'left behind: file descriptors (extension)',
  leak_tmux_server_fds: 'left behind: file descriptors (tmux server)',
  leak_rows: 'left behind: database rows',
  leak_worktrees: 'left behind: worktrees',
  leak_branches: 'left behind: branches',
  leak_temp_files: 'left behind: temporary files',
};

const UNITS = { ms: ' ms', ratio: '×', bytes: ' B', MB: ' MB', '% of one core': ' %' };

function value(figure) {
  const v = figure.value;
  const n = typeof v === 'number' ? v : v && typeof v === 'object' && typeof v.median === 'number' ? v.median : undefined;
  if (n === undefined || Number.isNaN(n)) return 'n/a';
  if (figure.unit === 'bytes') return `${(n / 1024).toFixed(1)} KiB`;
  const digits = figure.unit === 'ratio' || figure.unit === '% of one core' ? 2 : Number.isInteger(n) ? 0 : 1;
  const extra = v && typeof v === 'object' && typeof v.p99 === 'number' ? ` (p99 ${v.p99.toFixed(1)})` : '';
  return `${n.toFixed(digits)}${UNITS[figure.unit] ?? (figure.unit && !/^(processes|left behind|cycles)$/.test(figure.unit) ? ` ${figure.unit}` : '')}${extra}`;
}

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function tableOf(results) {
  const { machine = {}, figures = {} } = results;
  const one = (l) => (Array.isArray(l) && typeof l[0] === 'number' ? l[0].toFixed(2) : '?');
  const load = `${one(machine.loadavg_start)} at the start, ${one(machine.loadavg_end)} at the end`;
  const lines = [
    `Measured by \`npm run bench\`${results.quick ? ' (`--quick`)' : ''} on ${String(results.date ?? '').slice(0, 10)} at ${results.commit ?? '?'}: `
      + `${machine.cpus ?? '?'} cpus shared with other work (one-minute load average ${load}), ${machine.tmux ?? 'tmux ?'}, ${machine.git ?? 'git ?'}, node ${machine.node ?? '?'}. `
      + 'Ratios are ours ÷ the same work as bare commands, pair by pair; the safe baseline runs, as bare commands, the steps the lifecycle rules require; each create and delete step starts on a flushed disk (sync). '
      + 'Regenerate with `npm run bench`, then `node scripts/bench-table.mjs`.',
    '',
    '| figure | value | target | |',
    '| --- | --- | --- | --- |',
  ];
  for (const [key, figure] of Object.entries(figures)) {
    const verdict = figure.ok === undefined ? '' : figure.ok ? 'ok' : '**missed**';
    lines.push(`| ${cell(LABELS[key] ?? key)} | ${cell(value(figure))} | ${cell(figure.target ?? '')} | ${verdict} |`);
  }
  const cycles = Object.values(figures).find((f) => typeof f.cycles === 'string')?.cycles;
  if (cycles) lines.push('', `The leak cycles: ${cycles}.`);
  for (const { section, error } of results.failed_sections ?? []) lines.push('', `Not measured in this run: ${section} (${error}).`);
  return lines.join('\n');
}

function main() {
  if (!fs.existsSync(resultsFile)) {
    console.error(`bench-table: ${path.relative(process.cwd(), resultsFile)} does not exist; run npm run bench first.`);
    return 2;
  }
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  const readme = fs.readFileSync(readmeFile, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) {
    console.error(`bench-table: ${path.relative(process.cwd(), readmeFile)} has no ${START} … ${END} region.`);
    return 2;
  }
  const next = `${readme.slice(0, start + START.length)}\n${tableOf(results)}\n${readme.slice(end)}`;
  if (args.includes('--check')) {
    if (next === readme) return 0;
    console.error('bench-table: the README table differs from the results; run node scripts/bench-table.mjs.');
    return 1;
  }
  if (next !== readme) fs.writeFileSync(readmeFile, next);
  console.log(`bench-table: ${Object.keys(results.figures ?? {}).length} figures from ${path.relative(process.cwd(), resultsFile)} into ${path.relative(process.cwd(), readmeFile)}.`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
