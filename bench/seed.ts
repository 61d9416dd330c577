// Seeds many workspaces quickly: real live tmux sessions carrying the owner
// marker (created in batches of chained tmux commands) and real rows written
// through the core's own store. Used for the reconciliation and idle figures,
// where creating each one through createWorkspace would take minutes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceStore } from '../src/core/store';
import type { SessionRecord, WorkspaceRecord } from '../src/core/model';
import { runOk } from './lib';

export interface SeedOptions {
  store: WorkspaceStore;
  /** tmux argv prefix, e.g. ['-L', socket]. */
  tmuxArgs: string[];
  tmuxEnv: NodeJS.ProcessEnv;
  ownerId: string;
  /** Folder under which each workspace gets a (plain) folder as its worktree. */
  dir: string;
  repoRoot: string;
  workspaces: number;
  /** Sessions per workspace, the base terminal included. */
  sessionsPerWorkspace: number;
  /** Runtime sessions get this command; the base terminal the server's default shell. */
  command?: string[];
}

export interface Seeded {
  workspaces: WorkspaceRecord[];
  sessions: SessionRecord[];
  liveSessions: number;
}

let stampCounter = 0;

export async function seedWorkspaces(o: SeedOptions): Promise<Seeded> {
  const workspaces: WorkspaceRecord[] = [];
  const sessions: SessionRecord[] = [];
  const commands: string[][] = [['set-option', '-s', 'exit-empty', 'off']];
  const base = Date.now();
  const command = o.command ?? ['/bin/sh'];
  for (let i = 0; i < o.workspaces; i++) {
    const id = randomBytes(8).toString('hex');
    const worktreePath = path.join(o.dir, `ws-${i}`);
    fs.mkdirSync(worktreePath, { recursive: true });
    const now = base + stampCounter++;
    const w: WorkspaceRecord = {
      id, repoRoot: o.repoRoot, worktreePath, branch: `seed/${i}`, baseRef: 'main', createdBranch: true,
      baseSession: `wts-${id}`, status: 'ready', createdAt: now, updatedAt: now,
    };
    workspaces.push(w);
    const names = [w.baseSession];
    for (let k = 1; k < o.sessionsPerWorkspace; k++) names.push(k === 1 ? `wts-${id}-shell` : `wts-${id}-shell-${k}`);
    for (const name of names) {
      const stamp = base + stampCounter++;
      const isBase = name === w.baseSession;
      const target = `=${name}:`;
      commands.push(['new-session', '-d', '-s', name, '-c', worktreePath, '-x', '200', '-y', '50', ...(isBase ? [] : ['--', ...command])]);
      commands.push(['set-option', '-t', target, '@wts_owner', o.ownerId]);
      commands.push(['set-option', '-t', target, '@wts_created', String(stamp)]);
      if (isBase) commands.push(['set-option', '-t', target, '@wts_worktree', worktreePath]);
      else sessions.push({ name, workspaceId: id, targetKey: 'shell', label: 'Shell', command, createdAt: stamp, lost: false });
    }
  }
  // ~100 tmux commands per invocation: quick, and well under any argv limit.
  for (let i = 0; i < commands.length; i += 100) {
    const chunk = commands.slice(i, i + 100);
    await runOk('tmux', [...o.tmuxArgs, ...chunk.flatMap((c, j) => (j ? [';', ...c] : c))], o.tmuxEnv);
  }
  await o.store.write((tx) => {
    for (const w of workspaces) tx.insertWorkspace(w);
    for (const s of sessions) tx.upsertSession(s);
  });
  return { workspaces, sessions, liveSessions: workspaces.length * o.sessionsPerWorkspace };
}
