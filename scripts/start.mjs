#!/usr/bin/env node
// `npm start [-- <repo>]`: try the extension in a real VS Code in the browser.
// Builds it, starts code-server on 127.0.0.1 with the extension loaded in
// development mode, on <repo> or on a small demo repository in .demo/repo, and
// prints the URL to open. Ctrl-C stops code-server and the tmux servers it
// started (they live in a private TMUX_TMPDIR under .demo/, never the user's).
//
// Options: --check  open the page once in headless chromium, save a screenshot
//                   of the Worktree Sessions view to .demo/start-check.png,
//                   report whether the view container is there, and stop.
// Env:     PORT     the port to listen on (default: a free one)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, killTmuxServersUnder, run, sleep, stopProcessTree } from './lib/processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demoDir = path.join(root, '.demo');

function parseArgs(argv) {
  const options = { check: false, repo: undefined };
  for (const arg of argv) {
    if (arg === '--check') options.check = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else if (options.repo) throw new Error('give at most one repository folder');
    // `npm start -- ../x` runs here with cwd = project root; INIT_CWD is where the user typed it.
    else options.repo = path.resolve(process.env.INIT_CWD || process.cwd(), arg);
  }
  return options;
}

/** The tail of a step's log, printed only when the step failed. */
function printTail(logFile, lines = 40) {
  if (!fs.existsSync(logFile)) return;
  const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines);
  console.error(`--- the last ${tail.length} lines of ${path.relative(process.cwd(), logFile)} ---\n${tail.join('\n')}\n---`);
}

/**
 * One line per step; what the step's programs print goes to a log file in
 * .demo/, shown only when the step fails.
 */
function progress(total) {
  let n = 0;
  return async (title, logName, work) => {
    n++;
    console.log(`[${n}/${total}] ${title}…`);
    const logFile = path.join(demoDir, logName);
    fs.mkdirSync(demoDir, { recursive: true });
    fs.writeFileSync(logFile, '');
    try {
      return await work(logFile);
    } catch (err) {
      printTail(err.logFile ?? logFile);
      throw err;
    }
  };
}

