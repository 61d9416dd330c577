// Shared by the extension's integration tests: throw-away git repositories,
// the private tmux server, and a prompter that answers from a script.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ApiSession, ApiWorkspace, WorktreeSessionsApi } from '../../src/vscode/api';
import {
  ADD_AGENT, BACK, canChoose,
  type BaseRefRequest, type BranchAnswer, type BranchRequest, type ConfirmRequest, type InputRequest, type NotifyRequest,
  type PickManyRequest, type PickPurpose, type PickRequest, type Prompter, type TargetRequest,
} from '../../src/vscode/prompts/prompter';
import type { LaunchTarget } from '../../src/core';
import type { TreeSnapshot } from '../../src/vscode/tree/workspaceTree';
import { getApi, waitFor } from './helpers';
import { initRepository } from '../support/common';

export type Api = WorktreeSessionsApi;

export async function readyApi(): Promise<Api> {
  const api = (await getApi()) as unknown as Api;
  await api.ready;
  return api;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } }).trim();
}

/** A new repository with one commit on `main`, under os.tmpdir() (the harness points it into the run folder). */
export function makeRepo(name = 'repo'): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'wts-it-'));
  const dir = path.join(parent, name);
  initRepository(dir, { 'README.md': `# ${name}\n` });
  return dir;
}

/** Runs tmux on the extension's private server. */
export function tmux(api: Api, ...args: string[]): string {
  return execFileSync('tmux', ['-L', api.tmuxSocket, ...args], { encoding: 'utf8', env: { ...process.env, TMUX: '' } }).trim();
}

