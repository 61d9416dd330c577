import fs from 'node:fs';
import { UserError, type WorkspaceView } from '../../core';
import type { CommandDeps, Services } from './command';
import { CommandId } from './ids';

/** Advice core appends to its messages; here it becomes buttons instead (SPEC §7). */
const ADVICE = /\s*(Retry setup or delete the workspace|Retry the delete to finish it)\.?\s*$/;

/**
 * A failure's reason in one short line: git's own words where it gave some
 * (the last "fatal:" or "error:"), else the message without the step it came
 * from. The whole message goes to the log.
 */
export function shortReason(message: string): string {
  let text = message.replace(ADVICE, '').trim();
  const at = Math.max(text.lastIndexOf('fatal: '), text.lastIndexOf('error: '));
  if (at >= 0) text = `git says: ${text.slice(text.indexOf(' ', at) + 1)}`;
  else text = /failed (?:at the [\w-]+ step|while [^:]+): ([\s\S]*)$/.exec(text)?.[1] ?? text;
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 180 ? `${text.slice(0, 179)}…` : text;
}

const RETRY_SETUP = 'Retry Setup';
const RETRY_DELETE = 'Retry Delete';
const DELETE = 'Delete Workspace';
const SHOW_LOG = 'Show Log';

/** Writes the whole failure to the log, as execute() does for failures it reports itself. */
export function logFailure(deps: CommandDeps, what: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const detail = e instanceof UserError ? e.detail : e instanceof Error ? e.stack : undefined;
  deps.log.error(`${what}: ${message}${detail ? `\n${detail}` : ''}`);
  return message;
}

/**
 * A create, retry or recreate that failed: one short line, the details in the
 * log, and as buttons the remedies for whatever it left (C3).
 */
export async function reportSetupFailure(what: string, left: WorkspaceView | undefined, e: unknown, s: Services, deps: CommandDeps): Promise<void> {
  const message = logFailure(deps, what, e);
  const now = left && s.lifecycle.workspace(left.id);
  const actions = now?.status === 'error' || now?.status === 'missing' ? [RETRY_SETUP, DELETE, SHOW_LOG] : [SHOW_LOG];
  const choice = await deps.prompter().notify({ severity: 'error', message: `${what}: ${shortReason(message)}`, actions });
  if (choice === SHOW_LOG) deps.log.show(true);
  if (!now) return;
  const args = { args: { workspaceId: now.id }, interactive: true };
  if (choice === RETRY_SETUP) await deps.execute(now.status === 'missing' ? CommandId.recreateWorkspace : CommandId.retrySetup, args);
  if (choice === DELETE) await deps.execute(CommandId.deleteWorkspace, args);
}

/** A delete that failed after it began (D4): retrying resumes it. */
export async function reportDeleteFailure(workspace: WorkspaceView, e: unknown, deps: CommandDeps): Promise<void> {
  const what = `Could not delete the workspace "${workspace.branch}"`;
  const message = logFailure(deps, what, e);
  const choice = await deps.prompter().notify({ severity: 'error', message: `${what}: ${shortReason(message)}`, actions: [RETRY_DELETE, SHOW_LOG] });
  if (choice === SHOW_LOG) deps.log.show(true);
  if (choice === RETRY_DELETE) await deps.execute(CommandId.deleteWorkspace, { args: { workspaceId: workspace.id }, interactive: true });
}

/** The workspace a create of `branch` in `repoRoot` made or reopened, if one is listed. */
export function workspaceOfBranch(s: Services, repoRoot: string, branch: string): WorkspaceView | undefined {
  const root = canonical(repoRoot);
  const ofRepo = s.lifecycle.list().filter((w) => canonical(w.repoRoot) === root);
  // A remote branch ("origin/x") gets a local branch of its short name.
  return ofRepo.find((w) => w.branch === branch) ?? ofRepo.find((w) => w.branch === branch.split('/').slice(1).join('/'));
}

function canonical(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
