// Hand-written fakes for faults that cannot be caused for real at a chosen moment.
import fs from 'node:fs';
import { Git } from '../../src/core/git';
import { Tmux } from '../../src/core/tmux';
import type { SessionListing } from '../../src/core/tmuxParse';
import type { StoreDisk, StoreTx, WorkspaceStore } from '../../src/core/store';

/** A real store behind a wrapper, for the fakes below to change one thing each. */
class DelegatingStore implements WorkspaceStore {
  constructor(protected readonly inner: WorkspaceStore) {}
  get file() { return this.inner.file; }
  get onDidChangeExternally() { return this.inner.onDidChangeExternally; }
  get onDidRecover() { return this.inner.onDidRecover; }
  workspaces() { return this.inner.workspaces(); }
  workspace(id: string) { return this.inner.workspace(id); }
  sessions(workspaceId?: string) { return this.inner.sessions(workspaceId); }
  events(workspaceId: string) { return this.inner.events(workspaceId); }
  refresh() { return this.inner.refresh(); }
  dispose() { this.inner.dispose(); }
  write<T>(fn: (tx: StoreTx) => T): Promise<T> {
    return this.inner.write(fn);
  }
}

/** A store whose writes that record a runtime session fail, as a full disk would. */
export class SessionWriteFailingStore extends DelegatingStore {
  override write<T>(fn: (tx: StoreTx) => T): Promise<T> {
    return this.inner.write((tx) => fn({
      ...tx,
      upsertSession: () => {
        throw new Error('ENOSPC: no space left on device, write worktree-sessions.db');
      },
    }));
  }
}

/** A store that lets a test act just before each write (another window writing first). */
export class InterceptingStore extends DelegatingStore {
  beforeWrite?: () => Promise<void>;
  override async write<T>(fn: (tx: StoreTx) => T): Promise<T> {
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    if (hook) await hook();
    return this.inner.write(fn);
  }
}

/** Git whose worktree removal runs a hook first (to observe or interrupt the delete at that point). */
export class HookedGit extends Git {
  beforeRemove?: () => Promise<void>;
  beforeAdd?: () => Promise<void>;
  override async removeWorktree(repo: string, worktreePath: string, force: boolean): Promise<void> {
    if (this.beforeRemove) await this.beforeRemove();
    return super.removeWorktree(repo, worktreePath, force);
  }
  override async addWorktree(...args: Parameters<Git['addWorktree']>): Promise<void> {
    if (this.beforeAdd) await this.beforeAdd();
    return super.addWorktree(...args);
  }
}

/** Real tmux whose listing can be followed by something else happening (D3: a launch right after the delete looked). */
export class HookedTmux extends Tmux {
  afterList?: (listing: SessionListing) => Promise<void>;
  /** Thrown by every capture (a server that fails to answer one). */
  captureFault?: Error;
  captures = 0;
  static of(t: Tmux, env: NodeJS.ProcessEnv, exec: ConstructorParameters<typeof Tmux>[0]): HookedTmux {
    return new HookedTmux(exec, { path: () => 'tmux', socket: () => t.socket }, t.ownerId, env);
  }
  override async list(): Promise<SessionListing> {
    const listing = await super.list();
    if (this.afterList) await this.afterList(listing);
    return listing;
  }
  override async capturePanes(names: readonly string[], lines: number): Promise<Map<string, string>> {
    this.captures++;
    if (this.captureFault) throw this.captureFault;
    return super.capturePanes(names, lines);
  }
}

/**
 * A disk with `room` bytes left, as a nearly full one: a write takes what fits
 * and reports how much, the next one fails with ENOSPC. `claimsAll` makes it
 * report the whole write anyway, as some network file systems do.
 */
export class FullDisk implements StoreDisk {
  constructor(public room = Infinity, public claimsAll = false) {}
  write(fd: number, data: Uint8Array, offset: number, length: number): number {
    if (this.room <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const written = fs.writeSync(fd, data, offset, Math.min(length, this.room));
    this.room -= written;
    return this.claimsAll ? length : written;
  }
}
