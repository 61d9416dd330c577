// What the editor side needs of the finishing work: types and pure helpers.
// The operations themselves are reached through LifecycleService.
export type { ChangedFile, ChangeKind, Review, AheadBehind } from './review';
export type { MergeMode, MergeResult } from './merge';
export { MERGE_MODES } from './merge';
export type { PullRequestResult } from './pullRequest';
export type { Leftover, LeftoverKind, RemoveOutcome } from './leftovers';
export type { SavedChange } from './savedChanges';
export { looksLikePullRequest, parsePullRequest } from './remoteUrl';
