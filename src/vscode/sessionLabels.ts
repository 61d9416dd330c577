import type { LaunchTarget, WorkspaceView } from '../core';

interface Labelled {
  name: string;
  target: string;
  label: string;
  createdAt: number;
}

/**
 * The names a workspace's sessions are shown with, in the tree, the pickers
 * and the terminal tabs: their labels, numbered when two share one ("Shell",
 * "Shell 2"). A session keeps its number for its whole life — the one in its
 * tmux name (`…-shell-2`) — so a tab named when it opened stays right when an
 * older session stops. Labels the user gave (Rename) are shown as typed, and
 * numbered only if they still collide.
 */
export function sessionLabels(workspace: Pick<WorkspaceView, 'baseSession' | 'sessions' | 'lostSessions'>, targets: readonly Pick<LaunchTarget, 'key' | 'label'>[]): Map<string, string> {
  const defaults = new Map(targets.map((t) => [t.key, t.label]));
  const rows: Labelled[] = [...workspace.sessions, ...workspace.lostSessions].sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  const wanted = new Map<string, string>();
  for (const s of rows) {
    const n = numberInName(s.name, workspace.baseSession.name, s.target);
    const isDefault = s.label === (defaults.get(s.target) ?? s.target);
    wanted.set(s.name, n && isDefault ? `${s.label} ${n}` : s.label);
  }
  const taken = new Set<string>();
  const shown = new Map<string, string>();
  for (const s of rows) {
    let label = wanted.get(s.name)!;
    if (taken.has(label)) {
      // The first free number that no other session is already shown with.
      const others = new Set(wanted.values());
      let i = 2;
      while (taken.has(`${label} ${i}`) || others.has(`${label} ${i}`)) i++;
      label = `${label} ${i}`;
    }
    taken.add(label);
    shown.set(s.name, label);
  }
  return shown;
}

/** 2 for `wts-<id>-shell-2`, the second shell; undefined for the first (`wts-<id>-shell`). */
function numberInName(name: string, baseSession: string, key: string): number | undefined {
  const prefix = `${baseSession}-${key}-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^[1-9]\d*$/.test(rest) ? Number(rest) : undefined;
}
