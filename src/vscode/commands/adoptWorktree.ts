import path from 'node:path';
import { UserError } from '../../core';
import { toApiWorkspace, type ApiWorkspace } from '../api';
import { tildify } from '../tree/format';
import { required, withProgress, type Command } from './command';
import { CommandId } from './ids';
import { knownRepositories } from './knownRepositories';
import { openWorkspaceTerminal } from './openTerminal';

export interface AdoptArgs {
  repoRoot: string;
  path: string;
}

/** SPEC §10: a worktree the extension does not manage becomes a workspace, where it is. */
export const adoptWorktree: Command<AdoptArgs, ApiWorkspace | undefined> = {
  id: CommandId.adoptWorktree,
  async run(invocation, s, deps) {
    let target: { repoRoot: string; path: string } | undefined;
    if (invocation.interactive && invocation.args.path === undefined) {
      const repos = invocation.args.repoRoot ? [invocation.args.repoRoot] : await knownRepositories(s);
      const found = await withProgress('Looking for worktrees to adopt', true, (_, signal) => s.lifecycle.findLeftovers(repos, { measure: false, signal }));
      const candidates = found.filter((l) => l.kind === 'unmanaged-worktree' && l.branch && l.path);
      if (!candidates.length) throw new UserError('Every worktree with a branch already has a workspace.');
      target = await deps.prompter().pick({
        purpose: 'workspace',
        title: 'Adopt Worktree',
        placeholder: 'Choose a worktree to manage as a workspace',
        items: candidates.map((l) => ({ label: l.branch!, icon: 'folder', description: path.basename(l.repoRoot), detail: tildify(l.path!), value: { repoRoot: l.repoRoot, path: l.path! } })),
      });
      if (!target) return undefined;
    } else {
      target = { repoRoot: required(invocation, 'repoRoot', CommandId.adoptWorktree), path: required(invocation, 'path', CommandId.adoptWorktree) };
    }
    const workspace = await s.lifecycle.adoptWorktree(target.repoRoot, target.path);
    if (invocation.interactive) await openWorkspaceTerminal(workspace, undefined, s);
    return toApiWorkspace(workspace);
  },
};
