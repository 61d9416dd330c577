#!/usr/bin/env node
// `npm run screenshots`: runs the scenario files under test/vscode/screenshots/
// (built to out/test/vscode/screenshots/) in the integration driver, on a fresh
// demo repository, and writes the pictures to docs/images/. The scenario files
// ask the driver for each picture through askDriverForScreenshot().
//
// Usage: node scripts/screenshots.mjs [--keep]   (run `npm run build` first, as the npm script does)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/processes.mjs';
import { createDemoRepo } from './lib/git-repo.mjs';
import { globFiles } from './lib/glob.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const imagesDir = path.join(root, 'docs', 'images');
const scenarios = path.join(root, 'out', 'test', 'vscode', 'screenshots', '**', '*.test.js');
// First, on the fresh repository (the welcome views need it empty); the others build on what it made.
const firstScenario = path.join(root, 'out', 'test', 'vscode', 'screenshots', 'scenario.test.js');

async function main() {
  if (!globFiles(scenarios).length) {
    console.error(`no screenshot scenarios in ${path.relative(process.cwd(), path.dirname(path.dirname(scenarios)))}; run \`npm run build\` first`);
    return 1;
  }
  fs.mkdirSync(imagesDir, { recursive: true });
  fs.mkdirSync(path.join(root, '.test-runs'), { recursive: true });
  // A repository that reads well in a picture; worktrees the scenario creates land beside it.
  const scratch = fs.mkdtempSync(path.join(root, '.test-runs', 'screenshots-'));
  const started = Date.now();
  try {
    const repo = createDemoRepo(path.join(scratch, 'demo-project'));
    const code = await run(
      process.execPath,
      [path.join(root, 'scripts', 'vscode-host', 'run-tests.mjs'), '--files', firstScenario, '--files', scenarios, '--workspace', repo, ...process.argv.slice(2)],
      { cwd: root, env: { ...process.env, WTS_SCREENSHOT_DIR: imagesDir } },
    );
    const written = fs.readdirSync(imagesDir).filter((f) => f.endsWith('.png') && fs.statSync(path.join(imagesDir, f)).mtimeMs >= started);
    console.log(`\n${written.length} picture(s) written to ${path.relative(process.cwd(), imagesDir) || imagesDir}: ${written.join(', ') || 'none'}`);
    return code;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

process.exit(await main());
