import path from 'node:path';
import * as vscode from 'vscode';
import { createCore, type Core, type TmuxProbe } from '../core';
import { toApiWorkspace, type WorktreeSessionsApi } from './api';
import { registerCommands } from './commands';
import type { Services } from './commands/command';
import { ContextKey, ContextKeys } from './contextKeys';
import { GIT_CONTENT_SCHEME, GitContentProvider } from './gitContent';
import { createLog } from './log';
import { SessionNotifier } from './notifications';
import type { Prompter } from './prompts/prompter';
import { QuickInputPrompter } from './prompts/quickInputPrompter';
import { OpenRepositories } from './repositories';
import { SettingsFacade } from './settings';
import { SessionStatusBar } from './statusBar';
import { SessionTerminals } from './terminals';
import type { TreeNode } from './tree/nodes';
import { VIEW_ID, WorkspaceTreeProvider } from './tree/workspaceTree';

export type { WorktreeSessionsApi } from './api';

/**
 * §8: the scrollback save when the window closes. VS Code awaits only the
 * promise `deactivate` returns (disposables are synchronous), so activate
 * leaves the one step that needs it here.
 */
let saveOnDeactivate: (() => Promise<void>) | undefined;

/**
 * The composition root. Everything the extension registers is built here and
 * pushed to `context.subscriptions`. The core (which opens the database and
 * runs the first reconciliation) starts in the background: activate returns
 * at once, the view shows progress, and commands wait for `ready`.
 */
