import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { installAgentFiles, type AgentFiles } from '../agents/stateHook';
import { processIdentity } from '../process/liveness';
import type { Exec } from '../process/runner';
import type { Git } from '../git';
import type { Logger } from '../log';
import { UserError, type CoreSettings, type LaunchTarget, type WorkspaceRecord } from '../model';
import type { WorkspaceStore } from '../store';
import { resolveLaunchTargets, type TargetProblem } from '../targets';
import type { Tmux } from '../tmux';
import { WorkspaceGuards } from './guards';
import { AgentSignals } from './agentSignals';
import { LiveView } from './liveView';
import type { ReconcileReport } from './types';

export interface LifecycleDeps {
  store: WorkspaceStore;
  tmux: Tmux;
  git: Git;
  /** Runs the setup command; the same adapter git and tmux use. */
  exec: Exec;
  settings: () => CoreSettings;
  logger: Logger;
  /** Where D5 writes patch files of saved changes. */
  savedChangesDir: string;
  /** The extension's storage folder: the state hook, agent settings and saved scrollback live here (§8). Default: savedChangesDir's parent. */
  storageDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * How often tmux is listed: activity states, and the fallback for S2 (the
   * server's session-closed hook wakes the service at once). Default 2 s.
   */
  pollIntervalMs?: number;
  /** How old an unrecorded marked session must be before it counts as an orphan (R3). */
  orphanGraceMs?: number;
  clock?: () => number;
  /**
   * Test seams for races that cannot be timed from outside: each runs at its
   * point of an operation and may hold it there.
   */
  seams?: LifecycleSeams;
}

export interface LifecycleSeams {
  /** L2/D3: a launch's tmux session exists and is marked, its row is not written yet. */
  launchStarted?: (sessionName: string) => Promise<void> | void;
}

export interface LaunchTargets {
  targets: LaunchTarget[];
  problems: TargetProblem[];
}

/**
 * What every lifecycle operation shares: the dependencies, the window's live
 * view of tmux, its guards, and the clock. One per LifecycleService.
 */
export class LifecycleContext {
  readonly guards: WorkspaceGuards;
  readonly live: LiveView;
  readonly signals: AgentSignals;
  readonly pid = process.pid;
  /** Written with `pid` on a row this window works on (R1), so pid reuse is told apart. */
  readonly pidStartTime = processIdentity()?.startTime;
  /**
   * R3 waits while the database was started afresh and re-adoption has not
   * finished: until then every session of ours looks unclaimed.
   */
  orphansOnHold = false;
  /** This window among all windows on the socket: who launched a session, who claimed a notification (§8). */
  readonly windowId = `w${process.pid}-${randomBytes(4).toString('hex')}`;
  private agentFilesCache?: AgentFiles | null;
  /** Session names that launches of this window chose and tmux may not list yet. */
  readonly namesBeingStarted = new Set<string>();
  /** Set by the facade: every operation that must end in a fresh view reconciles through it. */
  reconcile: () => Promise<ReconcileReport> = () => Promise.reject(new Error('not started'));
  private lastStamp = 0;
  private targetsCache?: { key: string; at: number; value: LaunchTargets };

  constructor(readonly deps: LifecycleDeps) {
    this.guards = new WorkspaceGuards(this.pid, this.pidStartTime, () => this.live.emitIfChanged(true));
    this.live = new LiveView(this);
    this.signals = new AgentSignals(this);
  }

  get now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  get env(): NodeJS.ProcessEnv {
    return this.deps.env ?? process.env;
  }

  get storageDir(): string {
    return this.deps.storageDir ?? path.dirname(this.deps.savedChangesDir);
  }

  /** The state hook and agent settings, written once per window; undefined (and logged) when storage cannot take them. */
  agentFiles(): AgentFiles | undefined {
    if (this.agentFilesCache === undefined) {
      try {
        this.agentFilesCache = installAgentFiles(this.storageDir);
      } catch (e) {
        this.deps.logger.error(`Could not write the agent state hook into ${this.storageDir}: ${e instanceof Error ? e.message : String(e)}; agents report no state.`);
        this.agentFilesCache = null;
      }
    }
    return this.agentFilesCache ?? undefined;
  }

  /** A generation stamp: strictly increasing in this window, so two launches never share one (L3, S2). */
  nextStamp(): number {
    this.lastStamp = Math.max(this.now, this.lastStamp + 1);
    return this.lastStamp;
  }

  requireWorkspace(id: string): WorkspaceRecord {
    this.deps.store.refresh();
    const w = this.deps.store.workspace(id);
    if (!w) throw new UserError(`No workspace with id ${id}. It may have been deleted in another window; refresh the view.`);
    return w;
  }

  async requireTmux(): Promise<void> {
    const probe = await this.deps.tmux.probe();
    if (!probe.ok) throw new UserError(probe.message);
  }

  /** The launch targets on offer; PATH is searched again when settings or PATH change, or after ten seconds. */
  targets(): LaunchTargets {
    const settings = this.deps.settings();
    const key = JSON.stringify([settings.agents, settings.disabledAgents, this.env.PATH, this.env.SHELL]);
    const cached = this.targetsCache;
    if (cached && cached.key === key && this.now - cached.at < 10_000) return cached.value;
    const value = resolveLaunchTargets(settings, this.env);
    this.targetsCache = { key, at: this.now, value };
    return value;
  }
}
