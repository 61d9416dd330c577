import { DisposableStore, type Disposable } from '../event';
import { adoptWorktree } from '../finish/adopt';
import { findLeftovers, measureLeftovers, removeLeftovers, type FindLeftoversOptions, type Leftover, type RemoveOutcome } from '../finish/leftovers';
import { mergeIntoBase, type MergeMode, type MergeOptions, type MergeResult } from '../finish/merge';
import { createPullRequest, createWorkspaceFromPullRequest, type FromPullRequestOptions, type PullRequestOptions, type PullRequestResult } from '../finish/pullRequest';
import { aheadBehind, fileAtCommit, reviewChanges, type AheadBehind, type ChangedFile, type Review } from '../finish/review';
import { dropSavedChange, findSavedChange, restoreSavedChange, savedChangeFiles, SavedChangesCache, type SavedChange } from '../finish/savedChanges';
import type { ShortStat, WorktreeEntry } from '../gitParse';
import type { LaunchTarget, SessionView, SetupEvent, WorkspaceView } from '../model';
import type { TargetProblem } from '../targets';
import type { TmuxProbe } from '../tmux';
import type { SessionListing } from '../tmuxParse';
import { LifecycleContext, type LifecycleDeps } from './context';
import { createWorkspace, ensureBaseSession, retrySetup } from './create';
import { listApprovals, revokeApproval, type RepoApproval } from './repoSetup';
import { deletePreflight, deleteWorkspace, forgetWorkspace } from './delete';
import { ExitWatcher } from './exitWatcher';
import { launch, relaunchLost } from './launch';
import { readopt } from './readopt';
import { Reconciler } from './reconcile';
import { renameSession, stopSession } from './stop';
import type { CreateRequest, DeleteOptions, DeletePreflight, DeleteResult, OperationOptions, ReconcileReport } from './types';

/**
 * The one place that orders process (tmux), worktree (git) and persistence
 * (store) work, as a thin facade: each operation lives in a module of its
 * own (create, launch, stop, delete, reconcile, readopt), and they share one
 * LifecycleContext — the live view, the per-workspace guards, the clock.
 */
export class LifecycleService implements Disposable {
  private readonly ctx: LifecycleContext;
  private readonly reconciler: Reconciler;
  private readonly exitWatcher: ExitWatcher;
  private readonly disposables = new DisposableStore();
  readonly onDidChange;

  constructor(deps: LifecycleDeps) {
    const ctx = (this.ctx = new LifecycleContext(deps));
    this.reconciler = new Reconciler(ctx);
    this.exitWatcher = this.disposables.add(new ExitWatcher(ctx));
    ctx.reconcile = async () => {
      const report = await this.reconciler.reconcile();
      // A server that appeared since (the first session of a new server) gets its exit hook at once.
      this.exitWatcher.ensureWatching();
      return report;
    };
    this.onDidChange = ctx.live.onDidChange;
    this.disposables.add(ctx.live);
    this.disposables.add(deps.store.onDidChangeExternally(() => ctx.live.emitIfChanged(true)));
  }

  /**
   * First reconciliation (R1–R4), then watching for exits (S2). `listed`: a
   * tmux listing activation asked for while the database opened (issue 14).
   */
  async start(listed?: Promise<SessionListing>): Promise<ReconcileReport> {
    const report = await this.reconciler.reconcile(listed);
    this.exitWatcher.start();
    return report;
  }

  reconcile(): Promise<ReconcileReport> {
    return this.ctx.reconcile();
  }

  tmuxStatus(): Promise<TmuxProbe> {
    return this.ctx.deps.tmux.probe();
  }

  // Views.
  list(): WorkspaceView[] {
    return this.ctx.live.list();
  }

  workspace(id: string): WorkspaceView | undefined {
    return this.ctx.live.workspace(id);
  }

  targets(): { targets: LaunchTarget[]; problems: TargetProblem[] } {
    return this.ctx.targets();
  }

  changeStats(id: string): Promise<ShortStat | undefined> {
    return this.ctx.live.changeStats(id);
  }

  events(id: string): SetupEvent[] {
    return this.ctx.deps.store.events(id);
  }

  capturePane(sessionName: string, lines = 12): Promise<string> {
    return this.ctx.deps.tmux.capturePane(sessionName, lines);
  }

  /** This window's id among the windows on the socket (§8: who launched a session, who notifies). */
  get windowId(): string {
    return this.ctx.windowId;
  }

