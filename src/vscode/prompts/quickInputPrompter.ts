import * as vscode from 'vscode';
import type { LaunchTarget } from '../../core';
import {
  ADD_AGENT, BACK, canChoose,
  type BaseRefRequest, type BranchAnswer, type BranchRequest, type ConfirmRequest, type InputRequest, type NotifyRequest,
  type PickManyRequest, type PickRequest, type Prompter, type Step, type TargetRequest,
} from './prompter';

/** An item without a value is shown but cannot be chosen; its description says why. */
type Item<T> = vscode.QuickPickItem & { value?: T };

const separator = <T>(label: string): Item<T> => ({ label, kind: vscode.QuickPickItemKind.Separator });
const withIcon = (icon: string | undefined, label: string) => (icon ? `$(${icon}) ${label}` : label);

/**
 * How long typing must pause before what is typed is checked: a check may run
 * git, and one process per keystroke is wasted work (and a log line each).
 */
const VALIDATE_AFTER_MS = 150;

/** The prompter users see: quick picks, live validation, modal dialogs, notifications. */
export class QuickInputPrompter implements Prompter {
  async pick<T>(request: PickRequest<T>): Promise<T | undefined> {
    const items: Item<T>[] = request.items.map((i) => ({ label: withIcon(i.icon, i.label), description: i.description, detail: i.detail, value: i.value }));
    const chosen = await choose(items, {
      title: request.title,
      placeholder: request.placeholder,
      matchOnDescription: true,
      active: request.activeIndex === undefined ? undefined : items[request.activeIndex],
    });
    return chosen === BACK ? undefined : chosen?.value;
  }

  async pickBranch(request: BranchRequest): Promise<BranchAnswer | undefined> {
    type Value = BranchAnswer | 'new';
    const fixed: Item<Value>[] = [];
    if (request.local.length) fixed.push(separator('Local branches'));
    for (const b of request.local) {
      // C1: a branch checked out in another worktree cannot get one here; it is listed so users learn why.
      fixed.push(canChoose(b)
        ? { label: `$(git-branch) ${b.name}`, description: b.hasWorkspace ? 'has a workspace: opens it' : undefined, value: { branch: b.name, existing: true } }
        : { label: `$(circle-slash) ${b.name}`, description: `checked out in ${b.checkedOutAt}` });
    }
    if (request.remote.length) fixed.push(separator('Remote branches'));
    for (const r of request.remote) fixed.push({ label: `$(cloud) ${r}`, value: { branch: r, existing: true } });

    const answer = await live<Value, BranchAnswer>({
      title: request.title,
      step: request.step,
      value: request.value,
      placeholder: 'Type a name for a new branch, or choose an existing one',
      fixed,
      typed: async (value) => {
        if (!value) return { label: '$(add) New branch…', detail: 'Type its name above', alwaysShow: true, value: 'new' };
        const pr = request.pullRequest?.(value);
        if (pr) return { label: `$(git-pull-request) ${pr}`, detail: 'Fetches the pull request and creates a workspace on it', alwaysShow: true, value: { branch: '', existing: true, pullRequest: value } };
        // An existing branch typed in full is offered by its own item below.
        if (request.local.some((b) => b.name === value) || request.remote.includes(value)) return undefined;
        const problem = await request.validateNewBranch(value);
        return problem
          ? { label: `$(error) ${value}`, detail: problem, alwaysShow: true }
          : { label: `$(add) Create branch "${value}"`, detail: 'A new branch; you choose where it starts next', alwaysShow: true, value: { branch: value, existing: false } };
      },
      accept: (v) => (v === 'new' ? undefined : v),
      whyNot: (item) => item.detail ?? (item.description ? `${item.label.replace(/^\$\([^)]+\)\s*/, '')} is ${item.description}` : 'Type the name first'),
    });
    return answer === BACK ? undefined : answer;
  }

  pickBaseRef(request: BaseRefRequest): Promise<string | typeof BACK | undefined> {
    const fixed: Item<string>[] = [separator('Local branches')];
    const ordered = [request.defaultRef, ...request.local.filter((b) => b !== request.defaultRef)];
    for (const b of ordered) fixed.push({ label: `$(git-branch) ${b}`, description: b === request.defaultRef ? 'current branch' : undefined, value: b });
    if (request.remote.length) fixed.push(separator('Remote branches'));
    for (const r of request.remote) fixed.push({ label: `$(cloud) ${r}`, value: r });
    return live<string, string>({
      title: request.title,
      step: request.step,
      placeholder: `Where "${request.branch}" starts: a branch, tag or commit`,
      fixed,
      active: 1,
      typed: async (value) => {
        if (!value) return undefined;
        const problem = await request.validateRef(value);
        return problem
          ? { label: `$(error) ${value}`, detail: problem, alwaysShow: true }
          : { label: `$(git-commit) Start from "${value}"`, alwaysShow: true, value };
      },
      accept: (v) => v,
      whyNot: (item) => item.detail ?? 'Choose a branch or type a ref',
    });
  }

