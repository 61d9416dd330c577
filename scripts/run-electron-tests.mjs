#!/usr/bin/env node
// `npm run test:electron`: the integration tests in desktop VS Code, through
// @vscode/test-electron, for contributors who have a display and internet access
// (it downloads VS Code into .cache/vscode-electron/ on first use). Offline, or without a
// display, use `npm run test:vscode`: the same tests in code-server.
//
// Usage: node scripts/run-electron-tests.mjs [--files <glob>]... [--version <vscode version>]
// Screenshots are not available here (askDriverForScreenshot needs the code-server driver).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTmuxServersUnder, privateTempDirs } from './lib/processes.mjs';
import { createTestWorkspace } from './lib/git-repo.mjs';
import { resolveTestFiles, TESTS_ENTRY } from './vscode-host/test-files.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|getaddrinfo|socket hang up|timed? ?out|Failed to (get|download|fetch)/i;

function parseArgs(argv) {
  const options = { files: [], version: process.env.VSCODE_VERSION || 'stable' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--files' && argv[i + 1]) options.files.push(argv[++i]);
    else if (argv[i] === '--version' && argv[i + 1]) options.version = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(TESTS_ENTRY)) throw new Error(`${path.relative(process.cwd(), TESTS_ENTRY)} is missing; run \`npm run build\` first`);
  const files = resolveTestFiles(options.files);
  const { runTests } = await import('@vscode/test-electron');

  fs.mkdirSync(path.join(root, '.test-runs'), { recursive: true });
  const runDir = fs.mkdtempSync(path.join(root, '.test-runs', 'electron-'));
  const scratch = privateTempDirs('wts-electron-');
  const resultsFile = path.join(runDir, 'results.json');
  let failed = true;
  let keep = true;
  try {
    const workspace = createTestWorkspace(path.join(runDir, 'workspace'));
    await runTests({
      version: options.version,
      // Beside code-server, in the ignored cache folder, rather than .vscode-test/.
      cachePath: path.join(root, '.cache', 'vscode-electron'),
      extensionDevelopmentPath: root,
      extensionTestsPath: TESTS_ENTRY,
      extensionTestsEnv: {
        WTS_TEST_FILES: JSON.stringify(files),
        WTS_RESULTS_FILE: resultsFile,
        TMPDIR: scratch.tmp,
        TMUX_TMPDIR: scratch.tmux,
        TMUX: '',
      },
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', path.join(runDir, 'user-data'),
        '--extensions-dir', path.join(runDir, 'extensions'),
      ],
      timeout: 30_000,
    });
    failed = false;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (NETWORK_ERROR.test(message) || NETWORK_ERROR.test(String(err?.code ?? ''))) {
      console.error(
        `\n@vscode/test-electron could not download VS Code (${message.split('\n')[0]}).\n` +
          'It needs internet access to update.code.visualstudio.com. Offline, run the same tests in code-server:\n' +
          '  npm run test:vscode',
      );
      keep = false; // nothing ran; nothing to look at
    } else {
      console.error(`\nthe tests failed or VS Code could not start: ${message}`);
    }
  } finally {
    killTmuxServersUnder(scratch.tmux);
    const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : undefined;
    if (results) console.log(`integration tests: ${results.passed} passed, ${results.failed} failed${results.skipped ? `, ${results.skipped} skipped` : ''}`);
    fs.rmSync(scratch.root, { recursive: true, force: true });
    if (failed && keep) console.error(`logs and the test workspace are kept in ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
