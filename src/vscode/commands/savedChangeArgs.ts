import path from 'node:path';
import { UserError, type SavedChange } from '../../core';
import { tildify } from '../tree/format';
import type { CommandDeps, Invocation, Services } from './command';
import type { CommandIdValue } from './ids';
import { knownRepositories } from './knownRepositories';

/** How the saved-changes commands name one save: its ref, and the repository when the ref alone is ambiguous. */
export interface SavedChangeArgs {
  ref: string;
  repoRoot: string;
}

/** The save named by the arguments (or the tree row), else, when interactive, the user's pick. */
export async function chooseSavedChange(invocation: Invocation<SavedChangeArgs>, s: Services, deps: CommandDeps, id: CommandIdValue, title: string): Promise<SavedChange | undefined> {
  const { ref, repoRoot } = invocation.args;
  if (repoRoot !== undefined && typeof repoRoot !== 'string') throw new UserError(`${id}: "repoRoot" must be a string.`);
  const repos = repoRoot ? [repoRoot] : await knownRepositories(s);
  if (ref !== undefined || !invocation.interactive) {
    if (ref === undefined || ref === '') throw new UserError(`${id} needs "ref" in its argument object.`);
    return s.lifecycle.findSavedChange(ref, repos);
  }
  const all = await s.lifecycle.savedChanges(repos);
  if (!all.length) throw new UserError('There are no saved changes. They are made when a workspace with uncommitted changes is deleted.');
  return deps.prompter().pick({
    purpose: 'action',
    title,
    placeholder: 'Choose saved changes',
    items: all.map((x) => ({ label: x.label, icon: 'archive', description: `${path.basename(x.repoRoot)} · saved ${new Date(x.savedAt).toLocaleString()}`, detail: tildify(x.ref), value: x })),
  });
}
