import type { Exec } from '../process/runner';
import { gitRun, nulFields } from './gitCalls';

/**
 * Which branches the extension created, kept in the repository's own config
 * as `branch.<name>.wtsCreated = <base>`: git renames that section with the
 * branch and removes it when the branch is deleted, so the record lives
 * exactly as long as the branch, and outlives the workspace (SPEC §10:
 * "branches the extension created that no worktree uses").
 */
const KEY = 'wtsCreated';

export async function markCreatedBranch(exec: Exec, repo: string, branch: string, base: string): Promise<void> {
  const r = await gitRun(exec, repo, ['config', `branch.${branch}.${KEY}`, base || 'HEAD']);
  if (r.exitCode !== 0) throw new Error(`could not record that "${branch}" was created: ${r.stderr.trim()}`);
}

/** Branch name → the base it was created from, for every branch the extension created in `repo`. */
export async function createdBranches(exec: Exec, repo: string): Promise<Map<string, string>> {
  const r = await gitRun(exec, repo, ['config', '-z', '--get-regexp', `^branch\\..*\\.${KEY.toLowerCase()}$`]);
  const out = new Map<string, string>();
  // Exit 1: no such key at all.
  if (r.exitCode !== 0) return out;
  const suffix = `.${KEY.toLowerCase()}`;
  for (const entry of nulFields(r.stdout)) {
    const nl = entry.indexOf('\n');
    const key = nl < 0 ? entry : entry.slice(0, nl);
    const value = nl < 0 ? '' : entry.slice(nl + 1);
    if (!key.startsWith('branch.') || !key.endsWith(suffix)) continue;
    out.set(key.slice('branch.'.length, -suffix.length), value);
  }
  return out;
}