  async pickTarget(request: TargetRequest): Promise<LaunchTarget | typeof ADD_AGENT | undefined> {
    const available = request.targets.filter((t) => t.available);
    const unavailable = request.targets.filter((t) => !t.available);
    const items: Item<LaunchTarget | typeof ADD_AGENT>[] = available.map((t) => ({
      label: `$(${t.source === 'shell' ? 'terminal' : 'hubot'}) ${t.label}`,
      description: t.command.join(' '),
      value: t,
    }));
    if (unavailable.length) items.push(separator('Not available'));
    // Unavailable targets are listed so users learn why; they carry no value and cannot be accepted.
    for (const t of unavailable) items.push({ label: `$(circle-slash) ${t.label}`, description: t.reason });
    items.push(separator(''), { label: '$(add) Add an agent…', description: 'worktreeSessions.agents', value: ADD_AGENT });
    const chosen = await choose(items, { title: request.title, placeholder: 'Choose what to run in the new session', matchOnDescription: true });
    return chosen === BACK ? undefined : chosen?.value;
  }

  async input(request: InputRequest): Promise<string | undefined> {
    const value = await vscode.window.showInputBox({
      title: request.title,
      prompt: request.prompt,
      value: request.value,
      valueSelection: request.value ? [0, request.value.length] : undefined,
      placeHolder: request.placeholder,
      ignoreFocusOut: true,
      validateInput: (v) => request.validate?.(v),
    });
    return value?.trim() || undefined;
  }

  async confirm(request: ConfirmRequest): Promise<string | undefined> {
    return vscode.window.showWarningMessage(request.message, { modal: true, detail: request.detail }, ...request.actions);
  }

  async notify(request: NotifyRequest): Promise<string | undefined> {
    const show = request.severity === 'error' ? vscode.window.showErrorMessage : request.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return show(request.message, ...request.actions);
  }

  pickMany<T>(request: PickManyRequest<T>): Promise<T[] | undefined> {
    return new Promise((resolve) => {
      const qp = vscode.window.createQuickPick<Item<T>>();
      const items: Item<T>[] = request.items.map((i) => ({ label: withIcon(i.icon, i.label), description: i.description, detail: i.detail, value: i.value }));
      Object.assign(qp, { title: request.title, placeholder: request.placeholder, canSelectMany: true, matchOnDescription: true, matchOnDetail: true, items });
      qp.selectedItems = items.filter((_, n) => request.items[n].picked);
      let result: T[] | undefined;
      qp.onDidAccept(() => {
        result = qp.selectedItems.map((i) => i.value as T);
        qp.hide();
      });
      qp.onDidHide(() => {
        qp.dispose();
        resolve(result);
      });
      qp.show();
    });
  }

}

interface PickOptions<T> {
  title: string;
  step?: Step;
  placeholder: string;
  items: Item<T>[];
  value?: string;
  active?: Item<T>;
  matchOnDescription?: boolean;
}

/**
 * Shows a quick pick until `accept` returns an answer, the user dismisses it,
 * or presses Back (a step after the first has that button). `accept`
 * returning undefined keeps it open (it may change the title to say why).
 */
function showPick<T, R>(
  options: PickOptions<T>,
  accept: (qp: vscode.QuickPick<Item<T>>, done: (answer: R) => void) => R | undefined,
  setup?: (qp: vscode.QuickPick<Item<T>>, done: (answer: R) => void) => void,
): Promise<R | typeof BACK | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<Item<T>>();
    qp.title = options.title;
    if (options.step) {
      qp.step = options.step.step;
      qp.totalSteps = options.step.total;
      if (options.step.step > 1) qp.buttons = [vscode.QuickInputButtons.Back];
    }
    qp.placeholder = options.placeholder;
    qp.matchOnDescription = options.matchOnDescription ?? true;
    qp.items = options.items;
    if (options.value) qp.value = options.value;
    if (options.active) qp.activeItems = [options.active];
    let result: R | typeof BACK | undefined;
    const done = (answer: R | typeof BACK) => {
      result = answer;
      qp.hide();
    };
    qp.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && done(BACK));
    qp.onDidAccept(() => {
      const answer = accept(qp, done);
      if (answer !== undefined) done(answer);
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(result);
    });
    setup?.(qp, done);
    qp.show();
  });
}

