// The runner lives in process/runner.ts; this file keeps the older import path
// (and name) working while the lead settles the folder layout.
export * from './process/runner';
export { ProcessRunner as ProcessExec } from './process/runner';