  /**
   * §8: of all windows that see one state change, exactly one gets true: the
   * first to claim it. `key` names the change (state and time).
   */
  claimNotification(sessionName: string, key: string): Promise<boolean> {
    return this.ctx.deps.tmux.claim(sessionName, key, this.ctx.windowId).catch(() => false);
  }

  /** §8: saves the scrollback of panes that changed; `force` when the window closes. */
  saveScrollback(options?: { force?: boolean }): Promise<void> {
    return this.ctx.signals.saveScrollback(options);
  }

  attachArgv(sessionName: string): { file: string; args: string[] } {
    return this.ctx.deps.tmux.attachArgv(sessionName);
  }

  attachCommandLine(sessionName: string): string {
    return this.ctx.deps.tmux.attachCommandLine(sessionName);
  }

  /** §9: the repository files whose commands the user approved (Review Repository Setup). */
  repositoryApprovals(): RepoApproval[] {
    return listApprovals(this.ctx.storageDir);
  }

  /** §9: forgets an approval; the next create asks again. */
  revokeRepositoryApproval(repoRoot: string): boolean {
    return revokeApproval(this.ctx.storageDir, repoRoot);
  }

  // Operations.
  createWorkspace(req: CreateRequest, options?: OperationOptions): Promise<WorkspaceView> {
    return createWorkspace(this.ctx, req, options);
  }

  retrySetup(id: string, options?: OperationOptions): Promise<WorkspaceView> {
    return retrySetup(this.ctx, id, options);
  }

  ensureBaseSession(id: string): Promise<string> {
    return ensureBaseSession(this.ctx, id);
  }

  launch(id: string, targetKey: string): Promise<SessionView> {
    return launch(this.ctx, id, targetKey);
  }

  relaunchLost(id: string, sessionName: string): Promise<SessionView> {
    return relaunchLost(this.ctx, id, sessionName);
  }

  stopSession(id: string, sessionName: string): Promise<void> {
    return stopSession(this.ctx, id, sessionName);
  }

  renameSession(id: string, sessionName: string, label: string): Promise<void> {
    return renameSession(this.ctx, id, sessionName, label);
  }

  deletePreflight(id: string): Promise<DeletePreflight> {
    return deletePreflight(this.ctx, id);
  }

  deleteWorkspace(id: string, options?: DeleteOptions): Promise<DeleteResult> {
    return deleteWorkspace(this.ctx, id, options);
  }

  forgetWorkspace(id: string): Promise<void> {
    return forgetWorkspace(this.ctx, id);
  }

  /**
   * SPEC §4: after the database was started afresh, no session is reaped as an
   * orphan (R3) until `readopt` has run to its end.
   */
  holdOrphansUntilReadopted(): void {
    this.ctx.orphansOnHold = true;
  }

  async readopt(candidateRepos: readonly string[]): Promise<string[]> {
    const adopted = await readopt(this.ctx, candidateRepos);
    // Only a re-adoption that ran lifts the hold: after one that failed, an unclaimed session may still be a workspace's (work kept).
    this.ctx.orphansOnHold = false;
    return adopted;
  }

  /**
   * What the surface may ask git about a repository, read-only: the prompts
   * list branches and check names through here, never through Git itself.
   */
  get repository(): RepositoryQueries {
    const git = this.ctx.deps.git;
    return {
      root: (folder) => git.repositoryRoot(folder),
      localBranches: (repo) => git.localBranches(repo),
      remoteBranches: (repo) => git.remoteBranches(repo),
      worktrees: (repo) => git.worktrees(repo),
      currentBranch: (repo) => git.currentBranch(repo),
      branchNameProblem: (repo, name) => git.branchNameProblem(repo, name),
      refExists: (repo, ref) => git.refExists(repo, ref),
      commitOf: (repo, ref) => git.commitOf(repo, ref),
      localBranchExists: (repo, branch) => git.localBranchExists(repo, branch),
    };
  }

  /** tmux is probed again (the user may have installed it, or changed its path). */
  recheckTmux(): Promise<TmuxProbe> {
    this.ctx.deps.tmux.forgetProbe();
    return this.ctx.deps.tmux.probe();
  }

  /** Names of the sessions tmux runs now, dead panes left out: one listing. */
  async runningSessionNames(): Promise<Set<string>> {
    const listing = await this.ctx.live.listNow();
    return new Set(listing.sessions.filter((s) => !s.paneDead).map((s) => s.name));
  }

  /** The database was lost while running and started afresh (SPEC §4). */
  get onDidRecoverDatabase() {
    return this.ctx.deps.store.onDidRecover;
  }

  dispose(): void {
    this.disposables.dispose();
  }

