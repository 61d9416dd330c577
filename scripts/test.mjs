#!/usr/bin/env node
// `npm test`: everything CI checks, in order —
//   npm ci (when node_modules is missing), system prerequisites, build,
//   type check, lint, unit tier (mocha in Node), integration tier (mocha in a
//   real VS Code extension host, scripts/vscode-host/run-tests.mjs).
// A failed build stops the run; a failed type check or lint does not keep the
// tiers from running, but still fails the run. The very last line printed is
//   tests: N passed, N failed[, N skipped]
// counting both tiers; the exit code is non-zero when anything failed.
//
// Only Node builtins (and scripts/lib, which uses only builtins) are imported at
// the top, so this runs on a fresh clone before `npm ci`.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killTmuxServersUnder, privateTempDirs, stopProcessTree } from './lib/processes.mjs';
import { globFiles } from './lib/glob.mjs';
import { missingPrerequisites, missingPrerequisitesMessage } from './lib/system-check.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const UNIT_TIMEOUT_MS = 20 * 60_000;
const INTEGRATION_TIMEOUT_SEC = Number(process.env.WTS_VSCODE_TIMEOUT || 900);

const counts = { passed: 0, failed: 0, skipped: 0 };
/** @type {{ name: string, status: 'passed' | 'failed' | 'skipped' | 'not run', detail?: string, seconds?: number }[]} */
const steps = [];
let current; // the child process of the running step
let interrupted;

// Ctrl-C reaches the running step too (same process group); let it clean up,
// then report. SIGTERM is only for us: pass it on.
process.on('SIGINT', () => {
  interrupted = 'SIGINT';
});
process.on('SIGTERM', () => {
  interrupted = 'SIGTERM';
  if (current) current.kill('SIGTERM');
});

function heading(name) {
  console.log(`\n── ${name} ${'─'.repeat(Math.max(0, 66 - name.length))}`);
}

