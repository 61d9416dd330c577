import * as vscode from 'vscode';
import { sessionLabels } from './sessionLabels';
import type { LifecycleService, Logger, SessionView, WorkspaceView } from '../core';
import { decideNotification, notificationKey, type NotifySettings } from './notifyDecision';
import type { SessionTerminals } from './terminals';
import { terminalTarget } from './terminals';

/**
 * §8: a notification with *Open* when a session becomes waiting or done,
 * from exactly one window (see decideNotification), and none while the user
 * is looking at that session's terminal in a focused window.
 */
export class SessionNotifier implements vscode.Disposable {
  /** The last state change seen per session; the first view only records, so opening a window notifies nothing old. */
  private readonly seen = new Map<string, string>();
  private primed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly terminals: SessionTerminals,
    private readonly settings: () => NotifySettings,
    private readonly logger: Logger,
  ) {
    this.subscription = lifecycle.onDidChange(() => this.check());
  }

  check(): void {
    const live = new Set<string>();
    for (const w of this.lifecycle.list()) {
      for (const s of w.sessions) {
        live.add(s.name);
        const key = notificationKey(s.state, s.stateAt);
        const before = this.seen.get(s.name);
        this.seen.set(s.name, key);
        if (this.primed && before !== key) this.changed(w, s, key);
      }
    }
    for (const name of this.seen.keys()) if (!live.has(name)) this.seen.delete(name);
    this.primed = true;
  }

  private changed(w: WorkspaceView, s: SessionView, key: string): void {
    const decision = decideNotification({
      state: s.state,
      settings: this.settings(),
      focused: vscode.window.state.focused,
      lookingAtIt: this.isLookingAt(s.name),
      launchedHere: s.launcher === this.lifecycle.windowId,
    });
    if (decision.kind === 'ignore') return;
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      // Moved on meanwhile: that change is old news.
      if (this.seen.get(s.name) !== key) return;
      if (!(await this.lifecycle.claimNotification(s.name, key))) return;
      if (decision.show && !(vscode.window.state.focused && this.isLookingAt(s.name))) this.show(w, s);
    }, decision.delayMs);
    this.timers.add(timer);
  }

  private isLookingAt(sessionName: string): boolean {
    const terminal = this.terminals.terminalOf(sessionName);
    return vscode.window.state.focused && terminal !== undefined && vscode.window.activeTerminal === terminal;
  }

  private show(w: WorkspaceView, s: SessionView): void {
    const what = s.state === 'waiting' ? 'needs you' : 'is done';
    const detail = s.stateNote ?? s.summary;
    this.logger.info(`Notified: ${s.label} in ${w.branch} ${what}.`);
    void vscode.window.showInformationMessage(`${s.label} in ${w.branch} ${what}${detail ? `: ${detail}` : '.'}`, 'Open').then((choice) => {
      if (choice !== 'Open') return;
      const fresh = this.lifecycle.workspace(w.id) ?? w;
      const target = terminalTarget(fresh, s.name, sessionLabels(fresh, this.lifecycle.targets().targets));
      if (target) this.terminals.open(target);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
