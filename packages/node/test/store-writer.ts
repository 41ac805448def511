/** Writes batches to a store forever, printing each one's number once acknowledged (for the kill -9 test). */
import { Store } from '../src/db/store.js';

const store = await Store.open(process.argv[2]);
for (let n = 0; ; n++) {
  const share = new Uint8Array(1024).fill(n & 255);
  await store
    .batch()
    .put(store.shares, `share:${n}`, share)
    .put(store.tasks, `task:${n}`, { n, state: 'stored' })
    .write();
  process.stdout.write(`${n}\n`);
}
