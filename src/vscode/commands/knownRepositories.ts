import type { ReadyServices } from './command';

/** The window's repositories and every one the store has workspaces in. */
export async function knownRepositories(s: ReadyServices): Promise<string[]> {
  return [...new Set([...(await s.repositories.current()), ...s.lifecycle.knownRepositories()])];
}
