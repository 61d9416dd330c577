#!/usr/bin/env node
// `npm run package`: a production build of the extension bundle, then
// `vsce package --no-dependencies` (esbuild already put every dependency into
// dist/extension.js) into worktree-sessions-<version>.vsix. Prints its size and
// contents, and fails if the .vsix holds anything beyond what .vscodeignore lets
// in, so a stray source map or test bundle cannot slip into a release.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// What the extension needs at run time; vsce adds its own manifest files.
const ALLOWED = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/dist\/extension\.js$/,
  /^extension\/dist\/sql-wasm\.wasm$/,
  /^extension\/media\/.+/,
  // contributes.jsonValidation points VS Code at it (§9).
  /^extension\/schemas\/worktree-sessions\.schema\.json$/,
  /^extension\/(readme|changelog)\.md$/i,
  /^extension\/LICENSE(\.txt)?$/i,
];
const REQUIRED = ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/sql-wasm.wasm', 'extension/schemas/worktree-sessions.schema.json'];

/** Entries of a zip file, from its central directory. */
function zipEntries(file) {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const size = buf.readUInt32LE(offset + 24);
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    entries.push({ name: buf.toString('utf8', offset + 46, offset + 46 + nameLength), size });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function main() {
  if (!fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
    if ((await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root })) !== 0) return 1;
  }
  const { version, name } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const doc of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
    if (!fs.existsSync(path.join(root, doc))) console.warn(`warning: ${doc} is missing; the .vsix will ship without it`);
  }

  console.log('production build of dist/extension.js');
  if ((await run(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production', '--only', 'extension'], { cwd: root })) !== 0) return 1;

  const vsix = path.join(root, `${name}-${version}.vsix`);
  fs.rmSync(vsix, { force: true });
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  // The project has no public repository yet: without these two flags vsce stops
  // to ask about the missing `repository` field, and refuses README's relative
  // image links because it cannot turn them into absolute URLs.
  const code = await run(
    process.execPath,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsix],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (code !== 0 || !fs.existsSync(vsix)) {
    console.error(`vsce package failed (exit code ${code})`);
    return 1;
  }

  const entries = zipEntries(vsix);
  console.log(`\n${path.basename(vsix)}: ${kib(fs.statSync(vsix).size)}, ${entries.length} files`);
  for (const e of entries) console.log(`  ${kib(e.size).padStart(11)}  ${e.name}`);
  const unexpected = entries.filter((e) => !e.name.endsWith('/') && !ALLOWED.some((re) => re.test(e.name)));
  const missing = REQUIRED.filter((r) => !entries.some((e) => e.name === r));
  if (unexpected.length || missing.length) {
    if (unexpected.length) console.error(`\nunexpected files in the .vsix (fix .vscodeignore): ${unexpected.map((e) => e.name).join(', ')}`);
    if (missing.length) console.error(`\nmissing from the .vsix: ${missing.join(', ')}`);
    return 1;
  }
  return 0;
}

process.exit(await main());
