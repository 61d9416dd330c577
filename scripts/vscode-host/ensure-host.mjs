#!/usr/bin/env node
// Installs the VS Code that the integration tests run in — code-server from npm,
// which serves VS Code web plus a remote extension host — into the ignored folder
// .cache/vscode-host/, and reuses it while its marker matches. It is not a
// devDependency so that `npm ci` of the project needs no compiler or Kerberos headers.
//
// CLI: node scripts/vscode-host/ensure-host.mjs [--force] [--check]
//   --check  only check the system prerequisites
//   --force  reinstall even when the marker says it is installed
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { cleanNpmEnv, run, sleep } from '../lib/processes.mjs';
import { missingPrerequisites, missingPrerequisitesMessage, onPath } from '../lib/system-check.mjs';

export const CODE_SERVER_VERSION = '4.100.3';
// code-server 4.100.3 pins @vscode/ripgrep 1.15.11, which downloads ripgrep v13.0.0-10.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_TAG = 'v13.0.0-10';
const RIPGREP_TARGETS = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' };

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const hostDir = path.join(projectRoot, '.cache', 'vscode-host');
const markerFile = path.join(hostDir, 'installed.json');
const lockDir = `${hostDir}.lock`;
export const codeServerEntry = path.join(hostDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export class PrerequisitesMissing extends Error {}

function expectedMarker() {
  // Native modules (node-pty, kerberos) are built for one Node ABI.
  return { codeServer: CODE_SERVER_VERSION, nodeAbi: process.versions.modules, arch: process.arch };
}

/** True when a complete install for this Node ABI is present. */
export function hostInstalled() {
  try {
    const marker = JSON.parse(fs.readFileSync(markerFile, 'utf8'));
    const expected = expectedMarker();
    return Object.keys(expected).every((k) => marker[k] === expected[k]) && fs.existsSync(codeServerEntry);
  } catch {
    return false;
  }
}

/** Throws PrerequisitesMissing with the apt-get line when something is missing. */
export function checkPrerequisites({ install = !hostInstalled() } = {}) {
  const missing = missingPrerequisites({ install });
  if (missing.length) throw new PrerequisitesMissing(missingPrerequisitesMessage(missing));
}

const pidAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

// Two scripts may ask for the host at once (npm test and npm start in two terminals).
async function withLock(fn) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder = 0;
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lockDir).mtimeMs;
        holder = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8')) || 0;
      } catch {
        // the holder is between mkdir and writing its pid, or just released the lock
      }
      // A holder that died, or one that never got to write its pid a minute ago, is gone.
      if ((holder && !pidAlive(holder)) || (!holder && age > 60_000)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another process (${holder || 'unknown'}) holds ${lockDir}; remove it if that process is gone`);
      if (!announced) console.log(`[ensure-host] waiting for process ${holder || '(starting)'} to finish installing code-server…`);
      announced = true;
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

// @vscode/ripgrep's postinstall downloads rg from GitHub unless it finds
// $TMPDIR/vscode-ripgrep-cache-<version>/ripgrep-<tag>-<target>.tar.gz; Debian's rg
// (the same 13.0.0 release) is packed into exactly that file.
function seedRipgrepCache(tmpDir) {
  const target = RIPGREP_TARGETS[process.arch];
  if (!target) throw new Error(`no known ripgrep target for ${process.arch}`);
  const rg = onPath('rg');
  const cacheDir = path.join(tmpDir, `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const stage = path.join(tmpDir, 'rg-stage');
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.mkdirSync(stage, { recursive: true });
  fs.copyFileSync(rg, path.join(stage, 'rg'));
  fs.chmodSync(path.join(stage, 'rg'), 0o755);
  const tarball = path.join(cacheDir, `ripgrep-${RIPGREP_TAG}-${target}.tar.gz`);
  const tar = spawnSync('tar', ['czf', tarball, '-C', stage, 'rg'], { stdio: 'inherit' });
  if (tar.status !== 0) throw new Error('could not pack Debian rg into the @vscode/ripgrep cache');
}

