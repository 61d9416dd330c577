import path from 'node:path';
import * as vscode from 'vscode';
import { prepareCore, type Core, type LifecycleService, type TmuxProbe } from '../core';
import { toApiWorkspace, type WorktreeSessionsApi } from './api';
import { registerCommands } from './commands';
import type { CommandDeps, ReadyServices } from './commands/command';
import { ContextKey, ContextKeys } from './contextKeys';
import { GIT_CONTENT_SCHEME, GitContentProvider } from './gitContent';
import { createLog } from './log';
import { SessionNotifier } from './notifications';
import type { Prompter } from './prompts/prompter';
import { QuickInputPrompter } from './prompts/quickInputPrompter';
import { SetupTerminals } from './repoSetup';
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
  const activated = performance.now();
  const startup: Record<string, number> = {};
  const mark = (step: string) => (startup[step] = Math.round((performance.now() - activated) * 10) / 10);
  const { channel: log, logger, recent: recentLog } = createLog();
  const settings = new SettingsFacade();
  const keys = new ContextKeys();
  const realPrompter = new QuickInputPrompter();
  let prompter: Prompter = realPrompter;
  // Test seams: the host runs with workspace trust disabled, and opening a folder in this window would end the tests.
  let trustedForTests: boolean | undefined;
  const realOpenFolder: CommandDeps['openFolder'] = async (uri, options) => {
    await vscode.commands.executeCommand('vscode.openFolder', uri, options);
  };
  let openFolder = realOpenFolder;
  const setupTerminals = new SetupTerminals();
  context.subscriptions.push(log, settings, setupTerminals);

  const prepared = prepareCore({
    storageDir: context.globalStorageUri.fsPath,
    wasmPath: path.join(context.extensionPath, 'dist', 'sql-wasm.wasm'),
    settings: () => settings.snapshot,
    logger,
    env: process.env,
  });
  const repositories = new OpenRepositories({ root: (folder) => prepared.git.repositoryRoot(folder) }, logger);
  context.subscriptions.push(repositories);
  // Issue 14: git finds the window's repositories, tmux says its version and lists its sessions while
  // the database opens; all of it once activate() has returned, so starting processes does not count there.
  // The database first: reading and compiling sql.js's wasm go on off the main thread while the processes start.
  const core: Promise<Core> = Promise.resolve().then(() => prepared.open());
  const begun = Promise.resolve().then(() => {
    const listed = prepared.tmux.list();
    // The first reconciliation reports a listing that failed.
    listed.catch(() => undefined);
    return {
      scanned: repositories.scan().finally(() => mark('repositories_ms')),
      probed: prepared.tmux.probe().finally(() => mark('tmux_probe_ms')),
      listed,
    };
  });
  void core.then(() => mark('core_ms'), () => undefined);

  let statusBar: SessionStatusBar | undefined;
  // Issue 14: the tree shows the workspaces once the first reconciliation has listed tmux, so its
  // first rows are the true ones and their git questions (change counts, saved changes) wait until then.
  let showTree!: (lifecycle: LifecycleService) => void;
  let hideTree!: (e: unknown) => void;
  const shown = new Promise<LifecycleService>((resolve, reject) => {
    showTree = resolve;
    hideTree = reject;
  });
  const tree = new WorkspaceTreeProvider(shown, (list) => repositories.windowWorkspace(list), () => repositories.list);
  const treeView = vscode.window.createTreeView<TreeNode>(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(
    tree,
    treeView,
    ...tree.watch(treeView),
    // The view's Enter and Delete keys act on the selected row; their `when` clauses read its kind.
    treeView.onDidChangeSelection(({ selection }) => keys.set(ContextKey.selectedRow, selection[0]?.treeItem().contextValue ?? '')),
  );
  // The left side of reviews and saved-changes diffs (SPEC §10).
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(GIT_CONTENT_SCHEME, new GitContentProvider(core.then((c) => c.lifecycle), () => repositories.list)));

  let deactivated = false;
  context.subscriptions.push({ dispose: () => (deactivated = true) });

  const services: Promise<ReadyServices> = core.then(async (c) => {
    if (deactivated) {
      // The window went away while the database was opening.
      c.dispose();
      throw new Error('the extension was deactivated while starting');
    }
    context.subscriptions.push({ dispose: () => c.dispose() });
    const repos = repositories;
    const terminals = new SessionTerminals(c.lifecycle, logger, context.workspaceState);
    const bar = (statusBar = new SessionStatusBar());
    const notifier = new SessionNotifier(c.lifecycle, terminals, () => settings.notify, logger);
    context.subscriptions.push(terminals, bar, notifier);
    saveOnDeactivate = () => c.lifecycle.saveScrollback({ force: true });

    let tmux: TmuxProbe | undefined;
    const render = () => {
      const list = c.lifecycle.list();
      const windowWorkspace = repos.windowWorkspace(list);
      keys.fromWorkspaces(list);
      bar.render({ workspaces: list, windowWorkspace, tmux, targets: c.lifecycle.targets().targets });
      // Issue 14: set only when it changes. Each assignment is a change of the view, and VS Code
      // paints a view's changes at most once per 200 ms: the rows that changed with it would wait.
      const message = tmux && !tmux.ok && list.length ? `${tmux.message} Terminals cannot open until it is installed.` : undefined;
      if (treeView.message !== message) treeView.message = message;
      // Agents waiting for input show on the activity bar, wherever the user is.
      const waiting = list.reduce((n, w) => n + w.sessions.filter((x) => x.state === 'waiting').length, 0);
      if ((treeView.badge?.value ?? 0) !== waiting) {
        treeView.badge = waiting ? { value: waiting, tooltip: `${waiting} ${waiting === 1 ? 'session is' : 'sessions are'} waiting for input` } : undefined;
      }
    };
    const { scanned, probed, listed } = await begun;
    const recheckTmux = async (first = false) => {
      // The first check is the probe activation started; later ones (settings changed) ask tmux again.
      tmux = await (first ? probed : c.lifecycle.recheckTmux());
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
    const [roots, , report] = await Promise.all([
      scanned,
      recheckTmux(true),
      c.lifecycle.start(listed).finally(() => mark('first_reconcile_ms')),
    ]);
    keys.set(ContextKey.hasRepository, roots.length > 0);
    // The scan may have ended before the listener above was added: the saved changes it finds show now.
    if (roots.length) tree.refresh();
    if (c.recovered) {
      const adopted = await c.lifecycle.readopt([...new Set([...roots, ...c.lifecycle.list().map((w) => w.repoRoot)])]);
      logger.info(`Re-adopted ${adopted.length} workspace(s) after the database was moved aside.`);
    }
    if (report.interrupted.length) logger.warn(`Marked ${report.interrupted.length} interrupted workspace operation(s) as failed: ${report.interrupted.join(', ')}`);
    render();
    showTree(c.lifecycle);
    keys.set(ContextKey.ready, true);
    mark('ready_ms');
    logger.info('Worktree Sessions is ready.');
    terminals.restore();
    return { lifecycle: c.lifecycle, terminals, repositories: repos, tree, treeView, setupTerminals, recheckTmux };
  });

  const ready: Promise<void> = services.then(() => undefined);
  ready.catch((e: unknown) => {
    hideTree(e);
    const message = e instanceof Error ? e.message : String(e);
    logger.error(`Worktree Sessions could not start: ${e instanceof Error && e.stack ? e.stack : message}`);
    treeView.message = `Worktree Sessions could not start: ${message}`;
    void vscode.window.showErrorMessage(`Worktree Sessions could not start: ${message}`, 'Show Log').then((c) => c && log.show(true));
  });
  void vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () => ready.catch(() => undefined));

  context.subscriptions.push(...registerCommands({
    services,
    prompter: () => prompter,
    trusted: () => trustedForTests ?? vscode.workspace.isTrusted,
    openFolder: (uri, options) => openFolder(uri, options),
    settings,
    log,
  }));
  mark('activate_returned_ms');

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
      setTrusted: (trusted) => {
        trustedForTests = trusted;
      },
      setOpenFolder: (open) => {
        openFolder = open ?? realOpenFolder;
      },
      setupTranscript: (branch) => setupTerminals.transcript(branch),
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
      startup: () => ({ ...startup }),
    },
  };
}

export function deactivate(): Promise<void> | undefined {
  // Everything else is in context.subscriptions; tmux sessions deliberately outlive the window.
  const save = saveOnDeactivate;
  saveOnDeactivate = undefined;
  return save?.().catch(() => undefined);
}
