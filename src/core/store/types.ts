import type { Event } from '../event';
import type { Logger } from '../log';
import type { SessionRecord, SetupEvent, WorkspaceRecord } from '../model';
import type { StoreDisk } from './durableFile';
import type { StoreTx } from './transaction';

/** What the lifecycle needs of persistence; the tests wrap it to inject faults. */
export interface WorkspaceStore {
  readonly file: string;
  workspaces(): WorkspaceRecord[];
  workspace(id: string): WorkspaceRecord | undefined;
  sessions(workspaceId?: string): SessionRecord[];
  events(workspaceId: string): SetupEvent[];
  /** Re-reads the file if another process changed it; true when it did. */
  refresh(): boolean;
  write<T>(fn: (tx: StoreTx) => T): Promise<T>;
  readonly onDidChangeExternally: Event<void>;
  /** The file was lost while running and started afresh (SPEC §4). */
  readonly onDidRecover: Event<RecoveryWhileRunning>;
  dispose(): void;
}

export interface OpenOptions {
  wasmPath: string;
  logger: Logger;
  /** Watch the file for other windows' writes (default true). */
  watch?: boolean;
  /** How long to wait for another process's lock before giving up. */
  lockTimeoutMs?: number;
  /** Where writes go; tests hand in a disk that fills up. */
  disk?: StoreDisk;
}

export interface Recovery {
  movedTo: string;
  reason: string;
}

/** A database lost while this window ran (emptied, replaced, deleted), and started afresh. */
export interface RecoveryWhileRunning {
  /** Where the unusable file now is; absent when it was deleted. */
  movedTo?: string;
  reason: string;
  /** The repositories of the workspaces this window knew just before: where re-adoption should look. */
  repoRoots: string[];
}
