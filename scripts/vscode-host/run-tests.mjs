#!/usr/bin/env node
// Runs the integration tests inside a real VS Code extension host, headless and
// offline: code-server (installed by ensure-host.mjs) serves VS Code web and a
// remote extension host on loopback; Debian's chromium, driven by playwright-core,
// opens the workbench with the extension in development mode and
// out/test/vscode/index.js as the tests entry. The workbench calls
// codeAutomationExit(code) when the tests end.
//
// Usage: node scripts/vscode-host/run-tests.mjs [options]
//   --files <glob>      test files to load (repeatable; relative to the directory
//                       the command was typed in, may lie outside the project). Default:
//                       out/test/vscode/**/*.test.js without out/test/vscode/screenshots/**
//   --workspace <dir>   folder to open (default: a fresh one-commit git repo in the run dir,
//                       opened through a .code-workspace file as its one folder)
//   --timeout <sec>     give up after this long (default 300)
//   --keep              keep the run dir (it is always kept when the run fails)
//   --results <file>    also write {passed, failed, skipped, exitCode, reason} there
//   --verbose           print the browser console, not only errors
//
// Exit codes: 0 passed, 1 tests failed, 2 driver error, 3 host did not start,
// 124 timeout, 128+n interrupted by signal n (130 for Ctrl-C).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureHost, PrerequisitesMissing, projectRoot } from './ensure-host.mjs';
import { isolatedEnvironment, launchBrowser, startCodeServer, workbenchUrl } from './code-server.mjs';
import { freePort, killTmuxServersUnder, stopProcessTree } from '../lib/processes.mjs';
import { resolveTestFiles, TESTS_ENTRY, userCwd } from './test-files.mjs';
import { createTestWorkspace, createWorkspaceFile } from '../lib/git-repo.mjs';


// The workbench forwards its own log lines through codeAutomationLog too, mixed
// with the test output and indistinguishable by type; these go to driver.log only.
const WORKBENCH_CHATTER = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(/,
  /^Ignoring fetching additional builtin extensions/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /^\[driver\] /,
];

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

function parseArgs(argv) {
  const options = { files: [], workspace: undefined, timeoutSec: 300, keep: false, results: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--files') options.files.push(value());
    else if (arg === '--workspace') options.workspace = path.resolve(userCwd(), value());
    else if (arg === '--timeout') options.timeoutSec = Number(value());
    else if (arg === '--results') options.results = path.resolve(userCwd(), value());
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--verbose') options.verbose = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`unknown argument ${arg} (see --help)`);
  }
  if (!(options.timeoutSec > 0)) throw new Error('--timeout needs a positive number of seconds');
  return options;
}

/** One integration run. Resolves with its outcome; never leaves a process behind. */
class DriverRun {
  constructor(options) {
    this.options = options;
    this.server = undefined;
    this.browserContext = undefined;
    this.page = undefined;
    this.controlServer = undefined;
    this.outcome = undefined;
    this.settled = new Promise((resolve) => (this.settle = resolve));
    fs.mkdirSync(path.join(projectRoot, '.test-runs'), { recursive: true });
    this.runDir = fs.mkdtempSync(path.join(projectRoot, '.test-runs', 'run-'));
    this.logDir = path.join(this.runDir, 'logs');
    fs.mkdirSync(this.logDir, { recursive: true });
    this.driverLog = fs.createWriteStream(path.join(this.logDir, 'driver.log'));
    this.resultsFile = path.join(this.runDir, 'results.json');
  }

  log(...args) {
    const line = `[driver ${elapsed()}] ${util.format(...args)}`;
    console.log(line);
    this.driverLog.write(`${line}\n`);
  }

  /** Detail for the log file only (or the terminal with --verbose). */
  trace(...args) {
    const line = `[driver ${elapsed()}] ${util.format(...args)}`;
    if (this.options.verbose) console.log(line);
    this.driverLog.write(`${line}\n`);
  }

  /** The first outcome wins: tests ended, host died, timeout, signal or driver error. */
  end(exitCode, reason) {
    if (this.outcome) return;
    this.outcome = { exitCode, reason };
    this.settle(this.outcome);
  }

