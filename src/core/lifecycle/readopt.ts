import type { SessionListing } from '../tmuxParse';
import type { LifecycleContext } from './context';
import { readMarker } from './marker';

/**
 * SPEC §4, after a lost database: rebuilds rows for worktrees and sessions
 * provably ours — a worktree whose private git folder holds our marker, found
 * through our base sessions' @wts_worktree and the given repositories'
 * worktree lists.
 */
export async function readopt(ctx: LifecycleContext, candidateRepos: readonly string[]): Promise<string[]> {
  const { git, tmux, store, logger } = ctx.deps;
  let listing: SessionListing = { serverRunning: false, sessions: [] };
  try {
    listing = await tmux.list();
  } catch { /* tmux absent: worktrees can still be adopted */ }
  const worktreePaths = new Set<string>();
  for (const s of listing.sessions) if (s.owner === tmux.ownerId && s.worktree) worktreePaths.add(s.worktree);
  for (const repo of candidateRepos) {
    try {
      for (const e of await git.worktrees(repo)) worktreePaths.add(e.path);
    } catch { /* not a repository any more */ }
  }
  const adopted: string[] = [];
  for (const wt of worktreePaths) {
    const marker = readMarker(wt);
    if (!marker || marker.ownerId !== tmux.ownerId) continue;
    const sessions = listing.sessions.filter((s) => s.owner === tmux.ownerId && s.name.startsWith(`wts-${marker.id}-`) && s.createdStamp !== undefined);
    const did = await store.write((tx) => {
      if (tx.workspace(marker.id) || tx.workspaceByBranch(marker.repoRoot, marker.branch)) return false;
      tx.insertWorkspace({
        id: marker.id, repoRoot: marker.repoRoot, worktreePath: wt, branch: marker.branch, baseRef: marker.baseRef,
        createdBranch: marker.createdBranch, baseSession: `wts-${marker.id}`, status: 'ready', createdAt: marker.createdAt, updatedAt: ctx.now,
      });
      for (const s of sessions) {
        const key = s.name.slice(`wts-${marker.id}-`.length).replace(/-\d+$/, '');
        tx.upsertSession({ name: s.name, workspaceId: marker.id, targetKey: key, label: key, command: [], createdAt: s.createdStamp!, lost: false });
      }
      return true;
    });
    if (did) {
      adopted.push(marker.id);
      logger.info(`Re-adopted workspace ${marker.branch} (${marker.id}) at ${wt} with ${sessions.length} session(s).`);
    }
  }
  if (adopted.length) await ctx.reconcile();
  return adopted;
}
