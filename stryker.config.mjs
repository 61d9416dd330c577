// Mutation testing of the core (issue 9): `npm run test:mutation`, which runs
// scripts/mutation.mjs (private tmux and temp folders, then the score per file).
// Narrow it with `npm run test:mutation -- --mutate src/core/lifecycle/delete.ts`.
// @ts-check

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  // Every core module, whatever is added later.
  mutate: ['src/core/**/*.ts'],
  testRunner: 'mocha',
  // Mutants in the text of log lines are left out of the score (scripts/lib/stryker-log-text.mjs).
  appendPlugins: ['./scripts/lib/stryker-log-text.mjs'],
  ignorers: ['log-text'],
  // The unit tier runs from esbuild bundles in out/: rebuild them from the mutated sources in
  // each sandbox. esbuild keeps Stryker's instrumentation (plain JS calls on a global), so every
  // test bundle carries the mutants, switched on at run time, and records per-test coverage.
  // scripts/mutation.mjs --build-sandbox links node_modules into the sandbox first (Stryker
  // would only after the build) and then runs scripts/build.mjs.
  buildCommand: 'node scripts/mutation.mjs --build-sandbox',
  symlinkNodeModules: false,
  mochaOptions: {
    config: '.mocharc.json',
    spec: ['out/test/unit/**/*.test.js'],
  },
  coverageAnalysis: 'perTest',
  // Two cores shared with other work, and tests that drive real tmux and git.
  concurrency: 2,
  timeoutMS: 30_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 15,
  // The sandbox needs the sources, the build script and its inputs; not old bundles or VS Code downloads.
  ignorePatterns: ['/dist', '/out', '/reports', '/.vscode-test', '/.test-runs', '/.cache', '/.demo', '/.stryker-config-*', '/docs', '/media', '*.vsix'],
  // scripts/mutation.mjs prints the score per file from the JSON report, and lists the
  // surviving mutants (`--survivors`); the HTML report shows them in their source.
  reporters: ['html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
};

export default config;
