import type { Services } from './command';

/** The window's repositories and every one the store has workspaces in. */
export async function knownRepositories(s: Services): Promise<string[]> {
  return [...new Set([...(await s.repositories.current()), ...s.lifecycle.knownRepositories()])];
}