  // Finishing the work (SPEC §10): each operation lives in src/core/finish/.
  private savedList?: SavedChangesCache;

  /** The repositories the store knows (those with workspaces), for lists that span repositories. */
  knownRepositories(): string[] {
    return [...new Set(this.ctx.deps.store.workspaces().map((w) => w.repoRoot))];
  }

  reviewChanges(id: string): Promise<Review> {
    return reviewChanges(this.ctx.deps.exec, this.ctx.requireWorkspace(id));
  }

  /** Commits ahead of and behind the base, for the workspace row; undefined when unknown. */
  aheadBehind(id: string): Promise<AheadBehind | undefined> {
    const w = this.ctx.deps.store.workspace(id);
    return w && w.status === 'ready' ? aheadBehind(this.ctx.deps.exec, w).catch(() => undefined) : Promise.resolve(undefined);
  }

  /** A file's content at a commit (the left side of a review or saved-changes diff). */
  fileAtCommit(repoRoot: string, commit: string, file: string): Promise<string> {
    return fileAtCommit(this.ctx.deps.exec, repoRoot, commit, file);
  }

  mergeIntoBase(id: string, mode: MergeMode, options?: MergeOptions): Promise<MergeResult> {
    return mergeIntoBase(this.ctx, id, mode, options);
  }

  createPullRequest(id: string, options?: PullRequestOptions): Promise<PullRequestResult> {
    return createPullRequest(this.ctx, id, options);
  }

  createWorkspaceFromPullRequest(repoRoot: string, pr: unknown, options?: FromPullRequestOptions): Promise<WorkspaceView> {
    return createWorkspaceFromPullRequest(this.ctx, repoRoot, pr, options);
  }

  findLeftovers(repos: readonly string[], options?: FindLeftoversOptions): Promise<Leftover[]> {
    return findLeftovers(this.ctx, repos, options);
  }

  measureLeftovers(items: readonly Leftover[], signal?: AbortSignal): Promise<Leftover[]> {
    return measureLeftovers(this.ctx, items, signal);
  }

  async removeLeftovers(items: readonly Leftover[], options?: { force?: boolean; onProgress?: (m: string) => void }): Promise<RemoveOutcome[]> {
    try {
      return await removeLeftovers(this.ctx, items, options);
    } finally {
      this.savedList?.invalidate();
    }
  }

  adoptWorktree(repoRoot: string, worktreePath: string): Promise<WorkspaceView> {
    return adoptWorktree(this.ctx, repoRoot, worktreePath);
  }

  /** Saved changes (D5) of the given repositories and those the store knows, newest first. */
  savedChanges(repos: readonly string[] = []): Promise<SavedChange[]> {
    this.savedList ??= new SavedChangesCache(this.ctx.deps.exec, this.ctx.deps.savedChangesDir, () => this.ctx.now);
    const workspaces = this.ctx.deps.store.workspaces().map((w) => w.id).join();
    return this.savedList.list([...repos, ...this.knownRepositories()], workspaces);
  }

  savedChangeFiles(saved: SavedChange): Promise<ChangedFile[]> {
    return savedChangeFiles(this.ctx.deps.exec, saved);
  }

  findSavedChange(ref: unknown, repos: readonly string[] = []): Promise<SavedChange> {
    return findSavedChange(this.ctx, ref, [...repos, ...this.knownRepositories()]);
  }

  async restoreSavedChanges(ref: unknown, repos: readonly string[] = [], options?: OperationOptions): Promise<WorkspaceView> {
    try {
      return await restoreSavedChange(this.ctx, await this.findSavedChange(ref, repos), options);
    } finally {
      this.savedList?.invalidate();
    }
  }

  async dropSavedChanges(ref: unknown, repos: readonly string[] = []): Promise<void> {
    try {
      await dropSavedChange(this.ctx, await this.findSavedChange(ref, repos));
    } finally {
      this.savedList?.invalidate();
    }
  }
}

/** Read-only questions about a repository, for prompts and commands. */
export interface RepositoryQueries {
  root(folder: string): Promise<string>;
  localBranches(repo: string): Promise<string[]>;
  remoteBranches(repo: string): Promise<string[]>;
  worktrees(repo: string): Promise<WorktreeEntry[]>;
  currentBranch(repo: string): Promise<string | undefined>;
  branchNameProblem(repo: string, name: string): Promise<string | undefined>;
  refExists(repo: string, ref: string): Promise<boolean>;
  commitOf(repo: string, ref: string): Promise<string | undefined>;
  localBranchExists(repo: string, branch: string): Promise<boolean>;
}