  async startControlServer() {
    this.controlServer = http.createServer((req, res) => {
      this.handleControl(req, res).catch((err) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err?.stack ?? err));
      });
    });
    await new Promise((resolve) => this.controlServer.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${this.controlServer.address().port}`;
  }

  // GET /screenshot?path=<absolute .png>[&selector=<css>]: the whole page, or clipped to the first match.
  async handleControl(req, res) {
    const url = new URL(req.url, 'http://driver');
    if (url.pathname !== '/screenshot') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`unknown request ${url.pathname}; the driver offers /screenshot?path=<abs png>[&selector=<css>]`);
      return;
    }
    const target = url.searchParams.get('path');
    const selector = url.searchParams.get('selector');
    if (!target || !path.isAbsolute(target) || !target.endsWith('.png')) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('path must be an absolute .png path');
      return;
    }
    if (!this.page) throw new Error('the workbench page is not open yet');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (selector) await this.page.locator(selector).first().screenshot({ path: target, timeout: 15_000 });
    else await this.page.screenshot({ path: target, fullPage: true });
    this.log(`screenshot ${selector ? `of ${selector} ` : ''}saved to ${target}`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(target);
  }

  async start() {
    const { codeServerEntry, testFiles: files } = this.options;
    const { env: isolated, dirs } = isolatedEnvironment(this.runDir);
    this.dirs = dirs;

    const workspace = this.options.workspace ?? createTestWorkspace(path.join(this.runDir, 'workspace'));
    if (!fs.existsSync(workspace)) throw new Error(`workspace folder ${workspace} does not exist`);
    // The default window is a multi-root workspace holding that one folder: a window opened on a
    // bare folder would have to reload to take a second one, ending the tests (Add to Workspace).
    this.workspaceFile = this.options.workspace ? undefined : createWorkspaceFile(this.runDir, workspace);

    const controlUrl = await this.startControlServer();
    const port = await freePort();
    this.log(`run dir ${path.relative(process.cwd(), this.runDir)}; ${files.length} test file(s); workspace ${workspace}`);
    for (const f of files) this.trace(`  test file ${f}`);
    try {
      const started = await startCodeServer({
        entry: codeServerEntry,
        port,
        userDataDir: dirs.userData,
        extensionsDir: dirs.extensions,
        folder: workspace,
        logFile: path.join(this.logDir, 'code-server.log'),
        onSpawn: (child) => (this.server = child),
        cancelled: () => Boolean(this.outcome),
        env: {
          ...isolated,
          WTS_DRIVER_URL: controlUrl,
          WTS_TEST_FILES: JSON.stringify(files),
          WTS_RESULTS_FILE: this.resultsFile,
        },
      });
      started.exitPromise.then(({ code, signal }) => this.end(3, `code-server exited during the run (${code ?? signal}); see ${path.join(this.logDir, 'code-server.log')}`));
      this.log(`code-server ${started.baseUrl} is up`);
      await this.openWorkbench(started, this.workspaceFile ?? workspace, isolated);
    } catch (err) {
      this.end(3, err.message);
    }
  }

  async openWorkbench({ baseUrl, authority }, workspace, isolated) {
    if (this.outcome) return;
    this.browserContext = await launchBrowser(this.dirs.browserProfile, isolated);
    await this.browserContext.exposeFunction('codeAutomationLog', (type, args) => {
      const text = util.format(...(Array.isArray(args) ? args : [args]));
      this.driverLog.write(`[workbench ${type}] ${text}\n`);
      if (this.options.verbose || !WORKBENCH_CHATTER.some((re) => re.test(text))) (type === 'error' ? console.error : console.log)(text);
    });
    await this.browserContext.exposeFunction('codeAutomationExit', (code) => {
      this.log(`workbench reported codeAutomationExit(${code})`);
      // A non-numeric code means the workbench itself failed to report properly.
      this.end(typeof code === 'number' ? code : 1, code === 0 ? 'tests passed' : 'tests failed');
    });
    this.page = this.browserContext.pages()[0] ?? (await this.browserContext.newPage());
    this.page.on('pageerror', (err) => this.trace(`page error: ${err.message}`));
    this.page.on('requestfailed', (r) => this.trace(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    this.page.on('console', (message) => {
      const text = message.text();
      if (message.type() === 'error') this.trace(`browser console.error: ${text}`);
      else this.driverLog.write(`[browser console.${message.type()}] ${text}\n`);
      // The workbench never calls codeAutomationExit in these cases.
      if (/No extension host found that can launch the test runner/.test(text)) this.end(3, 'the workbench found no extension host to launch the test runner');
      if (/Extension host (\(Remote\) )?terminated unexpectedly/i.test(text)) this.end(3, `the extension host crashed: ${text}`);
    });
    this.page.on('crash', () => this.end(3, 'the workbench page crashed'));
    const opened = workspace.endsWith('.code-workspace') ? { workspaceFile: workspace } : { folder: workspace };
    const url = workbenchUrl({ baseUrl, authority, ...opened, extensionDevelopmentPath: projectRoot, extensionTestsPath: TESTS_ENTRY });
    this.trace(`opening ${url}`);
    await this.page.goto(url, { waitUntil: 'commit' });
  }

  readResults() {
    try {
      return JSON.parse(fs.readFileSync(this.resultsFile, 'utf8'));
    } catch {
      return undefined;
    }
  }

  async saveFailureScreenshot() {
    if (!this.page || this.page.isClosed()) return;
    const file = path.join(this.logDir, 'failure.png');
    try {
      await this.page.screenshot({ path: file, timeout: 5000 });
      this.log(`screenshot of the workbench at the end: ${file}`);
    } catch {
      // the page may be gone already
    }
  }

  async cleanUp(failed) {
    // A signal or timeout may arrive mid-start: let the browser launch finish so it can be closed.
    await Promise.race([this.starting, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    if (failed) await this.saveFailureScreenshot();
    if (this.browserContext) await this.browserContext.close().catch((err) => this.trace(`closing the browser: ${err.message}`));
    if (this.server) await stopProcessTree(this.server);
    if (this.dirs) {
      const killed = killTmuxServersUnder(this.dirs.tmux);
      if (killed.length) this.log(`stopped ${killed.length} tmux server(s) left by the tests: ${killed.map((s) => path.basename(s)).join(', ')}`);
    }
    if (this.controlServer) {
      this.controlServer.closeAllConnections();
      await new Promise((resolve) => this.controlServer.close(resolve));
    }
    await new Promise((resolve) => this.driverLog.end(resolve));
    if (failed || this.options.keep) {
      console.log(`[driver] logs kept in ${this.logDir} (code-server.log, driver.log; extension host logs under ${path.join(this.runDir, 'user-data', 'logs')})`);
      if (this.dirs) console.log(`[driver] the run's TMPDIR is kept in ${this.dirs.tmp}`);
    } else {
      fs.rmSync(this.runDir, { recursive: true, force: true });
      if (this.dirs) fs.rmSync(this.dirs.scratch, { recursive: true, force: true });
    }
  }
}