export function activate(context: vscode.ExtensionContext): WorktreeSessionsApi {
  const { channel: log, logger, recent: recentLog } = createLog();
  const settings = new SettingsFacade();
  const keys = new ContextKeys();
  const realPrompter = new QuickInputPrompter();
  let prompter: Prompter = realPrompter;
  context.subscriptions.push(log, settings);

  const core: Promise<Core> = createCore({
    storageDir: context.globalStorageUri.fsPath,
    wasmPath: path.join(context.extensionPath, 'dist', 'sql-wasm.wasm'),
    settings: () => settings.snapshot,
    logger,
    env: process.env,
  });

  let repositories: OpenRepositories | undefined;
  let statusBar: SessionStatusBar | undefined;
  const tree = new WorkspaceTreeProvider(core.then((c) => c.lifecycle), (list) => repositories?.windowWorkspace(list), () => repositories?.list ?? []);
  const treeView = vscode.window.createTreeView<TreeNode>(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(
    tree,
    treeView,
    ...tree.watch(treeView),
    // The view's Enter and Delete keys act on the selected row; their `when` clauses read its kind.
    treeView.onDidChangeSelection(({ selection }) => keys.set(ContextKey.selectedRow, selection[0]?.treeItem().contextValue ?? '')),
  );
  // The left side of reviews and saved-changes diffs (SPEC §10).
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(GIT_CONTENT_SCHEME, new GitContentProvider(core.then((c) => c.lifecycle), () => repositories?.list ?? [])));

  let deactivated = false;
  context.subscriptions.push({ dispose: () => (deactivated = true) });

  const services: Promise<Services> = core.then(async (c) => {
    if (deactivated) {
      // The window went away while the database was opening.
      c.dispose();
      throw new Error('the extension was deactivated while starting');
    }
    context.subscriptions.push({ dispose: () => c.dispose() });
    const repos = (repositories = new OpenRepositories(c.lifecycle.repository, logger));
    const terminals = new SessionTerminals(c.lifecycle, logger, context.workspaceState);
    const bar = (statusBar = new SessionStatusBar());
    const notifier = new SessionNotifier(c.lifecycle, terminals, () => settings.notify, logger);
    context.subscriptions.push(repos, terminals, bar, notifier);
    saveOnDeactivate = () => c.lifecycle.saveScrollback({ force: true });

    let tmux: TmuxProbe | undefined;
    const render = () => {
      const list = c.lifecycle.list();
      const windowWorkspace = repos.windowWorkspace(list);
      keys.fromWorkspaces(list);
      bar.render({ workspaces: list, windowWorkspace, tmux, targets: c.lifecycle.targets().targets });
      treeView.message = tmux && !tmux.ok && list.length ? `${tmux.message} Terminals cannot open until it is installed.` : undefined;
      // Agents waiting for input show on the activity bar, wherever the user is.
      const waiting = list.reduce((n, w) => n + w.sessions.filter((x) => x.state === 'waiting').length, 0);
      treeView.badge = waiting ? { value: waiting, tooltip: `${waiting} ${waiting === 1 ? 'session is' : 'sessions are'} waiting for input` } : undefined;
    };
    const recheckTmux = async () => {
      tmux = await c.lifecycle.recheckTmux();
      if (!tmux.ok) logger.warn(tmux.message);
      keys.fromTmux(tmux);
      render();
      return tmux;
    };

    context.subscriptions.push(
      c.lifecycle.onDidChange(render),
      c.lifecycle.onDidRecoverDatabase((lost) => {
        const what = lost.movedTo ? `could not be read any more (${lost.reason}). It was moved to ${lost.movedTo}` : 'was deleted';
        void vscode.window.showWarningMessage(`The Worktree Sessions database ${what} and a new one was started from this window's copy; anything missing that can be proven ours is being re-adopted.`);
      }),
      repos.onDidChange((roots) => {
        keys.set(ContextKey.hasRepository, roots.length > 0);
        render();
        tree.refresh();
      }),
      settings.onDidChange(async () => {
        // tmux.path or socketName may have changed: probe again, and list the (maybe other) server.
        await recheckTmux();
        await c.lifecycle.reconcile();
        tree.refresh();
      }),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (c.lifecycle.list().some((w) => doc.uri.fsPath.startsWith(w.worktreePath + path.sep))) tree.statsMayHaveChanged();
      }),
    );

    if (c.recovered) {
      void vscode.window.showWarningMessage(`The Worktree Sessions database could not be read (${c.recovered.reason}). It was moved to ${c.recovered.movedTo} and a new one was started; workspaces that can be proven ours are being re-adopted.`);
    }
    // The first reconciliation needs neither the repository scan nor the tmux probe: all three run at once.
    const [roots, , report] = await Promise.all([repos.scan(), recheckTmux(), c.lifecycle.start()]);
    keys.set(ContextKey.hasRepository, roots.length > 0);
    if (c.recovered) {
      const adopted = await c.lifecycle.readopt([...new Set([...roots, ...c.lifecycle.list().map((w) => w.repoRoot)])]);
      logger.info(`Re-adopted ${adopted.length} workspace(s) after the database was moved aside.`);
    }
    if (report.interrupted.length) logger.warn(`Marked ${report.interrupted.length} interrupted workspace operation(s) as failed: ${report.interrupted.join(', ')}`);
    render();
    keys.set(ContextKey.ready, true);
    logger.info('Worktree Sessions is ready.');
    terminals.restore();
    return { lifecycle: c.lifecycle, terminals, repositories: repos, tree, treeView, recheckTmux };
  });

  const ready: Promise<void> = services.then(() => undefined);
  ready.catch((e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    logger.error(`Worktree Sessions could not start: ${e instanceof Error && e.stack ? e.stack : message}`);
    treeView.message = `Worktree Sessions could not start: ${message}`;
    void vscode.window.showErrorMessage(`Worktree Sessions could not start: ${message}`, 'Show Log').then((c) => c && log.show(true));
  });
  void vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () => ready.catch(() => undefined));

  context.subscriptions.push(...registerCommands({ services, prompter: () => prompter, settings, log }));

  return {
    ready,
    get tmuxSocket() {
      return settings.snapshot.socketName;
    },
    async listWorkspaces() {
      const s = await services;
      return s.lifecycle.list().map(toApiWorkspace);
    },
    _test: {
      setPrompter: (p) => {
        prompter = p ?? realPrompter;
      },
      tree,
      treeView,
      treeSnapshot: async () => {
        await services;
        return tree.snapshot();
      },
      statusBar: async () => {
        await services;
        const { item, visible } = statusBar!;
        const tooltip = typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value ?? '';
        return { text: item.text, visible, tooltip, warning: item.backgroundColor !== undefined };
      },
      storageDir: context.globalStorageUri.fsPath,
      logLines: () => [...recentLog()],
      terminalOf: async (name) => (await services).terminals.terminalOf(name),
      reloadTerminals: async () => {
        const { terminals } = await services;
        terminals.detachAllForReload();
        return terminals.restore();
      },
      rememberedTerminals: async () => (await services).terminals.rememberedSessions(),
      reconcile: async () => {
        await (await services).lifecycle.reconcile();
      },
    },
  };
}

export function deactivate(): Promise<void> | undefined {
  // Everything else is in context.subscriptions; tmux sessions deliberately outlive the window.
  const save = saveOnDeactivate;
  saveOnDeactivate = undefined;
  return save?.().catch(() => undefined);
}