async function install({ quiet }) {
  const t0 = Date.now();
  console.log(`[ensure-host] installing code-server@${CODE_SERVER_VERSION} into ${path.relative(process.cwd(), hostDir) || hostDir} (about a minute)…`);
  fs.rmSync(hostDir, { recursive: true, force: true });
  fs.mkdirSync(hostDir, { recursive: true });
  fs.writeFileSync(
    path.join(hostDir, 'package.json'),
    `${JSON.stringify({ name: 'worktree-sessions-vscode-host', private: true, description: 'Installed by scripts/vscode-host/ensure-host.mjs; safe to delete.' }, null, 2)}\n`,
  );
  const tmpDir = path.join(hostDir, '.install-tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  seedRipgrepCache(tmpDir);

  const env = cleanNpmEnv({
    TMPDIR: tmpDir,
    // code-server's postinstall refuses to run as root without unsafe-perm.
    npm_config_unsafe_perm: 'true',
    // node-pty's postinstall runs `npx node-gyp`, which cancels without a TTY unless told yes.
    npm_config_yes: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });
  // Build native modules against the headers shipped with this Node, not a download.
  const nodeDir = path.resolve(path.dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && fs.existsSync(path.join(nodeDir, 'include', 'node', 'node.h'))) env.npm_config_nodedir = nodeDir;

  const args = ['install', `code-server@${CODE_SERVER_VERSION}`, '--prefix', hostDir, '--no-audit', '--no-fund'];
  if (!quiet) args.push('--foreground-scripts');
  const logFile = path.join(projectRoot, '.cache', 'vscode-host-install.log');
  let code;
  if (quiet) {
    const out = fs.openSync(logFile, 'w');
    code = await run('npm', args, { cwd: hostDir, env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
  } else {
    code = await run('npm', args, { cwd: hostDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const vscodeModules = path.join(hostDir, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules');
  // npm can exit 0 when an optional native build failed; terminals need node-pty and search needs rg.
  const missing = [codeServerEntry, path.join(vscodeModules, 'node-pty', 'build', 'Release', 'pty.node'), path.join(vscodeModules, '@vscode', 'ripgrep', 'bin', 'rg')]
    .filter((file) => !fs.existsSync(file));
  if (code !== 0 || missing.length) {
    const detail = missing.length ? `; missing ${missing.map((f) => path.relative(hostDir, f)).join(', ')}` : '';
    throw new Error(`installing code-server@${CODE_SERVER_VERSION} failed (npm exit code ${code}${detail})${quiet ? `; see ${logFile}` : ''}`);
  }
  fs.writeFileSync(markerFile, `${JSON.stringify({ ...expectedMarker(), installedAt: new Date().toISOString() }, null, 2)}\n`);
  console.log(`[ensure-host] code-server@${CODE_SERVER_VERSION} installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/**
 * Makes sure code-server is installed and the system has what a run needs.
 * @returns {Promise<{ codeServerEntry: string, hostDir: string }>}
 */
export async function ensureHost({ force = false, quiet = false } = {}) {
  checkPrerequisites({ install: force || !hostInstalled() });
  if (force || !hostInstalled()) {
    await withLock(async () => {
      // Someone else may have finished the install while we waited for the lock.
      if (force || !hostInstalled()) await install({ quiet });
    });
  }
  return { codeServerEntry, hostDir };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  try {
    if (argv.includes('--check')) {
      checkPrerequisites();
      console.log('[ensure-host] system prerequisites are present');
    } else {
      const { codeServerEntry: entry } = await ensureHost({ force: argv.includes('--force') });
      console.log(`[ensure-host] ready: ${entry}`);
    }
  } catch (err) {
    console.error(err instanceof PrerequisitesMissing ? err.message : `[ensure-host] ${err.message}`);
    process.exit(1);
  }
}
