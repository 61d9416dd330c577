import fs from 'node:fs';
import * as vscode from 'vscode';
import { DisposableStore, type LifecycleService, type Logger, type WorkspaceView } from '../core';
import { sessionLabels } from './sessionLabels';

export interface TerminalTarget {
  workspace: WorkspaceView;
  sessionName: string;
  /** "Terminal" for the base terminal, else the session's label as shown ("Shell 2"). */
  label: string;
  /** Agents get their own icon. */
  isAgent: boolean;
}

/**
 * The terminal target for a session of `workspace` (its base terminal
 * included), if it is running; `labels` are the sessions' labels as shown.
 */
export function terminalTarget(workspace: WorkspaceView, sessionName: string, labels: ReadonlyMap<string, string>): TerminalTarget | undefined {
  if (sessionName === workspace.baseSession.name) return { workspace, sessionName, label: 'Terminal', isAgent: false };
  const session = workspace.sessions.find((x) => x.name === sessionName);
  return session && { workspace, sessionName, label: labels.get(sessionName) ?? session.label, isAgent: session.target !== 'shell' };
}

/** Which sessions had a terminal in this window, so a reload can reattach them. */
const OPEN_TERMINALS_KEY = 'worktreeSessions.openTerminals';

/**
 * The VS Code terminals attached to tmux sessions, one per session. Closing
 * one only detaches its tmux client; a session that ends closes its terminal.
 * Terminals open when the window closes are reattached when it comes back.
 */
export class SessionTerminals implements vscode.Disposable {
  private readonly bySession = new Map<string, vscode.Terminal>();
  private readonly subscriptions = new DisposableStore();
  /** Terminals going away with the window, not because the user closed them. */
  private readonly detaching = new Set<vscode.Terminal>();
  private checking = false;
  private checkAgain = false;

  constructor(private readonly lifecycle: LifecycleService, private readonly logger: Logger, private readonly memory: vscode.Memento) {
    this.subscriptions.push(
      vscode.window.onDidCloseTerminal((t) => {
        for (const [name, terminal] of this.bySession) {
          if (terminal !== t) continue;
          this.bySession.delete(name);
          // A window that shuts down closes its terminals too: those are reattached next time.
          if (!this.detaching.has(t) && t.exitStatus?.reason !== vscode.TerminalExitReason.Shutdown) this.remember(name, false);
        }
        this.detaching.delete(t);
      }),
      lifecycle.onDidChange(() => void this.closeEnded()),
    );
  }

  private remembered(): string[] {
    return this.memory.get<string[]>(OPEN_TERMINALS_KEY, []);
  }

  private remember(name: string, open: boolean): void {
    const names = this.remembered().filter((n) => n !== name);
    void this.memory.update(OPEN_TERMINALS_KEY, open ? [...names, name] : names);
  }

  /** Reattaches the terminals that were open when this window last closed, without taking focus. */
  restore(): number {
    const workspaces = this.lifecycle.list();
    const { targets } = this.lifecycle.targets();
    let restored = 0;
    for (const name of this.remembered()) {
      const target = workspaces.map((w) => terminalTarget(w, name, sessionLabels(w, targets))).find((t) => t !== undefined);
      if (!target || (name === target.workspace.baseSession.name && !target.workspace.baseSession.running)) {
        this.remember(name, false);
        continue;
      }
      this.open(target, { reveal: false });
      restored++;
    }
    if (restored) this.logger.info(`Reattached ${restored} terminal(s) that were open when the window closed.`);
    return restored;
  }

  /** What a window reload does to the terminals: they go, their sessions stay, and they are remembered. */
  detachAllForReload(): void {
    for (const terminal of this.bySession.values()) {
      this.detaching.add(terminal);
      terminal.dispose();
    }
    this.bySession.clear();
  }

  rememberedSessions(): string[] {
    return this.remembered();
  }

