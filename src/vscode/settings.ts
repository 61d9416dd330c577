import * as vscode from 'vscode';
import { defaultSettings, type AgentSetting, type BranchPolicy, type CoreSettings, type StateRule } from '../core';

export const SETTINGS_SECTION = 'worktreeSessions';

const BRANCH_POLICIES: readonly BranchPolicy[] = ['merged', 'never', 'ask'];

/**
 * The one reader of the `worktreeSessions.*` settings: a typed snapshot, kept
 * current, and an event when any of them changes. Defaults live in
 * package.json; a value of the wrong type falls back to core's default.
 */
export class SettingsFacade implements vscode.Disposable {
  private current: CoreSettings;
  private readonly changed = new vscode.EventEmitter<CoreSettings>();
  readonly onDidChange = this.changed.event;
  private readonly listener: vscode.Disposable;

  constructor() {
    this.current = read();
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SETTINGS_SECTION) && !e.affectsConfiguration('git.worktreeIncludeFiles')) return;
      this.current = read();
      this.changed.fire(this.current);
    });
  }

  get snapshot(): CoreSettings {
    return this.current;
  }

  /** §8: `worktreeSessions.notify`, read when a notification is due (the view's settings, not core's). */
  get notify(): { waiting: boolean; done: boolean } {
    const value = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<Record<string, unknown>>('notify') ?? {};
    return { waiting: value.waiting !== false, done: value.done !== false };
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }
}

function read(): CoreSettings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const deleteBranch = c.get<string>('deleteBranch');
  return {
    worktreeRoot: stringOr(c.get('worktreeRoot'), defaultSettings.worktreeRoot),
    agents: Array.isArray(c.get('agents')) ? c.get<AgentSetting[]>('agents')! : defaultSettings.agents,
    disabledAgents: stringsOr(c.get('disabledAgents'), defaultSettings.disabledAgents),
    copyFiles: stringsOr(c.get('copyFiles'), defaultSettings.copyFiles),
    setupCommand: stringsOr(c.get('setupCommand'), defaultSettings.setupCommand),
    setupTimeoutMinutes: positiveOr(c.get('setupTimeoutMinutes'), defaultSettings.setupTimeoutMinutes),
    deleteBranch: BRANCH_POLICIES.includes(deleteBranch as BranchPolicy) ? (deleteBranch as BranchPolicy) : defaultSettings.deleteBranch,
    tmuxPath: stringOr(c.get('tmux.path'), defaultSettings.tmuxPath).trim() || defaultSettings.tmuxPath,
    socketName: stringOr(c.get('tmux.socketName'), defaultSettings.socketName).trim() || defaultSettings.socketName,
    stateRules: stateRulesOr(c.get('stateRules')),
    portBase: positiveOr(c.get('portBase'), defaultSettings.portBase),
    worktreeIncludeFiles: worktreeIncludeFiles(vscode.workspace.getConfiguration('git').get('worktreeIncludeFiles')),
  };
}

/** §9: VS Code's git.worktreeIncludeFiles, a list of globs (or globs mapped to true, as files.exclude is). */
function worktreeIncludeFiles(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (value && typeof value === 'object') return Object.entries(value).filter(([, on]) => on === true).map(([glob]) => glob);
  return [];
}

/** Per target key, the rules that are well formed; a key without a list falls back to core's built-in rules. */
function stateRulesOr(value: unknown): Record<string, StateRule[]> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return defaultSettings.stateRules;
  const out: Record<string, StateRule[]> = {};
  for (const [key, rules] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(rules)) continue;
    out[key] = rules.filter((r): r is StateRule =>
      typeof r === 'object' && r !== null && typeof (r as StateRule).pattern === 'string' && ['working', 'waiting', 'done'].includes((r as StateRule).state));
  }
  return out;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function stringsOr(value: unknown, fallback: string[]): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : fallback;
}

function positiveOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}
