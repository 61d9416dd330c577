import path from 'node:path';
import * as vscode from 'vscode';
import { looksLikePullRequest, UserError, type CreateRequest, type WorkspaceView } from '../../core';
import { toApiWorkspace, type ApiWorkspace } from '../api';
import { tildify } from '../tree/format';
import { optional, required, withProgress, type Command, type CommandDeps, type Invocation, type Services } from './command';
import { openPullRequest } from './pullRequestWorkspace';
import { CommandId } from './ids';
import { openWorkspaceTerminal } from './openTerminal';

export const createWorkspace: Command<CreateRequest, ApiWorkspace | undefined> = {
  id: CommandId.createWorkspace,
  async run(invocation, s, deps) {
    const request = invocation.interactive ? await ask(invocation, s, deps) : fromArguments(invocation);
    if (!request) return undefined;
    // §10: "#123" or a pull-request URL typed into the branch pick.
    if ('pullRequest' in request) {
      const fromPr = await openPullRequest(request.repoRoot, request.pullRequest, s);
      await openWorkspaceTerminal(fromPr, undefined, s);
      await revealWorkspace(fromPr, s);
      return toApiWorkspace(fromPr);
    }
    const trusted = vscode.workspace.isTrusted;
    const workspace = await withProgress(`Creating workspace "${request.branch}"`, true, (report, signal) =>
      s.lifecycle.createWorkspace(request, { signal, trusted, onProgress: report }));
    explainSkippedSetup(workspace, s, trusted);
    if (invocation.interactive) {
      await openWorkspaceTerminal(workspace, undefined, s);
      await revealWorkspace(workspace, s);
    }
    return toApiWorkspace(workspace);
  },
};

function fromArguments(invocation: Invocation<CreateRequest>): CreateRequest {
  const id = CommandId.createWorkspace;
  return {
    repoRoot: required(invocation, 'repoRoot', id),
    branch: required(invocation, 'branch', id),
    baseRef: optional(invocation, 'baseRef', id, 'string'),
    existingBranch: optional(invocation, 'existingBranch', id, 'boolean'),
  };
}

/** Repository, then a new or existing branch, then (for a new branch) where it starts. */
async function ask(invocation: Invocation<CreateRequest>, s: Services, deps: CommandDeps): Promise<CreateRequest | { repoRoot: string; pullRequest: string } | undefined> {
  const repoRoot = invocation.args.repoRoot ?? (await pickRepository(s, deps));
  if (!repoRoot) return undefined;
  const { git } = s.core;
  const name = path.basename(repoRoot);
  const [local, remote, worktrees] = await Promise.all([git.localBranches(repoRoot), git.remoteBranches(repoRoot), git.worktrees(repoRoot)]);
  const managed = new Set(s.lifecycle.list().filter((w) => w.repoRoot === repoRoot).map((w) => w.branch));
  const answer = await deps.prompter().pickBranch({
    title: `Create Workspace in ${name}`,
    repoRoot,
    local: local.map((b) => ({ name: b, hasWorkspace: managed.has(b), checkedOutAt: tildifyOrUndefined(worktrees.find((w) => w.branch === b)?.path) })),
    remote,
    validateNewBranch: async (branch) =>
      (await git.branchNameProblem(repoRoot, branch))
      ?? (local.includes(branch) ? `A branch "${branch}" already exists; choose it from the list to open it.` : undefined),
    pullRequest: (text) => (looksLikePullRequest(text) ? `Create a workspace from pull request ${text.trim()}` : undefined),
  });
  if (!answer) return undefined;
  if (answer.pullRequest) return { repoRoot, pullRequest: answer.pullRequest };
  if (answer.existing) return { repoRoot, branch: answer.branch, existingBranch: true };
  const defaultRef = (await git.currentBranch(repoRoot)) ?? 'HEAD';
  const baseRef = await deps.prompter().pickBaseRef({
    title: `Create Workspace in ${name}: start "${answer.branch}" from`,
    branch: answer.branch,
    defaultRef,
    local,
    remote,
    validateRef: async (ref) => ((await git.refExists(repoRoot, ref)) ? undefined : `"${ref}" is not a branch, tag or commit of ${name}.`),
  });
  if (!baseRef) return undefined;
  return { repoRoot, branch: answer.branch, baseRef, existingBranch: false };
}

export async function pickRepository(s: Services, deps: CommandDeps): Promise<string | undefined> {
  const roots = await s.repositories.current();
  if (!roots.length) throw new UserError('No git repository is open. Open a folder inside a git repository, then create a workspace for one of its branches.');
  if (roots.length === 1) return roots[0];
  return deps.prompter().pick({
    purpose: 'repository',
    title: 'Create Workspace',
    placeholder: 'Choose the repository',
    items: roots.map((root) => ({ label: path.basename(root), icon: 'repo', description: tildify(path.dirname(root)), value: root })),
  });
}

function tildifyOrUndefined(p: string | undefined): string | undefined {
  return p === undefined ? undefined : tildify(p);
}

/** Workspace trust: say why the configured setup command did not run. */
function explainSkippedSetup(workspace: WorkspaceView, s: Services, trusted: boolean): void {
  if (trusted) return;
  const skipped = s.lifecycle.events(workspace.id).some((e) => e.step === 'setup-command' && e.outcome === 'skipped' && /trust/i.test(e.message ?? ''));
  if (!skipped) return;
  const manage = 'Manage Workspace Trust';
  void vscode.window
    .showWarningMessage(`The setup command was not run in "${workspace.branch}" because this workspace is not trusted. Once you trust the repository, run it in the workspace's terminal.`, manage)
    .then((choice) => choice === manage && vscode.commands.executeCommand('workbench.trust.manage'));
}

export async function revealWorkspace(workspace: WorkspaceView, s: Services): Promise<void> {
  try {
    const repo = (await s.tree.getChildren()).find((n) => n.target.repoRoot === workspace.repoRoot);
    const node = repo?.children().find((n) => n.target.workspaceId === workspace.id);
    if (node) await s.treeView.reveal(node, { select: true, focus: false, expand: true });
  } catch {
    // Revealing is a courtesy; the view may be hidden.
  }
}
