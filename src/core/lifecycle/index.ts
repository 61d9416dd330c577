export { LifecycleService, type RepositoryQueries } from './lifecycleService';
export type { LifecycleDeps, LifecycleSeams } from './context';
export { branchFate } from './delete';
export type { BranchChoice, CreateRequest, DeleteOptions, DeletePreflight, DeleteResult, OperationOptions, ReconcileReport } from './types';
