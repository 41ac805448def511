/**
 * A chain listener in its own process (for the kill/restart test): records every delivered event in the
 * store, in the event's own batch, with a running count; prints {delivered, height} after each range.
 */
import { createPublicClient, http, type PublicClient } from 'viem';
import { ChainListener } from '../src/chain/listener.js';
import { Store } from '../src/db/store.js';

const [url, addressesJson, dir] = process.argv.slice(2);
const store = await Store.open(dir);
const listener = new ChainListener({
  client: createPublicClient({ transport: http(url) }) as PublicClient,
  addresses: JSON.parse(addressesJson),
  store,
  fromBlock: 0n,
  confirmations: 0,
  pollIntervalMs: 20,
  // Small ranges: a kill lands between ranges and inside them.
  maxBlockRange: 3,
});
listener.onAny(async (event, batch) => {
  const count = ((await store.meta.get('count')) as number | undefined) ?? 0;
  batch.put(store.tasks, `event:${event.blockNumber}:${event.logIndex}`, event.eventName);
  batch.put(store.meta, 'count', count + 1);
});
listener.onAny(() => {
  process.stdout.write(`${JSON.stringify({ delivered: listener.delivered + 1 })}\n`);
});
await listener.start();
setInterval(() => {
  process.stdout.write(`${JSON.stringify({ height: String(listener.height) })}\n`);
}, 50);
