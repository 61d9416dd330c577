// Child process for the two-writer store test: `node storeChild.js <dir> <tag> <count> <goFile>`.
import fs from 'node:fs';
import { OwnershipStore } from '../../src/core/store';
import { silentLogger } from '../../src/core/log';
import { wasmPath } from './fixtures';

async function main() {
  const [dir, tag, countText, goFile] = process.argv.slice(2);
  const count = Number(countText);
  const { store } = await OwnershipStore.open(dir, { wasmPath, logger: silentLogger, watch: false });
  while (!fs.existsSync(goFile)) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < count; i++) {
    const name = `wts-${tag}-${i}`;
    await store.write((tx) => tx.upsertSession({ name, workspaceId: 'ws', targetKey: 'shell', label: 'Shell', command: ['sh'], createdAt: Date.now(), lost: false }));
    // Every third launch is stopped again: interleaved launches and stops.
    if (i % 3 === 0) await store.write((tx) => tx.deleteSession(name));
  }
  store.dispose();
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
