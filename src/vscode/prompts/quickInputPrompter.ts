import * as vscode from 'vscode';
import type { LaunchTarget } from '../../core';
import type { BaseRefRequest, BranchAnswer, BranchRequest, ConfirmRequest, InputRequest, PickManyRequest, PickRequest, Prompter, TargetRequest } from './prompter';

type Item<T> = vscode.QuickPickItem & { value?: T };

const separator = <T>(label: string): Item<T> => ({ label, kind: vscode.QuickPickItemKind.Separator });
const withIcon = (icon: string | undefined, label: string) => (icon ? `$(${icon}) ${label}` : label);

/** The prompter users see: quick picks, live validation, modal dialogs. */
export class QuickInputPrompter implements Prompter {
  async pick<T>(request: PickRequest<T>): Promise<T | undefined> {
    const items: Item<T>[] = request.items.map((i) => ({ label: withIcon(i.icon, i.label), description: i.description, detail: i.detail, value: i.value }));
    const chosen = await choose(items, {
      title: request.title,
      placeholder: request.placeholder,
      matchOnDescription: true,
      active: request.activeIndex === undefined ? undefined : items[request.activeIndex],
    });
    return chosen?.value;
  }

  pickBranch(request: BranchRequest): Promise<BranchAnswer | undefined> {
    type Value = BranchAnswer | 'new';
    const fixed: Item<Value>[] = [];
    if (request.local.length) fixed.push(separator('Local branches'));
    for (const b of request.local) {
      fixed.push({
        label: `$(git-branch) ${b.name}`,
        description: b.hasWorkspace ? 'has a workspace: opens it' : b.checkedOutAt ? `checked out in ${b.checkedOutAt}` : undefined,
        value: { branch: b.name, existing: true },
      });
    }
    if (request.remote.length) fixed.push(separator('Remote branches'));
    for (const r of request.remote) fixed.push({ label: `$(cloud) ${r}`, value: { branch: r, existing: true } });

    return live<Value, BranchAnswer>({
      title: request.title,
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
    });
  }

  pickBaseRef(request: BaseRefRequest): Promise<string | undefined> {
    const fixed: Item<string>[] = [separator('Local branches')];
    const ordered = [request.defaultRef, ...request.local.filter((b) => b !== request.defaultRef)];
    for (const b of ordered) fixed.push({ label: `$(git-branch) ${b}`, description: b === request.defaultRef ? 'current branch' : undefined, value: b });
    if (request.remote.length) fixed.push(separator('Remote branches'));
    for (const r of request.remote) fixed.push({ label: `$(cloud) ${r}`, value: r });
    return live<string, string>({
      title: request.title,
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
    });
  }

  async pickTarget(request: TargetRequest): Promise<LaunchTarget | undefined> {
    const available = request.targets.filter((t) => t.available);
    const unavailable = request.targets.filter((t) => !t.available);
    const items: Item<LaunchTarget>[] = available.map((t) => ({
      label: `$(${t.source === 'shell' ? 'terminal' : 'hubot'}) ${t.label}`,
      description: t.command.join(' '),
      value: t,
    }));
    if (unavailable.length) items.push(separator('Not available'));
    // Unavailable targets are listed so users learn why; they carry no value and cannot be accepted.
    for (const t of unavailable) items.push({ label: `$(circle-slash) ${t.label}`, description: t.reason });
    const chosen = await choose(items, { title: request.title, placeholder: 'Choose what to run in the new session', matchOnDescription: true });
    return chosen?.value;
  }

  async confirm(request: ConfirmRequest): Promise<string | undefined> {
    return vscode.window.showWarningMessage(request.message, { modal: true, detail: request.detail }, ...request.actions);
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

  async input(request: InputRequest): Promise<string | undefined> {
    const value = await vscode.window.showInputBox({ title: request.title, prompt: request.prompt, placeHolder: request.placeholder, ignoreFocusOut: true, validateInput: request.validate });
    return value?.trim() || undefined;
  }
}

/**
 * Shows a quick pick until `accept` returns an answer or the user dismisses it.
 * `accept` returning undefined keeps it open (it may change the title to say why).
 */
function showPick<T, R>(
  options: { title: string; placeholder: string; items: Item<T>[]; active?: Item<T>; matchOnDescription?: boolean },
  accept: (qp: vscode.QuickPick<Item<T>>) => R | undefined,
  setup?: (qp: vscode.QuickPick<Item<T>>) => void,
): Promise<R | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<Item<T>>();
    qp.title = options.title;
    qp.placeholder = options.placeholder;
    qp.matchOnDescription = options.matchOnDescription ?? true;
    qp.items = options.items;
    if (options.active) qp.activeItems = [options.active];
    let result: R | undefined;
    qp.onDidAccept(() => {
      result = accept(qp);
      if (result !== undefined) qp.hide();
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(result);
    });
    setup?.(qp);
    qp.show();
  });
}

/** A quick pick that only closes on an item with a value; picking any other shows why in the title. */
function choose<T>(items: Item<T>[], options: { title: string; placeholder: string; matchOnDescription?: boolean; active?: Item<T> }): Promise<Item<T> | undefined> {
  return showPick<T, Item<T>>({ ...options, items }, (qp) => {
    const item = qp.selectedItems[0];
    if (!item || item.value !== undefined) return item;
    qp.title = `${options.title}: ${item.label.replace(/^\$\([^)]+\)\s*/, '')} cannot be chosen${item.description ? ` (${item.description})` : ''}`;
    return undefined;
  });
}

interface LiveOptions<V, R> {
  title: string;
  placeholder: string;
  fixed: Item<V>[];
  /** Index into `fixed` of the item active at first. */
  active?: number;
  /** The item for what is typed, recomputed (and validated) on every keystroke. */
  typed(value: string): Promise<Item<V> | undefined>;
  /** Maps the accepted value to the answer, or undefined to stay open. */
  accept(value: V): R | undefined;
}

/** A quick pick whose first item follows what is typed, validated as it is typed. */
function live<V, R>(options: LiveOptions<V, R>): Promise<R | undefined> {
  let generation = 0;
  const update = async (qp: vscode.QuickPick<Item<V>>, value: string) => {
    const mine = ++generation;
    qp.busy = true;
    const first = await options.typed(value.trim()).catch((e: unknown): Item<V> => ({ label: `$(error) ${value}`, detail: String(e), alwaysShow: true }));
    if (mine !== generation) return;
    qp.busy = false;
    const keepActive = qp.activeItems[0];
    qp.items = first ? [first, ...options.fixed] : options.fixed;
    // Select what was typed; with nothing typed, keep the user's choice.
    if (value.trim() && first) qp.activeItems = [first];
    else if (keepActive && options.fixed.includes(keepActive)) qp.activeItems = [keepActive];
  };
  return showPick<V, R>(
    { title: options.title, placeholder: options.placeholder, items: options.fixed, active: options.active === undefined ? undefined : options.fixed[options.active] },
    (qp) => {
      const item = qp.selectedItems[0] ?? qp.activeItems[0];
      if (!item || item.value === undefined) return undefined;
      const answer = options.accept(item.value);
      if (answer === undefined) qp.placeholder = 'Type the name first';
      return answer;
    },
    (qp) => {
      qp.onDidChangeValue((v) => void update(qp, v));
      void update(qp, '');
    },
  );
}
