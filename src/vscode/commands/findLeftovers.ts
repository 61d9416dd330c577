import * as vscode from 'vscode';
import { optional, withProgress, type Command } from './command';
import { CommandId } from './ids';
import { knownRepositories } from './knownRepositories';
import { formatBytes, toApiLeftover, type ApiLeftover } from './leftoverItems';

export interface FindLeftoversArgs {
  /** One repository; absent: the window's and every one with workspaces. */
  repoRoot: string;
}

export const findLeftovers: Command<FindLeftoversArgs, ApiLeftover[]> = {
  id: CommandId.findLeftovers,
  async run(invocation, s, deps) {
    const repoRoot = optional(invocation, 'repoRoot', CommandId.findLeftovers, 'string');
    const repos = repoRoot ? [await s.lifecycle.repository.root(repoRoot)] : await knownRepositories(s);
    // du runs in processes of its own (off this thread); cancelling stops it.
    const found = await withProgress('Looking for leftovers', true, (report, signal) => {
      report('Finding them…');
      return s.lifecycle.findLeftovers(repos, { measure: false, signal }).then((list) => {
        report('Measuring disk usage…');
        return s.lifecycle.measureLeftovers(list, signal);
      });
    });
    if (invocation.interactive) {
      const bytes = found.reduce((n, l) => n + (l.bytes ?? 0), 0);
      const cleanUp = 'Clean Up…';
      const message = found.length
        ? `Found ${found.length} ${found.length === 1 ? 'leftover' : 'leftovers'}${bytes ? ` using ${formatBytes(bytes)}` : ''}, ${found.filter((l) => l.safe).length} safe to remove.`
        : 'No leftovers: no merged workspaces, stray worktrees, unused branches or saved changes.';
      if (found.length) void vscode.window.showInformationMessage(message, cleanUp).then((c) => c === cleanUp && deps.execute(CommandId.cleanUp, { args: repoRoot ? { repoRoot } : {}, interactive: true }));
      else void vscode.window.showInformationMessage(message);
    }
    return found.map(toApiLeftover);
  },
};
