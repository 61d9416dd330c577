import path from 'node:path';
import * as vscode from 'vscode';
import { branchNamePrecheck, looksLikePullRequest, UserError, type CreateRequest, type WorkspaceView } from '../../core';
import { toApiWorkspace, type ApiWorkspace } from '../api';
import { refFormatProblem, refNamespaceConflict } from '../branchNames';
import { BACK, canChoose, type LocalBranch } from '../prompts/prompter';
import { approveRepositorySetup, SetupOutput } from '../repoSetup';
import { tildify } from '../tree/format';
import { optional, required, withProgress, type Command, type CommandDeps, type Invocation, type Services } from './command';
import { reportSetupFailure, workspaceOfBranch } from './failures';
import { openPullRequest } from './pullRequestWorkspace';
import { CommandId } from './ids';
import { openWorkspaceTerminal } from './openTerminal';
import { OPEN_LABEL, openWorktree, type OpenWhere } from './openWorktree';

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
    let workspace: WorkspaceView;
    const output = new SetupOutput(request.branch);
    try {
      workspace = await withProgress(`Creating workspace "${request.branch}"`, true, (report, signal) =>
        s.lifecycle.createWorkspace(request, { signal, trusted, onProgress: report, approve: approveRepositorySetup, onOutput: output.write }));
    } catch (e) {
      if (!invocation.interactive) throw e;
      // SPEC §7: one short message; the details go to the log, the remedies are buttons.
      void reportSetupFailure(`Could not create the workspace "${request.branch}"`, workspaceOfBranch(s, request.repoRoot, request.branch), e, s, deps);
      return undefined;
    }
    explainSkippedSetup(workspace, s, deps, trusted);
    if (invocation.interactive) {
      await openWorkspaceTerminal(workspace, undefined, s);
      await revealWorkspace(workspace, s);
      void offerToOpen(workspace, s, deps);
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

/**
 * Repository, then (step 1/2) a new or existing branch, then (step 2/2, with
 * Back) where a new branch starts.
 */
async function ask(invocation: Invocation<CreateRequest>, s: Services, deps: CommandDeps): Promise<CreateRequest | { repoRoot: string; pullRequest: string } | undefined> {
  const repoRoot = invocation.args.repoRoot ?? (await pickRepository(s, deps));
  if (!repoRoot) return undefined;
  const git = s.lifecycle.repository;
  const name = path.basename(repoRoot);
  const [local, remote, worktrees] = await Promise.all([git.localBranches(repoRoot), git.remoteBranches(repoRoot), git.worktrees(repoRoot)]);
  const managed = new Set(s.lifecycle.list().filter((w) => w.repoRoot === repoRoot).map((w) => w.branch));
  const branches: LocalBranch[] = local.map((b) => ({ name: b, hasWorkspace: managed.has(b), checkedOutAt: tildifyOrUndefined(worktrees.find((w) => w.branch === b)?.path) }));
  // What needs no process is checked first; git's own rules (C1) only for a name that passes.
  const validateNewBranch = async (branch: string) =>
    branchNamePrecheck(branch)
    ?? refFormatProblem(branch)
    ?? (local.includes(branch) ? `A branch "${branch}" already exists; choose it from the list to open it.` : undefined)
    ?? refNamespaceConflict(branch, local)
    ?? (await git.branchNameProblem(repoRoot, branch));

  let typed: string | undefined;
  for (;;) {
    const answer = await deps.prompter().pickBranch({
      title: `Create Workspace in ${name}`,
      step: { step: 1, total: 2 },
      value: typed,
      repoRoot,
      local: branches,
      remote,
      validateNewBranch,
      // §10: "#123" or a pull-request URL typed into the branch pick.
      pullRequest: (text) => (looksLikePullRequest(text) ? `Create a workspace from pull request ${text.trim()}` : undefined),
    });
    if (!answer) return undefined;
    if (answer.pullRequest) return { repoRoot, pullRequest: answer.pullRequest };
    if (answer.existing) {
      const chosen = branches.find((b) => b.name === answer.branch);
      // C1: the picker does not offer it; a scripted answer is refused the same way.
      if (chosen && !canChoose(chosen)) throw new UserError(`The branch "${chosen.name}" is checked out in ${chosen.checkedOutAt}, so it cannot get a second worktree. Switch that worktree to another branch first, or open it directly.`);
      return { repoRoot, branch: answer.branch, existingBranch: true };
    }
    const defaultRef = (await git.currentBranch(repoRoot)) ?? 'HEAD';
    const baseRef = await deps.prompter().pickBaseRef({
      title: `Create Workspace in ${name}: start "${answer.branch}" from`,
      step: { step: 2, total: 2 },
      branch: answer.branch,
      defaultRef,
      local,
      remote,
      // A listed branch needs no process; anything else (a tag, a commit, HEAD~2) git resolves.
      validateRef: async (ref) => (local.includes(ref) || remote.includes(ref) || (await git.refExists(repoRoot, ref)) ? undefined : `"${ref}" is not a branch, tag or commit of ${name}.`),
    });
    if (baseRef === BACK) {
      typed = answer.branch;
      continue;
    }
    if (!baseRef) return undefined;
    return { repoRoot, branch: answer.branch, baseRef, existingBranch: false };
  }
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
function explainSkippedSetup(workspace: WorkspaceView, s: Services, deps: CommandDeps, trusted: boolean): void {
  if (trusted) return;
  const skipped = s.lifecycle.events(workspace.id).some((e) => e.step === 'setup-command' && e.outcome === 'skipped' && /trust/i.test(e.message ?? ''));
  if (!skipped) return;
  const manage = 'Manage Workspace Trust';
  void deps.prompter()
    .notify({ severity: 'warning', message: `The setup command was not run in "${workspace.branch}" because this workspace is not trusted. Once you trust the repository, run it in the workspace's terminal.`, actions: [manage] })
    .then((choice) => choice === manage && vscode.commands.executeCommand('workbench.trust.manage'));
}

/**
 * The new worktree's files are one click away: in this window, a new one, or
 * next to this window's folders. A window already on it is offered nothing.
 */
async function offerToOpen(workspace: WorkspaceView, s: Services, deps: CommandDeps): Promise<void> {
  if (s.repositories.windowWorkspace(s.lifecycle.list())?.id === workspace.id) return;
  const places: OpenWhere[] = ['thisWindow', 'newWindow', 'addToWorkspace'];
  const choice = await deps.prompter().notify({ severity: 'info', message: `Workspace "${workspace.branch}" is ready. Open its worktree?`, actions: places.map((p) => OPEN_LABEL[p]) });
  const where = places.find((p) => OPEN_LABEL[p] === choice);
  if (where) await openWorktree(workspace, where).catch((e: unknown) => deps.log.error(`Opening the worktree of ${workspace.branch} failed: ${e instanceof Error ? e.message : String(e)}`));
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
