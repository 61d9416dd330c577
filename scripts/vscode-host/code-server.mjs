/* global AbortSignal */
// Starting code-server with the extension in development mode, shared by the
// test driver (run-tests.mjs) and `npm start`.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { privateTempDirs, sleep } from '../lib/processes.mjs';

/**
 * Creates the per-run folders and the environment that points every cache,
 * config and socket of code-server, the extension host, git and tmux into them.
 * TMPDIR and TMUX_TMPDIR go to a private folder outside the checkout
 * (dirs.scratch), which the caller removes with the run.
 * @returns {{ env: Record<string,string>, dirs: Record<string,string> }}
 */
export function isolatedEnvironment(runDir, prefix = 'wts-run-') {
  const dirs = {
    userData: path.join(runDir, 'user-data'),
    extensions: path.join(runDir, 'extensions'),
    browserProfile: path.join(runDir, 'browser-profile'),
    xdgConfig: path.join(runDir, 'xdg', 'config'),
    xdgData: path.join(runDir, 'xdg', 'data'),
    xdgCache: path.join(runDir, 'xdg', 'cache'),
    xdgState: path.join(runDir, 'xdg', 'state'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  const scratch = privateTempDirs(prefix);
  dirs.scratch = scratch.root;
  dirs.tmp = scratch.tmp;
  dirs.tmux = scratch.tmux;
  const env = {
    TMPDIR: dirs.tmp,
    TMUX_TMPDIR: dirs.tmux,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    XDG_STATE_HOME: dirs.xdgState,
    // No extension gallery: the workbench makes no attempt to reach open-vsx.org.
    EXTENSIONS_GALLERY: '{}',
  };
  return { env, dirs };
}

/** Variables of the caller that must not leak into the extension host. */
function hostBaseEnv() {
  const env = { ...process.env };
  // Started from inside tmux (a developer's terminal), tmux commands in the host
  // would otherwise talk to that server instead of the private one.
  delete env.TMUX;
  delete env.TMUX_PANE;
  for (const key of Object.keys(env)) if (/^(npm_|VSCODE_)/i.test(key)) delete env[key];
  return env;
}

/**
 * Starts code-server in its own process group and waits until it answers.
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, baseUrl: string, authority: string }>}
 */
export async function startCodeServer({ entry, host = '127.0.0.1', port, userDataDir, extensionsDir, folder, env, logFile, startTimeoutMs = 60_000, onSpawn, cancelled = () => false }) {
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `${host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--log', 'info',
  ];
  if (folder) args.push(folder);
  const child = spawn(process.execPath, args, {
    env: { ...hostBaseEnv(), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The caller learns the child at once, so it can stop it even while we wait here.
  onSpawn?.(child);
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  child.stdout.pipe(log);
  child.stderr.pipe(log);

  let exited;
  const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exited = { code, signal }))));
  const authority = `${host}:${port}`;
  const baseUrl = `http://${authority}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) throw Object.assign(new Error(`code-server exited while starting (${exited.code ?? exited.signal}); see ${logFile}`), { child });
    if (cancelled()) throw Object.assign(new Error('cancelled while code-server was starting'), { child });
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw Object.assign(new Error(`code-server did not answer within ${startTimeoutMs / 1000} s; see ${logFile}`), { child });
    await Promise.race([sleep(150), exitPromise]);
  }
  return { child, baseUrl, authority, exitPromise };
}

/**
 * The workbench URL that loads the extension in development mode. code-server
 * takes no --extensionDevelopmentPath; the workbench reads it from the `payload`
 * query parameter, and only vscode-remote:// URIs reach the remote extension host.
 */
export function workbenchUrl({ baseUrl, authority, folder, workspaceFile, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDevelopmentPath)]];
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  payload.push(['skipWelcome', 'true'], ['skipReleaseNotes', 'true']);
  const opened = workspaceFile ? `workspace=${encodeURIComponent(workspaceFile)}` : `folder=${encodeURIComponent(folder)}`;
  return `${baseUrl}/?${opened}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/**
 * Debian's chromium, headless, with its own profile folder and the run's
 * isolated environment (chromium writes crash and dconf state under the XDG
 * folders even with its own profile). Playwright's signal handlers are off:
 * they would exit the process before code-server and tmux are stopped.
 */
export async function launchBrowser(profileDir, isolatedEnv) {
  const { chromium } = await import('playwright-core');
  const { CHROMIUM_PATH } = await import('../lib/system-check.mjs');
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 800 },
    env: { ...process.env, ...isolatedEnv },
    args: CHROMIUM_ARGS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/** Browser flags for Debian's chromium on a machine without network or GPU. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
