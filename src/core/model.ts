import manifest from '../../package.json';
/** Statuses a workspace row can hold in the store. */
export type StoredWorkspaceStatus = 'creating' | 'ready' | 'error' | 'deleting' | 'deletion_failed';
/** What users see: the stored status, or `missing` when the worktree folder is gone (R4). */
export type WorkspaceStatus = StoredWorkspaceStatus | 'missing';
/**
 * §8: `working`, `waiting`, `done` come from an agent signal (hook, bell,
 * screen rule); `running` / `idle` mean no signal, with output in the last
 * 30 s or none; `exited` lasts until S2 removes the row.
 */
/** `unknown`: tmux cannot be reached, so nothing is known of the session but its record. */
export type SessionState = 'working' | 'waiting' | 'done' | 'running' | 'idle' | 'exited' | 'unknown';
/** Which signal set a session's state (§8, strongest first). */
export type StateSource = 'hook' | 'bell' | 'rule' | 'process';
export type BranchPolicy = 'merged' | 'never' | 'ask';

export interface WorkspaceRecord {
  id: string;
  repoRoot: string;
  worktreePath: string;
  branch: string;
  baseRef: string;
  /** True when the extension created the branch (D6). */
  createdBranch: boolean;
  baseSession: string;
  status: StoredWorkspaceStatus;
  error?: string;
  /** Process id of the extension host working on a `creating`/`deleting` row (R1). */
  opPid?: number;
  /** That process's start time, so a later process with the same id is not taken for it (pid reuse). */
  opStartTime?: string;
  /** The setup command running for a `creating` row, as "pid:startTime" (issue 8: still running after its window died). */
  setupProcess?: string;
  /** §9: the block of consecutive ports the workspace holds, unique in the installation. */
  ports?: { first: number; count: number };
  createdAt: number;
  updatedAt: number;
}

export interface SessionRecord {
  name: string;
  workspaceId: string;
  targetKey: string;
  label: string;
  command: string[];
  /** Generation stamp, also stored on the tmux session as @wts_created (L3, S2). */
  createdAt: number;
  /** R2: the tmux server went away while this session lived; offered for relaunch. */
  lost: boolean;
  /** §8: the agent's own conversation id, copied from its hook so a relaunch resumes exactly that conversation. */
  agentSessionId?: string;
}

export type SetupStep = 'worktree' | 'ports' | 'copy-files' | 'setup-command' | 'base-terminal' | 'launch-on-create';

export interface SetupEvent {
  workspaceId: string;
  at: number;
  step: SetupStep;
  outcome: 'started' | 'ok' | 'failed' | 'skipped';
  message?: string;
}

export interface SessionView {
  name: string;
  target: string;
  label: string;
  createdAt: number;
  state: SessionState;
  stateSource: StateSource;
  /** When the state was set, ms since epoch. */
  stateAt: number;
  /** Why, when the signal said (e.g. "Claude needs your permission to use Bash"). */
  stateNote?: string;
  /** What the agent works on: its terminal title, else the first line of its last prompt. */
  summary?: string;
  agentSessionId?: string;
  /** The window that launched it (§8: its notifications fall back there). */
  launcher?: string;
  /** Last output time, ms since epoch, when tmux knows it. */
  activityAt?: number;
}

export interface LostSessionView {
  name: string;
  target: string;
  label: string;
  createdAt: number;
  /** The argv a relaunch would run: the agent's resume command where configured. */
  relaunchCommand: string[];
  /** The conversation a relaunch resumes (§8). */
  agentSessionId?: string;
}

/** A workspace as the tree and the API show it: its record joined with the live tmux view. */
export interface WorkspaceView extends Pick<WorkspaceRecord, 'id' | 'repoRoot' | 'worktreePath' | 'branch' | 'baseRef' | 'createdBranch' | 'error' | 'ports'> {
  status: WorkspaceStatus;
  baseSession: { name: string; running: boolean };
  sessions: SessionView[];
  lostSessions: LostSessionView[];
  /** True while this window runs a create/delete/stop on it (spinning icon). */
  busy: boolean;
}

export interface LaunchTarget {
  key: string;
  label: string;
  command: string[];
  /** May hold `{sessionId}`: replaced by the agent's conversation id when one is known (§8). */
  resumeCommand?: string[];
  /** Built-ins: what resumes the latest conversation when no id is known. */
  continueCommand?: string[];
  env?: Record<string, string>;
  source: 'builtin' | 'configured' | 'shell';
  available: boolean;
  /** Why it cannot be launched, when unavailable. */
  reason?: string;
}

export interface AgentSetting {
  key: string;
  label?: string;
  command: string[];
  resumeCommand?: string[];
  env?: Record<string, string>;
}

/** The settings core reads, as plain values (the host keeps them current). */
export interface CoreSettings {
  worktreeRoot: string;
  agents: AgentSetting[];
  disabledAgents: string[];
  copyFiles: string[];
  setupCommand: string[];
  /** The setup command's deadline (issue 8: nothing waits forever). */
  setupTimeoutMinutes: number;
  /** §9: where port blocks start. */
  portBase: number;
  /** VS Code's git.worktreeIncludeFiles: globs of ignored files to copy, merged with copyFiles (§9). */
  worktreeIncludeFiles: string[];
  deleteBranch: BranchPolicy;
  tmuxPath: string;
  socketName: string;
  /** §8 screen rules per target key: the last pane lines → a state. */
  stateRules: Record<string, StateRule[]>;
}

export interface StateRule {
  /** A regular expression, tried on each of the last `lines` non-empty lines of the pane. */
  pattern: string;
  state: 'working' | 'waiting' | 'done';
  /** How many of the last non-empty lines to look at (default 8). */
  lines?: number;
}

const declared = manifest.contributes.configuration.properties;

/** SPEC §5's defaults, read once from package.json, where VS Code reads them too. */
export const defaultSettings: CoreSettings = {
  worktreeRoot: declared['worktreeSessions.worktreeRoot'].default,
  agents: declared['worktreeSessions.agents'].default,
  disabledAgents: declared['worktreeSessions.disabledAgents'].default,
  copyFiles: declared['worktreeSessions.copyFiles'].default,
  setupCommand: declared['worktreeSessions.setupCommand'].default,
  setupTimeoutMinutes: declared['worktreeSessions.setupTimeoutMinutes'].default,
  portBase: declared['worktreeSessions.portBase'].default,
  // Not ours: VS Code's git extension declares it.
  worktreeIncludeFiles: [],
  deleteBranch: declared['worktreeSessions.deleteBranch'].default as BranchPolicy,
  tmuxPath: declared['worktreeSessions.tmux.path'].default,
  socketName: declared['worktreeSessions.tmux.socketName'].default,
  stateRules: declared['worktreeSessions.stateRules'].default as Record<string, StateRule[]>,
};

/** A failure users should read: the message names what failed and what to do. */
export class UserError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = 'UserError';
  }
}
