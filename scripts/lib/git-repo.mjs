// Small git repositories for the extension to work on: a one-commit workspace
// for the integration tests, a few commits and a second branch for `npm start`.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const IDENTITY = { name: 'Worktree Sessions Demo', email: 'demo@worktree-sessions.invalid' };

function git(cwd, args, env = {}) {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', ...env },
  });
  if (result.error) throw new Error(`git ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

function writeFiles(dir, files) {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/**
 * Creates a git repository at `dir` (which must not exist or be empty).
 * @param {string} dir
 * @param {{ commits: { message: string, files: Record<string, string> }[],
 *           branches?: { name: string, commits: { message: string, files: Record<string, string> }[] }[] }} layout
 *        commits go on `main`; each branch starts from the last commit of main.
 */
export function createRepo(dir, layout) {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  // A local identity, so commits made here by tests work on machines without a global one.
  git(dir, ['config', 'user.name', IDENTITY.name]);
  git(dir, ['config', 'user.email', IDENTITY.email]);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  let tick = Date.parse('2026-01-05T09:00:00Z') / 1000;
  const commit = ({ message, files }) => {
    writeFiles(dir, files);
    git(dir, ['add', '--all']);
    const date = `${tick} +0000`;
    tick += 3600;
    git(dir, ['commit', '--quiet', '--no-verify', '-m', message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  };
  layout.commits.forEach(commit);
  for (const branch of layout.branches ?? []) {
    git(dir, ['checkout', '--quiet', '-b', branch.name, 'main']);
    branch.commits.forEach(commit);
    git(dir, ['checkout', '--quiet', 'main']);
  }
  return dir;
}

/** The repository the integration tests open: one commit, so git has a HEAD. */
export function createTestWorkspace(dir) {
  return createRepo(dir, {
    commits: [{ message: 'Initial commit', files: { 'README.md': '# Test workspace\n\nOpened by the integration tests.\n' } }],
  });
}

/** A `.code-workspace` file in `dir` whose only folder is `folder`; returns its path. */
export function createWorkspaceFile(dir, folder) {
  const file = path.join(dir, 'tests.code-workspace');
  fs.writeFileSync(file, `${JSON.stringify({ folders: [{ path: folder }] }, null, 2)}\n`);
  return file;
}

/** The repository `npm start` opens when none is given. */
export function createDemoRepo(dir) {
  return createRepo(dir, {
    commits: [
      {
        message: 'Start the demo project',
        files: {
          'README.md': '# Demo project\n\nA small repository to try Worktree Sessions on.\n',
          '.gitignore': 'node_modules/\n.env\n',
          'package.json': `${JSON.stringify({ name: 'demo-project', version: '1.0.0', private: true, scripts: { start: 'node src/index.js' } }, null, 2)}\n`,
          'src/index.js': "const { greet } = require('./greet');\n\nconsole.log(greet(process.argv[2] ?? 'world'));\n",
          'src/greet.js': "exports.greet = (name) => `Hello, ${name}!`;\n",
        },
      },
      {
        message: 'Add a test for greet',
        files: { 'test/greet.test.js': "const assert = require('node:assert');\nconst { greet } = require('../src/greet');\n\nassert.strictEqual(greet('Ada'), 'Hello, Ada!');\n" },
      },
      {
        message: 'Document how to run it',
        files: { 'README.md': '# Demo project\n\nA small repository to try Worktree Sessions on.\n\n    npm start -- Ada\n' },
      },
    ],
    branches: [
      {
        name: 'feature/farewell',
        commits: [{ message: 'Say goodbye too', files: { 'src/farewell.js': "exports.farewell = (name) => `Goodbye, ${name}!`;\n" } }],
      },
    ],
  });
}
