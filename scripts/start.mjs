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

async function prepare() {
  if (!fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
    if ((await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root })) !== 0) throw new Error('npm ci failed');
  }
  if ((await run(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--only', 'extension'], { cwd: root })) !== 0) throw new Error('the build failed');
  const { ensureHost } = await import('./vscode-host/ensure-host.mjs');
  return ensureHost();
}

function demoRepository(createDemoRepo) {
  const repo = path.join(demoDir, 'repo');
  if (!fs.existsSync(path.join(repo, '.git'))) {
    fs.rmSync(repo, { recursive: true, force: true });
    createDemoRepo(repo);
    console.log(`created a demo repository in ${path.relative(process.cwd(), repo)} (3 commits on main, branch feature/farewell)`);
  }
  return repo;
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
  const { codeServerEntry } = await prepare();
  const { createDemoRepo } = await import('./lib/git-repo.mjs');
  const { isolatedEnvironment, startCodeServer, workbenchUrl } = await import('./vscode-host/code-server.mjs');

  const folder = options.repo ?? demoRepository(createDemoRepo);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new Error(`${folder} is not a folder`);
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

  let started;
  try {
    started = await startCodeServer({
      entry: codeServerEntry,
      port,
      userDataDir: dirs.userData,
      extensionsDir: dirs.extensions,
      folder,
      env,
      logFile,
      onSpawn: (child) => (server = child),
    });
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

  console.log(`
Worktree Sessions is running in VS Code (code-server ${started.authority}), opened on
  ${folder}

Open this URL in a browser (it loads the extension in development mode):

  ${url}

Logs: ${logFile}   Press Ctrl-C to stop.`);
  // Stay up until a signal or code-server's exit calls stop().
  await new Promise(() => {});
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