/** Runs a program with its output appended to `logFile`; throws when it fails. */
async function runLogged(command, args, logFile, what) {
  const fd = fs.openSync(logFile, 'a');
  try {
    const code = await run(command, args, { cwd: root, stdio: ['ignore', fd, fd] });
    if (code !== 0) throw Object.assign(new Error(`${what} failed (exit code ${code})`), { logFile });
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs `fn` with console.log going to `logFile`: ensure-host reports to the console. */
async function quietly(logFile, fn) {
  const log = console.log;
  console.log = (...args) => fs.appendFileSync(logFile, `${args.join(' ')}\n`);
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

/** Dependencies, the build, and the VS Code to run it in; returns the step printer for the last step. */
async function prepare() {
  const needDependencies = !fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'));
  const step = progress((needDependencies ? 1 : 0) + 3);
  if (needDependencies) {
    await step('Installing npm dependencies (npm ci)', 'npm-ci.log', (log) => runLogged('npm', ['ci', '--no-audit', '--no-fund'], log, 'npm ci'));
  }
  await step('Building the extension', 'build.log', (log) =>
    runLogged(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--only', 'extension'], log, 'the build'));
  const host = await import('./vscode-host/ensure-host.mjs');
  const installing = !host.hostInstalled();
  const installLog = path.join(root, '.cache', 'vscode-host-install.log');
  const { codeServerEntry } = await step(
    installing ? `Installing VS Code (code-server ${host.CODE_SERVER_VERSION}) into .cache/, about a minute` : `Checking VS Code (code-server ${host.CODE_SERVER_VERSION})`,
    'vscode-host.log',
    (log) => quietly(log, () => host.ensureHost({ quiet: true })).catch((err) => {
      // The install's own output (native module builds) is in its log file.
      throw Object.assign(err, { logFile: installing && fs.existsSync(installLog) ? installLog : log });
    }),
  );
  return { codeServerEntry, step };
}

/** The demo repository, made on first use; says whether it is new. */
function demoRepository(createDemoRepo) {
  const repo = path.join(demoDir, 'repo');
  if (fs.existsSync(path.join(repo, '.git'))) return { repo, created: false };
  fs.rmSync(repo, { recursive: true, force: true });
  createDemoRepo(repo);
  return { repo, created: true };
}

/** Opens the workbench headless and checks the activity bar shows the view container. */
async function checkInBrowser(url, dirs, env) {
  const { launchBrowser } = await import('./vscode-host/code-server.mjs');
  const context = await launchBrowser(dirs.browserProfile, env);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    const item = page.locator('.activitybar [role="tab"][aria-label^="Worktree Sessions"], .activitybar .action-label[aria-label^="Worktree Sessions"]').first();
    let found = true;
    try {
      await item.waitFor({ state: 'visible', timeout: 60_000 });
      await item.click();
      // The view shows rows or a welcome message once the extension has activated.
      await page
        .locator('.part.sidebar .monaco-list-row, .part.sidebar .welcome-view-content')
        .first()
        .waitFor({ timeout: 30_000 })
        .catch(() => console.warn('the Worktree Sessions view shows neither rows nor a welcome message'));
      await sleep(1500); // let the tree and status bar paint
    } catch {
      found = false;
    }
    const shot = path.join(demoDir, 'start-check.png');
    await page.screenshot({ path: shot });
    console.log(found ? `the activity bar shows "Worktree Sessions"; screenshot: ${shot}` : `no "Worktree Sessions" view container in the activity bar; screenshot: ${shot}`);
    return found;
  } finally {
    await context.close();
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.repo && !(fs.existsSync(options.repo) && fs.statSync(options.repo).isDirectory())) throw new Error(`${options.repo} is not a folder`);
  const { codeServerEntry, step } = await prepare();
  const { createDemoRepo } = await import('./lib/git-repo.mjs');
  const { isolatedEnvironment, startCodeServer, workbenchUrl } = await import('./vscode-host/code-server.mjs');

  const demo = options.repo ? undefined : demoRepository(createDemoRepo);
  const folder = options.repo ?? demo.repo;
  const { env, dirs } = isolatedEnvironment(path.join(demoDir, 'host'), 'wts-demo-');
  const port = Number(process.env.PORT) || (await freePort());
  const logFile = path.join(demoDir, 'code-server.log');

  let server;
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping code-server and the demo tmux servers…');
    await stopProcessTree(server);
    const killed = killTmuxServersUnder(dirs.tmux);
    if (killed.length) console.log(`stopped ${killed.length} tmux server(s)`);
    fs.rmSync(dirs.scratch, { recursive: true, force: true });
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));

  const where = demo ? `${path.relative(process.cwd(), folder)}${demo.created ? ' (a new demo repository: 3 commits on main, branch feature/farewell)' : ''}` : folder;
  let started;
  try {
    started = await step(`Starting VS Code on ${where}`, 'code-server.log', () => startCodeServer({
      entry: codeServerEntry,
      port,
      userDataDir: dirs.userData,
      extensionsDir: dirs.extensions,
      folder,
      env,
      logFile,
      onSpawn: (child) => (server = child),
    }));
  } catch (err) {
    console.error(err.message);
    return stop(1);
  }
  started.exitPromise.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`code-server exited (${code ?? signal}); see ${logFile}`);
    stop(1);
  });

  const url = workbenchUrl({ baseUrl: started.baseUrl, authority: started.authority, folder, extensionDevelopmentPath: root });
  if (options.check) return stop((await checkInBrowser(url, dirs, env)) ? 0 : 1);

  // The URL last and alone on its line, so it can be clicked or copied whole.
  console.log(`\nWorktree Sessions is running in VS Code (logs: ${path.relative(process.cwd(), logFile)}; Ctrl-C stops it). Open in a browser:\n${url}`);
  // Stay up until a signal or code-server's exit calls stop().
  await new Promise(() => {});
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