/** Runs one step's command; resolves with its exit code. */
function runCommand(command, args, { env = process.env, timeoutMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    current = child;
    let timer;
    if (timeoutMs) {
      timer = setTimeout(() => {
        console.error(`\n${path.basename(args[0] ?? command)} did not finish within ${timeoutMs / 60_000} min; stopping it`);
        stopProcessTree(child);
      }, timeoutMs);
    }
    child.on('error', (err) => {
      console.error(`could not start ${command}: ${err.message}`);
      clearTimeout(timer);
      current = undefined;
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function step(name, fn) {
  if (interrupted) {
    steps.push({ name, status: 'not run', detail: `interrupted by ${interrupted}` });
    return false;
  }
  heading(name);
  const t0 = Date.now();
  let result;
  try {
    result = await fn();
  } catch (err) {
    console.error(err.message);
    result = { ok: false, detail: err.message.split('\n')[0] };
  }
  const seconds = Math.round((Date.now() - t0) / 1000);
  const status = result.skipped ? 'skipped' : result.ok ? 'passed' : 'failed';
  steps.push({ name, status, detail: result.detail, seconds });
  return result.ok;
}

const node = (script, ...args) => [process.execPath, [path.join(root, script), ...args]];
const exitOk = (code, what) => ({ ok: code === 0, detail: code === 0 ? undefined : `${what} exited with ${code}` });

async function installDependencies() {
  if (fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) return true;
  return step('npm ci', async () => exitOk(await runCommand('npm', ['ci', '--no-audit', '--no-fund']), 'npm ci'));
}

async function checkSystem() {
  return step('system prerequisites', async () => {
    const { hostInstalled } = await import('./vscode-host/ensure-host.mjs');
    const missing = missingPrerequisites({ install: !hostInstalled() });
    if (missing.length) {
      console.log(missingPrerequisitesMessage(missing));
      return { ok: false, detail: `missing: ${[...new Set(missing.map((m) => m.pkg))].join(' ')}` };
    }
    console.log('git, tmux and chromium are present' + (hostInstalled() ? '' : '; so is what building code-server needs'));
    return { ok: true };
  });
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function addCounts(result) {
  counts.passed += result.passed ?? 0;
  counts.failed += result.failed ?? 0;
  counts.skipped += result.skipped ?? 0;
}

async function unitTier(workDir) {
  return step('unit tests', async () => {
    const rc = readJson(path.join(root, '.mocharc.json')) ?? {};
    const specs = [].concat(rc.spec ?? []);
    if (!specs.some((spec) => globFiles(spec, { cwd: root }).length)) {
      console.log(`no unit test files match ${specs.join(', ')}; nothing to run`);
      return { ok: true, skipped: true, detail: 'no test files' };
    }
    // Temporary folders and tmux sockets of the tests stay in a private place,
    // so a tmux server a test forgot is found and stopped afterwards.
    const scratch = privateTempDirs('wts-unit-');
    const resultsFile = path.join(workDir, 'unit-results.json');
    const env = { ...process.env, TMPDIR: scratch.tmp, TMUX_TMPDIR: scratch.tmux };
    delete env.TMUX;
    try {
      const [cmd, args] = node(
        'node_modules/mocha/bin/mocha.js',
        '--config', '.mocharc.json',
        '--reporter', path.join(root, 'scripts', 'lib', 'spec-with-counts.cjs'),
        '--reporter-option', `output=${resultsFile}`,
      );
      const code = await runCommand(cmd, args, { env, timeoutMs: UNIT_TIMEOUT_MS });
      const result = readJson(resultsFile);
      if (result) addCounts(result);
      if (!result) return { ok: false, detail: `mocha exited with ${code} before reporting results` };
      return { ok: code === 0 && result.failed === 0, detail: describe(result) };
    } finally {
      const killed = killTmuxServersUnder(scratch.tmux);
      if (killed.length) console.log(`stopped ${killed.length} tmux server(s) the unit tests left running`);
      fs.rmSync(scratch.root, { recursive: true, force: true });
    }
  });
}

async function integrationTier(workDir) {
  return step('integration tests (VS Code extension host)', async () => {
    const { ensureHost } = await import('./vscode-host/ensure-host.mjs');
    await ensureHost();
    const resultsFile = path.join(workDir, 'integration-results.json');
    const [cmd, args] = node('scripts/vscode-host/run-tests.mjs', '--timeout', String(INTEGRATION_TIMEOUT_SEC), '--results', resultsFile);
    const code = await runCommand(cmd, args);
    const result = readJson(resultsFile);
    if (result) addCounts(result);
    if (code === 0) return { ok: true, detail: describe(result) };
    return { ok: false, detail: result?.reason ?? `run-tests.mjs exited with ${code}` };
  });
}

function describe(result) {
  if (!result) return undefined;
  return `${result.passed} passed, ${result.failed} failed${result.skipped ? `, ${result.skipped} skipped` : ''}`;
}

function summaryLine() {
  return `tests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
}

async function main() {
  const t0 = Date.now();
  const ready = (await installDependencies()) && (await checkSystem());
  const built = ready && (await step('build', async () => exitOk(await runCommand(...node('scripts/build.mjs')), 'build')));
  if (built) {
    await step('type check', async () => exitOk(await runCommand(...node('node_modules/typescript/bin/tsc', '-p', '.', '--noEmit')), 'tsc'));
    await step('lint', async () => exitOk(await runCommand(...node('node_modules/eslint/bin/eslint.js', '.')), 'eslint'));
    fs.mkdirSync(path.join(root, '.test-runs'), { recursive: true });
    const workDir = fs.mkdtempSync(path.join(root, '.test-runs', 'npm-test-'));
    try {
      await unitTier(workDir);
      await integrationTier(workDir);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  } else {
    for (const name of [...(ready ? [] : ['build']), 'type check', 'lint', 'unit tests', 'integration tests (VS Code extension host)']) {
      steps.push({ name, status: 'not run', detail: ready ? 'the build failed' : 'prerequisites missing' });
    }
  }

  heading(`summary (${Math.round((Date.now() - t0) / 1000)} s)`);
  for (const s of steps) {
    const time = s.seconds === undefined ? '' : ` (${s.seconds} s)`;
    console.log(`  ${s.status.padEnd(7)}  ${s.name}${time}${s.detail ? ` — ${s.detail}` : ''}`);
  }
  const ok = !interrupted && steps.every((s) => s.status === 'passed' || s.status === 'skipped');
  console.log(summaryLine());
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    console.error(err);
    if (current) await stopProcessTree(current);
    console.log(summaryLine());
    process.exit(1);
  },
);
