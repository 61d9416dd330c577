// Child process for the "setup command outlives its window" test: a window that
// creates a workspace whose setup command runs a long sleep, until the parent kills it.
// `node createChild.js <storageDir> <socket> <repo> <branch> <sleepSeconds>`
import { createCore } from '../../src/core';
import { defaultSettings } from '../../src/core/model';
import { MemoryLogger, testEnv, wasmPath } from './fixtures';

async function main() {
  const [storageDir, socket, repo, branch, seconds] = process.argv.slice(2);
  const settings = { ...defaultSettings, socketName: socket, setupCommand: ['sleep', seconds] };
  const core = await createCore({ storageDir, wasmPath, settings: () => settings, logger: new MemoryLogger(), env: testEnv() });
  await core.lifecycle.createWorkspace({ repoRoot: repo, branch });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