/** A quick pick that only closes on an item with a value; picking any other shows why in the title. */
function choose<T>(items: Item<T>[], options: { title: string; placeholder: string; matchOnDescription?: boolean; active?: Item<T> }) {
  return showPick<T, Item<T>>({ ...options, items }, (qp) => {
    const item = qp.selectedItems[0];
    if (!item || item.value !== undefined) return item;
    qp.title = `${options.title}: ${item.label.replace(/^\$\([^)]+\)\s*/, '')} cannot be chosen${item.description ? ` (${item.description})` : ''}`;
    return undefined;
  });
}

interface LiveOptions<V, R> {
  title: string;
  step?: Step;
  placeholder: string;
  fixed: Item<V>[];
  /** What is typed at first. */
  value?: string;
  /** Index into `fixed` of the item active at first. */
  active?: number;
  /** The item for what is typed, recomputed (and validated) when typing pauses. */
  typed(value: string): Promise<Item<V> | undefined>;
  /** Maps the accepted value to the answer, or undefined to stay open. */
  accept(value: V): R | undefined;
  /** Why an item without a value (or whose value `accept` refused) cannot be chosen. */
  whyNot(item: Item<V>): string;
}

/**
 * A quick pick whose first item follows what is typed, validated when typing
 * pauses. Enter pressed before the check of the latest text finished waits for
 * it, so a stale answer is never accepted.
 */
function live<V, R>(options: LiveOptions<V, R>): Promise<R | typeof BACK | undefined> {
  let generation = 0;
  let pending: NodeJS.Timeout | undefined;
  /** The text the first item was made for. */
  let checked: string | undefined;
  let acceptWhenChecked = false;
  const current = (qp: vscode.QuickPick<Item<V>>) => qp.value.trim();

  const chosen = (qp: vscode.QuickPick<Item<V>>) => qp.selectedItems[0] ?? qp.activeItems[0];
  const tryAccept = (qp: vscode.QuickPick<Item<V>>, item: Item<V> | undefined, done: (answer: R) => void) => {
    const answer = item?.value === undefined ? undefined : options.accept(item.value);
    if (answer !== undefined) return done(answer);
    if (item) qp.title = `${options.title}: ${options.whyNot(item)}`;
  };

  const update = async (qp: vscode.QuickPick<Item<V>>, value: string, done: (answer: R) => void) => {
    const mine = ++generation;
    const first = await options.typed(value).catch((e: unknown): Item<V> => ({ label: `$(error) ${value}`, detail: String(e), alwaysShow: true }));
    if (mine !== generation) return;
    qp.busy = false;
    checked = value;
    qp.title = options.title;
    const keepActive = qp.activeItems[0];
    qp.items = first ? [first, ...options.fixed] : options.fixed;
    // Select what was typed; with nothing typed, keep the user's choice.
    if (value && first) qp.activeItems = [first];
    else if (keepActive && options.fixed.includes(keepActive)) qp.activeItems = [keepActive];
    if (acceptWhenChecked) {
      acceptWhenChecked = false;
      tryAccept(qp, chosen(qp), done);
    }
  };

  return showPick<V, R>(
    { title: options.title, step: options.step, placeholder: options.placeholder, items: options.fixed, value: options.value, active: options.active === undefined ? undefined : options.fixed[options.active] },
    (qp, done) => {
      const item = chosen(qp);
      // The typed item belongs to older text: answer once the latest is checked. A listed item needs no check.
      if (!(item && options.fixed.includes(item)) && checked !== current(qp)) {
        acceptWhenChecked = true;
        return undefined;
      }
      tryAccept(qp, item, done);
      return undefined;
    },
    (qp, done) => {
      qp.onDidChangeValue(() => {
        clearTimeout(pending);
        const value = current(qp);
        if (value === checked) return;
        qp.busy = true;
        // Emptying the field needs no check: answer at once.
        pending = setTimeout(() => void update(qp, value, done), value ? VALIDATE_AFTER_MS : 0);
      });
      qp.onDidHide(() => clearTimeout(pending));
      void update(qp, current(qp), done);
    },
  );
}