function describeCounts(results) {
  if (!results) return 'no test results were reported';
  if (results.error) return 'the tests could not be loaded';
  const parts = [`${results.passed} passed`, `${results.failed} failed`];
  if (results.skipped) parts.push(`${results.skipped} skipped`);
  return parts.join(', ');
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`run-tests: ${err.message}`);
    return 2;
  }
  if (options.help) {
    // The help is the comment block at the top of this file.
    const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
    const header = lines.slice(0, lines.findIndex((l) => !l.startsWith('//')));
    console.log(header.map((l) => l.slice(3)).join('\n'));
    return 0;
  }

  // Mistakes in the command line are reported before anything is started or written.
  try {
    for (const [file, what] of [[TESTS_ENTRY, path.relative(process.cwd(), TESTS_ENTRY)], [path.join(projectRoot, 'dist', 'extension.js'), 'dist/extension.js']]) {
      if (!fs.existsSync(file)) throw new Error(`${what} is missing; run \`npm run build\` first`);
    }
    options.testFiles = resolveTestFiles(options.files);
    // A first install takes a minute or two; it does not count against --timeout.
    options.codeServerEntry = (await ensureHost()).codeServerEntry;
  } catch (err) {
    console.error(err instanceof PrerequisitesMissing ? err.message : `run-tests: ${err.message}`);
    return 2;
  }

  const run = new DriverRun(options);
  const onSignal = (signal) => {
    run.log(`received ${signal}, stopping`);
    run.end(128 + os.constants.signals[signal], `interrupted by ${signal}`);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
  const timer = setTimeout(() => run.end(124, `timed out after ${options.timeoutSec} s`), options.timeoutSec * 1000);

  run.starting = run.start().catch((err) => run.end(2, err.message));
  let { exitCode, reason } = await run.settled;
  clearTimeout(timer);

  const results = run.readResults();
  // The results file is the tests' own account; trust a failure in it over an exit code of 0.
  if (exitCode === 0 && (!results || results.failed > 0)) {
    exitCode = 1;
    reason = results ? 'the results file reports failures' : 'the tests reported no results';
  }
  if (results?.error && exitCode !== 0) reason = `the tests could not be loaded: ${results.error.split('\n')[0]}`;
  const failed = exitCode !== 0;
  await run.cleanUp(failed);

  const summary = { ...(results ?? { passed: 0, failed: 0, skipped: 0 }), exitCode, reason };
  if (options.results) {
    fs.mkdirSync(path.dirname(options.results), { recursive: true });
    fs.writeFileSync(options.results, `${JSON.stringify(summary, null, 2)}\n`);
  }
  console.log(`[driver] integration tests: ${describeCounts(results)} (${elapsed()})`);
  if (failed) console.error(`[driver] FAILED with exit code ${exitCode}: ${reason}`);
  return exitCode;
}

process.exit(await main());
