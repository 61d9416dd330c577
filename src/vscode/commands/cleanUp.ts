import * as vscode from 'vscode';
import type { Leftover, RemoveOutcome } from '../../core';
import { plural } from '../tree/format';
import { optional, withProgress, type Command, type CommandDeps, type Services } from './command';
import { CommandId } from './ids';
import { knownRepositories } from './knownRepositories';
import { formatBytes, KIND, leftoverTitle, toApiLeftover, type ApiLeftover } from './leftoverItems';

export interface CleanUpArgs {
  repoRoot: string;
}

export interface CleanUpOutcome {
  removed: ApiLeftover[];
  /** What was chosen and not removed, with why. */
  kept: (ApiLeftover & { message: string })[];
}

/**
 * "Clean Up…" (SPEC §10): every leftover in one multi-select list with its
 * disk usage and reason, the safe ones selected; removal goes through the
 * same safe delete, and anything unsafe chosen is confirmed first. With an
 * argument object there is no list: every safe leftover goes.
 */
export const cleanUp: Command<CleanUpArgs, CleanUpOutcome | undefined> = {
  id: CommandId.cleanUp,
  async run(invocation, s, deps) {
    const repoRoot = optional(invocation, 'repoRoot', CommandId.cleanUp, 'string');
    const repos = repoRoot ? [await s.lifecycle.repository.root(repoRoot)] : await knownRepositories(s);
    const found = await withProgress('Looking for leftovers', true, (_, signal) => s.lifecycle.findLeftovers(repos, { measure: false, signal }));
    if (!found.length) {
      void vscode.window.showInformationMessage('Nothing to clean up: no merged workspaces, stray worktrees, unused branches or saved changes.');
      return { removed: [], kept: [] };
    }
    // Cancelling the measurement only leaves the sizes out.
    const measured = await withProgress('Measuring disk usage (cancel to skip)', true, (_, signal) => s.lifecycle.measureLeftovers(found, signal));
    const chosen = !invocation.interactive ? measured.filter((l) => l.safe) : await deps.prompter().pickMany({
      title: 'Clean Up',
      placeholder: 'Safe items are selected; the others would lose or move work',
      items: [...measured].sort((a, b) => Number(b.safe) - Number(a.safe) || (b.bytes ?? 0) - (a.bytes ?? 0)).map((l) => ({
        label: leftoverTitle(l),
        icon: KIND[l.kind].icon,
        description: [formatBytes(l.bytes), KIND[l.kind].label, l.safe ? '' : 'not safe'].filter(Boolean).join(' · '),
        detail: l.reason,
        picked: l.safe,
        value: l,
      })),
    });
    if (!chosen) return undefined;
    if (!chosen.length) return { removed: [], kept: [] };
    const unsafe = chosen.filter((l) => !l.safe);
    let force = false;
    if (unsafe.length) {
      const answer = await confirmUnsafe(unsafe, chosen.length - unsafe.length, deps);
      if (!answer) return undefined;
      force = answer === 'all';
    }
    const toRemove = force ? chosen : chosen.filter((l) => l.safe);
    closeTerminals(toRemove, s);
    const outcomes = await withProgress('Cleaning up', false, (report) => s.lifecycle.removeLeftovers(toRemove, { force, onProgress: report }));
    s.tree.refresh();
    const result = summarise(outcomes, chosen.filter((l) => !toRemove.includes(l)));
    if (invocation.interactive) announce(result, outcomes, deps);
    return result;
  },
};

/** §5: a modal only where work could be lost. */
async function confirmUnsafe(unsafe: readonly Leftover[], safeCount: number, deps: CommandDeps): Promise<'all' | 'safe' | undefined> {
  const all = 'Remove Anyway';
  const onlySafe = 'Remove Only the Safe Ones';
  const answer = await deps.prompter().confirm({
    message: `${unsafe.length} of the chosen ${plural(unsafe.length, 'item holds', 'items hold')} work. Remove ${unsafe.length === 1 ? 'it' : 'them'} anyway?`,
    detail: [
      ...unsafe.slice(0, 10).map((l) => `${leftoverTitle(l)}: ${l.reason}`),
      ...(unsafe.length > 10 ? [`…and ${unsafe.length - 10} more`] : []),
      '',
      'Uncommitted changes of a worktree are saved first (they appear under Saved Changes); an unmerged branch and dropped saved changes are gone.',
    ].join('\n'),
    actions: safeCount ? [all, onlySafe] : [all],
  });
  return answer === all ? 'all' : answer === onlySafe ? 'safe' : undefined;
}

function closeTerminals(items: readonly Leftover[], s: Services): void {
  for (const l of items) {
    const w = l.workspaceId ? s.lifecycle.workspace(l.workspaceId) : undefined;
    if (w) s.terminals.close([w.baseSession.name, ...w.sessions.map((x) => x.name)]);
  }
}

function summarise(outcomes: readonly RemoveOutcome[], notTried: readonly Leftover[]): CleanUpOutcome {
  return {
    removed: outcomes.filter((o) => o.removed).map((o) => toApiLeftover(o.item)),
    kept: [
      ...outcomes.filter((o) => !o.removed).map((o) => ({ ...toApiLeftover(o.item), message: o.message })),
      ...notTried.map((l) => ({ ...toApiLeftover(l), message: 'Not removed: it was not safe, and only the safe ones were chosen.' })),
    ],
  };
}

function announce(result: CleanUpOutcome, outcomes: readonly RemoveOutcome[], deps: CommandDeps): void {
  const freed = result.removed.reduce((n, l) => n + (l.bytes ?? 0), 0);
  const saved = outcomes.filter((o) => o.savedChanges).length;
  const parts = [`Removed ${result.removed.length} ${plural(result.removed.length, 'leftover')}${freed ? `, freeing ${formatBytes(freed)}` : ''}.`];
  if (saved) parts.push(`Uncommitted changes of ${saved} ${plural(saved, 'worktree was', 'worktrees were')} saved first (see Saved Changes).`);
  for (const o of outcomes) deps.log.info(o.message);
  if (result.kept.length) {
    parts.push(`${result.kept.length} ${plural(result.kept.length, 'was', 'were')} not removed: ${result.kept.slice(0, 3).map((k) => k.message).join(' ')}`);
    const showLog = 'Show Log';
    void vscode.window.showWarningMessage(parts.join(' '), showLog).then((c) => c === showLog && deps.log.show(true));
  } else {
    void vscode.window.showInformationMessage(parts.join(' '));
  }
}
