import type { Database, SqlValue } from 'sql.js';
import type { SessionRecord, SetupEvent, StoredWorkspaceStatus, WorkspaceRecord } from '../model';

/** What a write may do; every change goes through one of these inside `write`. */
export interface StoreTx {
  workspace(id: string): WorkspaceRecord | undefined;
  workspaceByBranch(repoRoot: string, branch: string): WorkspaceRecord | undefined;
  sessions(workspaceId?: string): SessionRecord[];
  /** §9: every workspace's port block, read inside the write that reserves one. */
  portBlocks(): { id: string; first: number; count: number }[];
  insertWorkspace(w: WorkspaceRecord): void;
  updateWorkspace(id: string, patch: Partial<Omit<WorkspaceRecord, 'id'>>): void;
  /** Removes the row with its sessions and setup events. */
  deleteWorkspace(id: string): void;
  upsertSession(s: SessionRecord): void;
  /** Removes the row only if its generation matches (L3, S2); returns whether it did. */
  deleteSession(name: string, createdAt?: number): boolean;
  addEvent(e: SetupEvent): void;
}

type Row = Record<string, SqlValue>;

export function rows(db: Database, sql: string, params: SqlValue[] = []): Row[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    // get() with the column names read once: getAsObject() asks sql.js for them on every row,
    // which made rebuilding the snapshot after each write the bulk of a write's cost.
    const names = stmt.getColumnNames();
    const out: Row[] = [];
    while (stmt.step()) {
      const values = stmt.get();
      const row: Row = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
      out.push(row);
    }
    return out;
  } finally {
    stmt.free();
  }
}

export function toWorkspace(r: Row): WorkspaceRecord {
  return {
    id: String(r.id),
    repoRoot: String(r.repo_root),
    worktreePath: String(r.worktree_path),
    branch: String(r.branch),
    baseRef: String(r.base_ref),
    createdBranch: r.created_branch === 1,
    baseSession: String(r.base_session),
    status: String(r.status) as StoredWorkspaceStatus,
    error: r.error === null ? undefined : String(r.error),
    opPid: r.op_pid === null ? undefined : Number(r.op_pid),
    ...(typeof r.op_start_time === 'string' ? { opStartTime: r.op_start_time } : {}),
    ...(typeof r.setup_process === 'string' ? { setupProcess: r.setup_process } : {}),
    ...(typeof r.port_first === 'number' && typeof r.port_count === 'number' ? { ports: { first: r.port_first, count: r.port_count } } : {}),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toSession(r: Row): SessionRecord {
  return {
    name: String(r.name),
    workspaceId: String(r.workspace_id),
    targetKey: String(r.target_key),
    label: String(r.label),
    command: JSON.parse(String(r.command)) as string[],
    createdAt: Number(r.created_at),
    lost: r.lost === 1,
    ...(typeof r.agent_session_id === 'string' && r.agent_session_id ? { agentSessionId: r.agent_session_id } : {}),
  };
}

export function toEvent(r: Row): SetupEvent {
  return {
    workspaceId: String(r.workspace_id),
    at: Number(r.at),
    step: String(r.step) as SetupEvent['step'],
    outcome: String(r.outcome) as SetupEvent['outcome'],
    message: r.message === null ? undefined : String(r.message),
  };
}

/** The changes a write may make, on `db` inside its open transaction. */
export function transactionOn(db: Database): StoreTx {
  const one = (sql: string, params: SqlValue[]) => rows(db, sql, params)[0];
  const changes = () => Number(db.exec('SELECT changes()')[0].values[0][0]);
  return {
    workspace: (id) => {
      const r = one('SELECT * FROM workspaces WHERE id = ?', [id]);
      return r ? toWorkspace(r) : undefined;
    },
    workspaceByBranch: (repoRoot, branch) => {
      const r = one('SELECT * FROM workspaces WHERE repo_root = ? AND branch = ?', [repoRoot, branch]);
      return r ? toWorkspace(r) : undefined;
    },
    sessions: (workspaceId) =>
      (workspaceId === undefined
        ? rows(db, 'SELECT * FROM sessions ORDER BY created_at')
        : rows(db, 'SELECT * FROM sessions WHERE workspace_id = ? ORDER BY created_at', [workspaceId])
      ).map(toSession),
    portBlocks: () => rows(db, 'SELECT id, port_first, port_count FROM workspaces WHERE port_first IS NOT NULL')
      .map((r) => ({ id: String(r.id), first: Number(r.port_first), count: Number(r.port_count) })),
    insertWorkspace: (w) => {
      db.run(
        `INSERT INTO workspaces (id, repo_root, worktree_path, branch, base_ref, created_branch, base_session, status, error, op_pid, op_start_time, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [w.id, w.repoRoot, w.worktreePath, w.branch, w.baseRef, w.createdBranch ? 1 : 0, w.baseSession, w.status, w.error ?? null, w.opPid ?? null, w.opStartTime ?? null, w.createdAt, w.updatedAt],
      );
    },
    updateWorkspace: (id, patch) => {
      const columns: Record<string, SqlValue> = { updated_at: patch.updatedAt ?? Date.now() };
      if (patch.status !== undefined) columns.status = patch.status;
      if ('error' in patch) columns.error = patch.error ?? null;
      if ('opPid' in patch) columns.op_pid = patch.opPid ?? null;
      // The pid and its start time name one process: a new pid never keeps an old start time.
      if ('opStartTime' in patch || 'opPid' in patch) columns.op_start_time = patch.opStartTime ?? null;
      if ('setupProcess' in patch) columns.setup_process = patch.setupProcess ?? null;
      if ('ports' in patch) {
        columns.port_first = patch.ports?.first ?? null;
        columns.port_count = patch.ports?.count ?? null;
      }
      if (patch.worktreePath !== undefined) columns.worktree_path = patch.worktreePath;
      if (patch.baseRef !== undefined) columns.base_ref = patch.baseRef;
      if (patch.createdBranch !== undefined) columns.created_branch = patch.createdBranch ? 1 : 0;
      const names = Object.keys(columns);
      db.run(`UPDATE workspaces SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?`, [...names.map((n) => columns[n]), id]);
    },
    deleteWorkspace: (id) => {
      db.run('DELETE FROM workspaces WHERE id = ?', [id]);
    },
    upsertSession: (s) => {
      db.run(
        `INSERT OR REPLACE INTO sessions (name, workspace_id, target_key, label, command, created_at, lost, agent_session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [s.name, s.workspaceId, s.targetKey, s.label, JSON.stringify(s.command), s.createdAt, s.lost ? 1 : 0, s.agentSessionId ?? null],
      );
    },
    deleteSession: (name, createdAt) => {
      if (createdAt === undefined) db.run('DELETE FROM sessions WHERE name = ?', [name]);
      else db.run('DELETE FROM sessions WHERE name = ? AND created_at = ?', [name, createdAt]);
      return changes() > 0;
    },
    addEvent: (e) => {
      db.run('INSERT INTO setup_events (workspace_id, at, step, outcome, message) VALUES (?, ?, ?, ?, ?)', [
        e.workspaceId, e.at, e.step, e.outcome, e.message ?? null,
      ]);
    },
  };
}
