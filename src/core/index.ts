import { createHash } from 'node:crypto';
import path from 'node:path';
import { ProcessRunner } from './process/runner';
import { Git } from './git';
import { LifecycleService } from './lifecycle';
import type { Logger } from './log';
import type { CoreSettings } from './model';
import { OwnershipStore, type Recovery } from './store';
import { Tmux } from './tmux';

export * from './model';
export type { Logger } from './log';
export type { Disposable, Event } from './event';
export { DisposableStore } from './event';
export { LifecycleService } from './lifecycle';
export { AGENT_WIRING } from './agents/wiring';
export { BUILTIN_STATE_RULES } from './agents/state';
export type { CreateRequest, DeleteOptions, DeletePreflight, DeleteResult, OperationOptions, ReconcileReport, BranchChoice, RepositoryQueries } from './lifecycle';
export type { ApprovalRequest } from './lifecycle/types';
export type { RepoApproval } from './lifecycle/repoSetup';
export type { TmuxProbe } from './tmux';
export type { ShortStat } from './gitParse';
export type { SavedChanges, SubmoduleState } from './git';
export { branchNamePrecheck } from './gitParse';
export { Git } from './git';

/** @wts_owner for this installation: derived from its global storage path (SPEC §3). */
export function ownerIdFor(storageDir: string): string {
  return createHash('sha256').update(path.resolve(storageDir)).digest('hex').slice(0, 16);
}

export interface CoreOptions {
  storageDir: string;
  wasmPath: string;
  settings: () => CoreSettings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  pollIntervalMs?: number;
  /** How old a marked but unrecorded session must be before it is reaped (R3). */
  orphanGraceMs?: number;
  watchStore?: boolean;
}

export interface Core {
  lifecycle: LifecycleService;
  store: OwnershipStore;
  tmux: Tmux;
  git: Git;
  exec: ProcessRunner;
  /** Set when an unreadable database was moved aside at open. */
  recovered?: Recovery;
  dispose(): void;
}

/** Builds the core's services; the extension's composition root calls this once. */
export async function createCore(options: CoreOptions): Promise<Core> {
  const exec = new ProcessRunner(options.logger);
  const { store, recovered } = await OwnershipStore.open(options.storageDir, {
    wasmPath: options.wasmPath,
    logger: options.logger,
    watch: options.watchStore,
  });
  const env = options.env ?? process.env;
  const tmux = new Tmux(exec, { path: () => options.settings().tmuxPath || 'tmux', socket: () => options.settings().socketName || 'worktree-sessions' }, ownerIdFor(options.storageDir), env);
  const git = new Git(exec);
  const lifecycle = new LifecycleService({
    store, tmux, git, exec,
    settings: options.settings,
    logger: options.logger,
    savedChangesDir: path.join(options.storageDir, 'saved-changes'),
    storageDir: options.storageDir,
    env,
    pollIntervalMs: options.pollIntervalMs,
    orphanGraceMs: options.orphanGraceMs,
  });
  // SPEC §4: a database lost while running was started afresh; re-adopt what is provably ours, as at startup.
  if (recovered) lifecycle.holdOrphansUntilReadopted();
  store.onDidRecover((lost) => {
    lifecycle.holdOrphansUntilReadopted();
    lifecycle.readopt(lost.repoRoots).then(
      (adopted) => options.logger.info(`Re-adopted ${adopted.length} workspace(s) after the database was lost.`),
      (e: unknown) => options.logger.error(`Could not re-adopt workspaces after the database was lost: ${e instanceof Error ? e.message : String(e)}`),
    );
  });
  return {
    lifecycle, store, tmux, git, exec, recovered,
    dispose: () => {
      lifecycle.dispose();
      store.dispose();
      exec.dispose();
    },
  };
}
export * from './finish';
