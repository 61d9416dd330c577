// Which compiled test files an integration run loads; shared by the code-server
// driver and the desktop (test-electron) runner.
import path from 'node:path';
import { globFiles } from '../lib/glob.mjs';
import { projectRoot } from './ensure-host.mjs';

export const TESTS_ENTRY = path.join(projectRoot, 'out', 'test', 'vscode', 'index.js');
const DEFAULT_FILES = path.join(projectRoot, 'out', 'test', 'vscode', '**', '*.test.js');
// Screenshot scenarios only run under `npm run screenshots`.
const DEFAULT_IGNORE = [path.join(projectRoot, 'out', 'test', 'vscode', 'screenshots', '**')];

/** Where the user typed the command: under `npm run`, cwd is the project root and INIT_CWD is theirs. */
export const userCwd = () => process.env.INIT_CWD || process.cwd();

/**
 * Absolute paths of the test files: every match of `patterns` (relative to
 * `cwd`, may lie outside the project), or the default set when none is given.
 * Throws when a pattern matches nothing.
 */
export function resolveTestFiles(patterns, cwd = userCwd()) {
  const explicit = patterns.length > 0;
  const files = new Set();
  for (const pattern of explicit ? patterns : [DEFAULT_FILES]) {
    const matched = globFiles(pattern, { cwd, ignore: explicit ? [] : DEFAULT_IGNORE });
    if (!matched.length) throw new Error(`no test files match ${pattern}${explicit ? '' : ' (run `npm run build` first?)'}`);
    matched.forEach((f) => files.add(f));
  }
  return [...files];
}
