/**
 * `npm run bench -- storage`: five `mosaic node` processes (real libp2p on loopback) on a real anvil chain, the
 * client SDK storing 10 MB of random bytes with the default storage committee (5, 2) and loading it back.
 *   storage.store.mbps  MB/s from store() to every member's acknowledgement of every segment (on-chain record,
 *                       fee deposit, sharing, sealing, forwarding, checks, encryption at rest included)
 *   storage.load.mbps   MB/s from load() to the verified data (signed request, every member's checks and
 *                       sealed answer, consistency check of all five shares, SHA-256 pointer check)
 *   storage.overhead    bytes held at rest across the five nodes per byte of data (read from their stores)
 * The client runs in this process with node:crypto's X25519 and ChaCha20-Poly1305 (`nodeX25519`, `nodeAead`, as
 * the CLI does); the defaults (Web Crypto's X25519, the @noble AEAD) are measured too (storage.*.mbps.noble), as a
 * browser would run them.
 */
import '../src/shim.js';
import { randomBytes } from 'node:crypto';
import { MosaicClient, nobleAead, type X25519Provider, type XChaChaAead } from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { nodeAead, nodeX25519 } from '../src/crypto/node-crypto.js';
import { Store } from '../src/db/store.js';
import { startLocalNetwork } from '../src/devnet/network.js';
import { loadOrCreateKeys } from '../src/keys/keystore.js';
import { ShareStore } from '../src/storage/share-store.js';

type Record = (row: { name: string; value: number; unit: string }) => void;

const SIZE = 10 * 1000 * 1000;
const MB = 1e6;

export async function run(record: Record): Promise<void> {
  const net = await startLocalNetwork({ count: 5 });
  const { ledger, nodes } = net;
  try {
    await ledger.advanceEpoch();
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 3 });
    await ledger.fundMos(account.address);
    const connect = (crypto: { x25519?: X25519Provider; aead: XChaChaAead }) =>
      MosaicClient.connect({
        chain: { rpcUrl: ledger.url, account: bytesToHex(account.getHdKey().privateKey!) },
        addresses: ledger.addresses,
        node: nodes[0]!.rpcUrl(),
        ...crypto,
      });
    const client = await connect({ x25519: nodeX25519, aead: nodeAead });
    // Warm-up (JIT, connections, the fee deposit's approval, the nodes' heaps): 2 MB, several batches of segments
    // through the same paths as the measured runs. With 500 KB only, the first 10 MB store measured the nodes'
    // warm-up too (it ran at about half the speed of the second, @noble, one).
    const warm = await client.data.store(new Uint8Array(randomBytes(2_000_000)), { dataType: 1, concurrency: 6 });
    await client.data.load(warm.pointer, { concurrency: 6 });

    const data = new Uint8Array(randomBytes(SIZE));
    // MOSAIC_BENCH_STAGES=1: marks the store's and the load's windows on stderr (to account CPU per process over it).
    const stage = (what: string) =>
      process.env.MOSAIC_BENCH_STAGES &&
      console.error(`${what} window (storage) at ${process.hrtime.bigint() / 1000n} µs`);
    stage('store starts');
    let start = performance.now();
    const stored = await client.data.store(data, { dataType: 1, concurrency: 6 });
    const storeSeconds = (performance.now() - start) / 1000;
    stage('store ends');
    record({ name: 'storage.store.mbps', value: SIZE / MB / storeSeconds, unit: 'MB/s to store 10 MB, (5, 2)' });

    stage('load starts');
    start = performance.now();
    const loaded = await client.data.load(stored.pointer, { concurrency: 6 });
    const loadSeconds = (performance.now() - start) / 1000;
    stage('load ends');
    if (loaded.data.encoding !== 'bytes' || Buffer.compare(loaded.data.value, data) !== 0) {
      throw new Error('loaded data differs');
    }
    record({ name: 'storage.load.mbps', value: SIZE / MB / loadSeconds, unit: 'MB/s to load it back, verified' });

    const noble = await connect({ aead: nobleAead });
    start = performance.now();
    const viaNoble = await noble.data.store(data, { dataType: 1, concurrency: 6 });
    record({
      name: 'storage.store.mbps.noble',
      value: SIZE / MB / ((performance.now() - start) / 1000),
      unit: 'MB/s, client X25519 Web Crypto, AEAD @noble (browser)',
    });
    start = performance.now();
    await noble.data.load(viaNoble.pointer, { concurrency: 6 });
    record({
      name: 'storage.load.mbps.noble',
      value: SIZE / MB / ((performance.now() - start) / 1000),
      unit: 'MB/s, client X25519 Web Crypto, AEAD @noble (browser)',
    });

    // Bytes at rest for the 10 MB data set: stop the nodes, read each store.
    await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
    let held = 0;
    for (const dir of net.dataDirs) {
      const { keys } = await loadOrCreateKeys(dir, {});
      const store = await Store.open(`${dir}/store`);
      try {
        const shares = new ShareStore(store, keys.x25519SecretKey);
        for await (const [, value] of shares.records.entries({ prefix: `${stored.pointer.toLowerCase()}:` })) {
          held += value.length;
        }
      } finally {
        await store.close();
      }
    }
    record({ name: 'storage.overhead', value: held / SIZE, unit: 'bytes at rest across the network per byte (n = 5)' });
  } finally {
    await net.stop();
  }
}
