// Builds the extension bundle (dist/) and the test/bench bundles (out/) with esbuild.
// Usage: node scripts/build.mjs [--production] [--only extension]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const onlyExtension = process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'extension';

function filesUnder(dir, suffix) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  const out = [];
  for (const entry of fs.readdirSync(abs, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(suffix)) out.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  return out.sort();
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  // sql.js's UMD wrapper probes for these Node builtins; they are real in the extension host.
  external: ['vscode'],
  define: { 'process.env.WTS_BUNDLED': '"1"' },
};

await esbuild.build({
  ...common,
  entryPoints: [path.join(root, 'src/vscode/extension.ts')],
  outfile: path.join(root, 'dist/extension.js'),
  minify: production,
  metafile: false,
});
// sql.js's wasm is loaded from the extension's own folder at run time.
fs.copyFileSync(path.join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(root, 'dist/sql-wasm.wasm'));

if (!onlyExtension) {
  const entryPoints = [
    ...filesUnder('test/unit', '.ts'),
    ...filesUnder('test/vscode', '.ts'),
    ...filesUnder('test/support', '.ts'),
    ...filesUnder('bench', '.ts'),
  ];
  if (entryPoints.length) {
    await esbuild.build({
      ...common,
      entryPoints,
      outbase: root,
      outdir: path.join(root, 'out'),
      // mocha must be the runner's own instance so describe/it are the real globals.
      external: ['vscode', 'mocha'],
    });
  }
}
