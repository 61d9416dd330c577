// Child process for the SIGKILL test: starts a delete and stops between stopping
// the sessions and removing the worktree, until the parent kills it.
// `node deleteChild.js <storageDir> <socket> <workspaceId>`
import { createCore } from '../../src/core';
import { defaultSettings } from '../../src/core/model';
import { HookedGit } from './faults';
import { MemoryLogger, testEnv, wasmPath } from './fixtures';
import { LifecycleService } from '../../src/core/lifecycle';

async function main() {
  const [storageDir, socket, id] = process.argv.slice(2);
  const settings = { ...defaultSettings, socketName: socket };
  const logger = new MemoryLogger();
  const core = await createCore({ storageDir, wasmPath, settings: () => settings, logger, env: testEnv() });
  const git = new HookedGit(core.exec);
  git.beforeRemove = () => {
    process.stdout.write('REMOVING\n');
    // Hold the process here (a pending promise alone would let Node exit) until the parent kills it.
    setInterval(() => undefined, 1000);
    return new Promise(() => undefined);
  };
  const lifecycle = new LifecycleService({ store: core.store, tmux: core.tmux, git, exec: core.exec, settings: () => settings, logger, savedChangesDir: `${storageDir}/saved`, env: testEnv() });
  await lifecycle.deleteWorkspace(id);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