export function tmuxSessions(api: Api): string[] {
  try {
    return tmux(api, 'list-sessions', '-F', '#{session_name}').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export async function workspace(api: Api, id: string): Promise<ApiWorkspace | undefined> {
  return (await api.listWorkspaces()).find((w) => w.id === id);
}

/** Runs a command and returns its result as a real promise. */
export function run<T = unknown>(command: string, ...args: unknown[]): Promise<T> {
  return Promise.resolve(vscode.commands.executeCommand<T>(`worktreeSessions.${command}`, ...args));
}

export function create(repoRoot: string, branch: string, extra: { baseRef?: string; existingBranch?: boolean } = {}): Promise<ApiWorkspace> {
  return run<ApiWorkspace>('createWorkspace', { repoRoot, branch, ...extra });
}

export function launchShell(workspaceId: string): Promise<ApiSession> {
  return run<ApiSession>('launch', { workspaceId, target: 'shell' });
}

/**
 * Deletes every workspace of the given repositories (saving changes, as D5
 * does) and removes the repositories made by makeRepo.
 */
export async function cleanUp(api: Api, repos: readonly string[], options: { keepFolders?: boolean } = {}): Promise<void> {
  api._test.setPrompter(undefined);
  for (const w of await api.listWorkspaces()) {
    if (!repos.includes(w.repoRoot)) continue;
    await run('deleteWorkspace', { workspaceId: w.id, force: true }).catch((e: Error) => console.warn(`cleanup: ${e.message}`));
  }
  if (!options.keepFolders) for (const repo of repos) fs.rmSync(path.dirname(repo), { recursive: true, force: true });
}

export interface WorkspaceFixture {
  api: Api;
  repo: string;
  ws: ApiWorkspace;
}

/**
 * Registers the suite's hooks: before, a fresh repository with one workspace;
 * after, the given settings reset and every workspace of the repository deleted.
 */
export function withWorkspace(repoName: string, branch: string, settingsToReset: readonly string[] = []): WorkspaceFixture {
  const fixture = {} as WorkspaceFixture;
  before(async () => {
    fixture.api = await readyApi();
    fixture.repo = makeRepo(repoName);
    fixture.ws = await create(fixture.repo, branch);
  });
  after(async () => {
    for (const key of settingsToReset) await setSetting(key, undefined);
    await cleanUp(fixture.api, [fixture.repo]);
  });
  return fixture;
}

/** Sets a setting for the user (machine-scoped ones cannot be set for a workspace); undefined resets it. */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('worktreeSessions').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Finds a row of the tree by a path of labels, e.g. ['repo', 'feature/x', 'Shell']. */
export function findRow(rows: readonly TreeSnapshot[], ...labels: string[]): TreeSnapshot | undefined {
  let level: readonly TreeSnapshot[] = rows;
  let found: TreeSnapshot | undefined;
  for (const label of labels) {
    found = level.find((r) => r.label === label);
    if (!found) return undefined;
    level = found.children;
  }
  return found;
}

export async function waitForRow(api: Api, labels: string[], what: string, predicate: (row: TreeSnapshot) => boolean = () => true): Promise<TreeSnapshot> {
  return waitFor(async () => {
    const row = findRow(await api._test.treeSnapshot(), ...labels);
    return row && predicate(row) ? row : undefined;
  }, what);
}

type Call =
  | { kind: 'pick'; request: PickRequest<unknown> }
  | { kind: 'pickBranch'; request: BranchRequest }
  | { kind: 'pickBaseRef'; request: BaseRefRequest }
  | { kind: 'pickTarget'; request: TargetRequest }
  | { kind: 'input'; request: InputRequest }
  | { kind: 'confirm'; request: ConfirmRequest }
  | { kind: 'notify'; request: NotifyRequest }
  | { kind: 'pickMany'; request: PickManyRequest<unknown> };

type Step = { kind: Call['kind']; answer: (request: never) => unknown };

/**
 * Answers the extension's questions from a script, in order, and records
 * them. A question that was not scripted (or not the one expected) fails the
 * command with a message saying so. Notifications are recorded in
 * `notifications` and dismissed unless the next step answers one.
 */
export class ScriptedPrompter implements Prompter {
  readonly calls: Call[] = [];
  readonly notifications: NotifyRequest[] = [];
  private readonly steps: Step[] = [];

  /** Picks the item whose label matches, or dismisses the pick (undefined); checks the pick's purpose. */
  answerPick(purpose: PickPurpose, label: string | RegExp | undefined): this {
    return this.step('pick', (request: PickRequest<unknown>) => {
      assert.strictEqual(request.purpose, purpose, `expected a ${purpose} pick, got ${request.purpose}`);
      if (label === undefined) return undefined;
      const item = request.items.find((i) => (typeof label === 'string' ? i.label === label : label.test(i.label)));
      if (!item) throw new Error(`no item ${label} among ${request.items.map((i) => i.label).join(', ')}`);
      return item.value;
    });
  }

  /**
   * Tries each `refused` name first (each must be refused as typed), then
   * answers; like the real picker, a branch checked out elsewhere cannot be chosen.
   */
  answerBranch(answer: BranchAnswer | undefined, refused: readonly string[] = []): this {
    return this.step('pickBranch', async (request: BranchRequest) => {
      for (const bad of refused) assert.ok(await request.validateNewBranch(bad), `"${bad}" should have been refused`);
      if (answer && !answer.existing) assert.strictEqual(await request.validateNewBranch(answer.branch), undefined, `"${answer.branch}" should be accepted`);
      const listed = answer?.existing ? request.local.find((b) => b.name === answer.branch) : undefined;
      if (listed && !canChoose(listed)) throw new Error(`branch ${listed.name} cannot be chosen: checked out in ${listed.checkedOutAt}`);
      return answer;
    });
  }

  /** A ref, undefined (dismissed) or 'back' (the Back button). */
  answerBaseRef(ref: string | 'back' | undefined): this {
    return this.step('pickBaseRef', async (request: BaseRefRequest) => {
      if (ref === undefined) return undefined;
      if (ref === 'back') return BACK;
      const problem = await request.validateRef(ref);
      if (problem) throw new Error(`base ${ref} refused: ${problem}`);
      return ref;
    });
  }

  /** Chooses a target by key, or 'add-agent'; like the real picker, an unavailable one cannot be chosen. */
  answerTarget(key: string | 'add-agent' | undefined): this {
    return this.step('pickTarget', (request: TargetRequest) => {
      if (key === undefined) return undefined;
      if (key === 'add-agent') return ADD_AGENT;
      const t: LaunchTarget | undefined = request.targets.find((x) => x.key === key);
      if (!t) throw new Error(`no target ${key}`);
      if (!t.available) throw new Error(`target ${key} is unavailable: ${t.reason}`);
      return t;
    });
  }

  /** Presses this button of the next notification (it must offer it), or dismisses it. */
  answerNotify(action: string | undefined): this {
    return this.step('notify', (request: NotifyRequest) => {
      if (action !== undefined && !request.actions.includes(action)) throw new Error(`no button "${action}" in "${request.message}" (${request.actions.join(', ')})`);
      return action;
    });
  }

  /** Resolves once a notification matching `re` was shown. */
  async notification(re: RegExp): Promise<NotifyRequest> {
    return waitFor(() => this.notifications.find((n) => re.test(n.message)), `a notification matching ${re} (so far: ${this.notifications.map((n) => n.message).join(' | ') || 'none'})`);
  }

  /** Presses the button with this title, or Cancel (undefined). */
  answerConfirm(action: string | undefined): this {
    return this.step('confirm', (request: ConfirmRequest) => {
      if (action !== undefined && !request.actions.includes(action)) throw new Error(`no button "${action}" among ${request.actions.join(', ')}`);
      return action;
    });
  }

  /** Chooses the items `choose` returns from those offered (undefined dismisses the list). */
  answerPickMany(choose: (items: PickManyRequest<unknown>['items']) => readonly unknown[] | undefined): this {
    return this.step('pickMany', (request: PickManyRequest<unknown>) => {
      const chosen = choose(request.items);
      return chosen && request.items.filter((i) => chosen.includes(i)).map((i) => i.value);
    });
  }

  /** Types `text`; like the input box, a value its validation refuses cannot be accepted. */
  answerInput(text: string | undefined): this {
    return this.step('input', (request: InputRequest) => {
      if (text === undefined) return undefined;
      const problem = request.validate?.(text);
      if (problem) throw new Error(`input "${text}" refused: ${problem}`);
      return text;
    });
  }

  /** How many scripted answers are left. */
  get pending(): number {
    return this.steps.length;
  }

  pick<T>(request: PickRequest<T>): Promise<T | undefined> {
    return this.next({ kind: 'pick', request: request as PickRequest<unknown> });
  }

  pickBranch(request: BranchRequest): Promise<BranchAnswer | undefined> {
    return this.next({ kind: 'pickBranch', request });
  }

  pickBaseRef(request: BaseRefRequest): Promise<string | typeof BACK | undefined> {
    return this.next({ kind: 'pickBaseRef', request });
  }

  pickTarget(request: TargetRequest): Promise<LaunchTarget | typeof ADD_AGENT | undefined> {
    return this.next({ kind: 'pickTarget', request });
  }

  input(request: InputRequest): Promise<string | undefined> {
    return this.next({ kind: 'input', request });
  }

  confirm(request: ConfirmRequest): Promise<string | undefined> {
    return this.next({ kind: 'confirm', request });
  }

  async notify(request: NotifyRequest): Promise<string | undefined> {
    this.notifications.push(request);
    // Notifications are not questions: unless the script answers this one, it is dismissed.
    if (this.steps[0]?.kind !== 'notify') return undefined;
    return this.next({ kind: 'notify', request });
  }

  pickMany<T>(request: PickManyRequest<T>): Promise<T[] | undefined> {
    return this.next({ kind: 'pickMany', request: request as PickManyRequest<unknown> });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own request type
  private step(kind: Call['kind'], answer: (request: any) => unknown): this {
    this.steps.push({ kind, answer });
    return this;
  }

  private async next<T>(call: Call): Promise<T> {
    this.calls.push(call);
    const step = this.steps.shift();
    if (!step) throw new Error(`unscripted question ${call.kind}: ${'title' in call.request ? call.request.title : call.request.message}`);
    if (step.kind !== call.kind) throw new Error(`the script expected ${step.kind}, the extension asked ${call.kind}`);
    return (await step.answer(call.request as never)) as T;
  }
}
