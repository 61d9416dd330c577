import * as vscode from 'vscode';
import type { SessionState, SessionView, StateSource } from '../../core';

/** §8 in the tree: an icon and colour per state, the summary as the row's text, source and time in the tooltip. */
const STATE_LOOK: Record<SessionState, { icon?: string; color?: string }> = {
  working: { icon: 'sync~spin', color: 'charts.blue' },
  waiting: { icon: 'bell-dot', color: 'charts.yellow' },
  done: { icon: 'check', color: 'charts.green' },
  running: { color: 'charts.green' },
  idle: {},
  exited: { icon: 'circle-slash', color: 'disabledForeground' },
  unknown: { icon: 'question', color: 'disabledForeground' },
};

const SOURCE_TEXT: Record<StateSource, string> = {
  hook: "from the agent's hook",
  bell: 'from the terminal bell',
  rule: 'from a screen rule',
  process: 'from the terminal',
};

export function sessionIcon(s: SessionView): vscode.ThemeIcon {
  const look = STATE_LOOK[s.state];
  const icon = look.icon ?? (s.target === 'shell' ? 'terminal' : 'hubot');
  return new vscode.ThemeIcon(icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
}

/** The row's description: what the agent works on, when known, before the state and age. */
export function sessionDescription(s: SessionView, stateLabel: string, age: string): string {
  return [s.summary, stateLabel, age].filter(Boolean).join(' · ');
}

/** "waiting since 14:02 — Claude needs your permission to use Bash, from the agent's hook". */
export function stateLine(s: SessionView, stateLabel: string): string {
  const since = new Date(s.stateAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return `${stateLabel} since ${since}${s.stateNote ? ` — ${s.stateNote}` : ''}, ${SOURCE_TEXT[s.stateSource]}`;
}