  /** Focuses the session's terminal, creating it (attached with `tmux attach`) when there is none. */
  open(target: TerminalTarget, options: { preserveFocus?: boolean; reveal?: boolean } = {}): vscode.Terminal {
    const existing = this.bySession.get(target.sessionName);
    if (existing && existing.exitStatus === undefined) {
      existing.show(options.preserveFocus);
      return existing;
    }
    const { file, args } = this.lifecycle.attachArgv(target.sessionName);
    const terminal = vscode.window.createTerminal({
      name: `${target.workspace.branch} · ${target.label}`,
      shellPath: file,
      shellArgs: args,
      cwd: fs.existsSync(target.workspace.worktreePath) ? target.workspace.worktreePath : undefined,
      // SPEC §3: attach with TMUX unset, so it works from inside another tmux.
      env: { TMUX: null, TMUX_PANE: null },
      iconPath: new vscode.ThemeIcon(target.isAgent ? 'hubot' : 'terminal-tmux'),
      // tmux keeps the session; after a reload restore() attaches a fresh client instead of VS Code reviving a dead one.
      isTransient: true,
    });
    this.bySession.set(target.sessionName, terminal);
    this.remember(target.sessionName, true);
    this.logger.info(`Attached a terminal to ${target.sessionName} (${target.workspace.branch} · ${target.label}).`);
    if (options.reveal !== false) terminal.show(options.preserveFocus);
    return terminal;
  }

  /**
   * A terminal's name cannot change once it is open: after a rename its tmux
   * client is replaced by one under the new name (the session is untouched),
   * in front only if the old one was.
   */
  renamed(target: TerminalTarget): void {
    const existing = this.bySession.get(target.sessionName);
    if (!existing || existing.exitStatus !== undefined) return;
    const wasActive = vscode.window.activeTerminal === existing;
    this.detaching.add(existing);
    this.bySession.delete(target.sessionName);
    existing.dispose();
    this.open(target, { preserveFocus: true, reveal: wasActive });
  }

  /** Closes the terminals of sessions about to be stopped, so their tmux clients do not report a failure. */
  close(sessionNames: Iterable<string>): void {
    for (const name of sessionNames) {
      const terminal = this.bySession.get(name);
      this.bySession.delete(name);
      this.remember(name, false);
      terminal?.dispose();
    }
  }

  terminalOf(sessionName: string): vscode.Terminal | undefined {
    return this.bySession.get(sessionName);
  }

  /** The session whose terminal is the active one, if any. */
  activeSessionName(): string | undefined {
    const active = vscode.window.activeTerminal;
    for (const [name, terminal] of this.bySession) if (terminal === active) return name;
    return undefined;
  }

  /**
   * Closes the terminals of sessions that ended. The lifecycle's view can lag
   * a launch by one listing, so a session missing from it is confirmed with
   * one fresh tmux listing before its terminal is closed.
   */
  private async closeEnded(): Promise<void> {
    if (!this.bySession.size) return;
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    try {
      const live = new Set<string>();
      for (const w of this.lifecycle.list()) {
        if (w.baseSession.running) live.add(w.baseSession.name);
        for (const s of w.sessions) if (s.state !== 'exited') live.add(s.name);
      }
      const suspects = [...this.bySession.keys()].filter((name) => !live.has(name));
      if (!suspects.length) return;
      const running = await this.lifecycle.runningSessionNames();
      for (const name of suspects) {
        if (running.has(name)) continue;
        const terminal = this.bySession.get(name);
        this.bySession.delete(name);
        this.remember(name, false);
        terminal?.dispose();
        this.logger.info(`Closed the terminal of ${name}: the session ended.`);
      }
    } catch (e) {
      this.logger.warn(`Could not check which terminals to close: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.checking = false;
      if (this.checkAgain) {
        this.checkAgain = false;
        void this.closeEnded();
      }
    }
  }

  dispose(): void {
    this.subscriptions.dispose();
    // The terminals themselves stay: closing them would only detach, and VS Code disposes them with the window.
    this.bySession.clear();
  }
}
