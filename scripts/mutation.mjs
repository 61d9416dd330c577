#!/usr/bin/env node
// `npm run test:mutation`: StrykerJS over src/core (stryker.config.mjs), then the
// mutation score per file. Not part of `npm test`: a full run takes a long time.
//
//   npm run test:mutation                                         every core module
//   npm run test:mutation -- --mutate src/core/lifecycle/delete.ts  one module (any Stryker option passes on)
//   npm run test:mutation -- --mutate src/core/lifecycle/stop.ts --spec lifecycle.rules,delete.workkept
//                                                                 only those unit test files: faster, and the
//                                                                 score a lower bound (other tests may kill more)
//   node scripts/mutation.mjs --scores                            the table of the last run
//   node scripts/mutation.mjs --survivors [part of a path]        the mutants the last run's tests let live
//
// As in the unit tier of `npm test`, the tests' temporary folders and tmux sockets
// live in a private place, so the servers of a test that Stryker stopped halfway
// (a mutant that hangs is timed out by killing its worker) are found and stopped.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTmuxServersUnder, privateTempDirs, run } from './lib/processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reportFile = path.join(root, 'reports/mutation/mutation.json');
const args = process.argv.slice(2);

/** Counts per file, and Stryker's score: killed or timed out, of the valid mutants. */
function tally(mutants) {
  const t = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0 };
  for (const m of mutants) {
    if (m.status === 'Killed') t.killed++;
    else if (m.status === 'Timeout') t.timeout++;
    else if (m.status === 'Survived') t.survived++;
    else if (m.status === 'NoCoverage') t.noCoverage++;
    else if (m.status === 'Ignored') t.ignored++;
    else t.errors++;
  }
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return { ...t, valid, score: valid ? (100 * (t.killed + t.timeout)) / valid : NaN };
}

function readReport() {
  if (!fs.existsSync(reportFile)) {
    console.error(`No report at ${path.relative(root, reportFile)}; run npm run test:mutation first.`);
    process.exit(1);
  }
  return JSON.parse(fs.readFileSync(reportFile, 'utf8'));
}

function printScores(report) {
  const rows = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b)).map(([file, f]) => [file, tally(f.mutants)]);
  const all = tally(Object.values(report.files).flatMap((f) => f.mutants));
  const width = Math.max(9, ...rows.map(([file]) => file.length));
  const line = (name, t) => [
    name.padEnd(width),
    (Number.isNaN(t.score) ? 'n/a' : t.score.toFixed(1)).padStart(6),
    String(t.killed).padStart(7), String(t.timeout).padStart(8), String(t.survived).padStart(9),
    String(t.noCoverage).padStart(8), String(t.ignored).padStart(8), String(t.errors).padStart(7),
  ].join(' ');
  console.log(`\n${'file'.padEnd(width)}  score  killed  timeout  survived  no cov.  ignored  errors`);
  for (const [file, t] of rows) console.log(line(file, t));
  console.log(line('all files', all));
  console.log(`\nscore = (killed + timeout) / (killed + timeout + survived + no coverage); report: ${path.relative(root, path.join(path.dirname(reportFile), 'index.html'))}`);
}

function printSurvivors(report, filter = '') {
  for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    if (!file.includes(filter)) continue;
    const lines = f.source.split('\n');
    const alive = f.mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    for (const m of alive) {
      const { line, column } = m.location.start;
      console.log(`${file}:${line}:${column} ${m.status === 'NoCoverage' ? 'no coverage' : 'survived'} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`);
      console.log(`    ${lines[line - 1].trim()}`);
    }
  }
}

if (args[0] === '--build-sandbox') {
  // Stryker's buildCommand, run in its sandbox (<project>/.stryker-tmp/sandbox-…) before
  // it links node_modules there; the build and the tests need it (sql.js's wasm).
  const own = path.join(root, 'node_modules');
  if (!fs.existsSync(own)) {
    let dir = path.dirname(root);
    while (!fs.existsSync(path.join(dir, 'node_modules')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    fs.symlinkSync(path.join(dir, 'node_modules'), own, 'junction');
  }
  process.exit(await run(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root }));
} else if (args[0] === '--scores') {
  printScores(readReport());
} else if (args[0] === '--survivors') {
  printSurvivors(readReport(), args[1]);
} else {
  // --spec a,b: only out/test/unit/{a,b}.test.js run, through a config that narrows the project's.
  let config = 'stryker.config.mjs';
  const specAt = args.indexOf('--spec');
  if (specAt >= 0) {
    const files = (args[specAt + 1] ?? '').split(',').filter(Boolean);
    if (!files.length) {
      console.error('--spec needs the unit test files to run, e.g. --spec lifecycle.rules,delete.workkept');
      process.exit(2);
    }
    for (const f of files) {
      if (!/^[\w.-]+$/.test(f) || !fs.existsSync(path.join(root, 'test/unit', `${f}.test.ts`))) {
        console.error(`--spec: no test/unit/${f}.test.ts`);
        process.exit(2);
      }
    }
    args.splice(specAt, 2);
    config = path.join(fs.mkdtempSync(path.join(root, '.stryker-config-')), 'narrowed.config.mjs');
    fs.writeFileSync(config, [
      `import base from ${JSON.stringify(path.join(root, 'stryker.config.mjs'))};`,
      `export default { ...base, mochaOptions: { ...base.mochaOptions, spec: ${JSON.stringify(files.map((f) => `out/test/unit/${f}.test.js`))} } };`,
      '',
    ].join('\n'));
    console.log(`narrowed to ${files.join(', ')}: the scores are lower bounds`);
  }
  const scratch = privateTempDirs('wts-mut-');
  const env = { ...process.env, TMPDIR: scratch.tmp, TMUX_TMPDIR: scratch.tmux };
  delete env.TMUX;
  const started = Date.now();
  // Ctrl-C reaches Stryker too (same process group): let it stop, then clean up here.
  process.on('SIGINT', () => undefined);
  let code;
  try {
    code = await run(process.execPath, [path.join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', config, ...args], { cwd: root, env });
  } finally {
    if (config !== 'stryker.config.mjs') fs.rmSync(path.dirname(config), { recursive: true, force: true });
    const killed = killTmuxServersUnder(scratch.tmux);
    if (killed.length) console.log(`stopped ${killed.length} tmux server(s) that interrupted test runs left running`);
    fs.rmSync(scratch.root, { recursive: true, force: true });
  }
  if (fs.existsSync(reportFile) && fs.statSync(reportFile).mtimeMs >= started) printScores(readReport());
  console.log(`\nmutation testing took ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  process.exit(code);
}
