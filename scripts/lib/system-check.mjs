// The Debian packages the test harness needs, and one message that says how to
// get the missing ones. Node builtins only: it runs before `npm ci`.
import fs from 'node:fs';
import path from 'node:path';

/** The full line, for docs and .ci/run; `missingPackages()` narrows it. */
export const APT_PACKAGES = ['git', 'tmux', 'chromium', 'libkrb5-dev', 'ripgrep', 'build-essential', 'python3'];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function onPath(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const executable = (file) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

// `needed` says when a prerequisite matters: 'run' for every test run, 'install'
// only while code-server is being installed (native modules are built then).
const PREREQUISITES = [
  { what: 'git', pkg: 'git', needed: 'run', present: () => Boolean(onPath('git')) },
  { what: 'tmux', pkg: 'tmux', needed: 'run', present: () => Boolean(onPath('tmux')) },
  { what: `chromium (${CHROMIUM_PATH})`, pkg: 'chromium', needed: 'run', present: () => executable(CHROMIUM_PATH) },
  { what: 'rg (seeds @vscode/ripgrep, which would otherwise download it)', pkg: 'ripgrep', needed: 'install', present: () => Boolean(onPath('rg')) },
  {
    what: 'Kerberos headers (the kerberos module of code-server is built from source)',
    pkg: 'libkrb5-dev',
    needed: 'install',
    present: () => fs.existsSync('/usr/include/krb5.h') || fs.existsSync('/usr/include/krb5/krb5.h') || Boolean(onPath('krb5-config')),
  },
  { what: 'make', pkg: 'build-essential', needed: 'install', present: () => Boolean(onPath('make')) },
  { what: 'g++', pkg: 'build-essential', needed: 'install', present: () => Boolean(onPath('g++')) },
  { what: 'python3 (node-gyp)', pkg: 'python3', needed: 'install', present: () => Boolean(onPath('python3')) },
];

/**
 * @param {{ install: boolean }} options install: also check what building code-server needs
 * @returns {{ what: string, pkg: string }[]} the missing prerequisites
 */
export function missingPrerequisites({ install }) {
  return PREREQUISITES.filter((p) => (install || p.needed === 'run') && !p.present()).map(({ what, pkg }) => ({ what, pkg }));
}

/** One message naming what is missing and the exact line that installs it. */
export function missingPrerequisitesMessage(missing) {
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
  return [
    `Missing system prerequisites: ${missing.map((m) => m.what).join(', ')}.`,
    'Install them with:',
    `  ${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${pkgs.join(' ')}`,
  ].join('\n');
}

export { onPath };
