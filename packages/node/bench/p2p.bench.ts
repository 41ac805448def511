/**
 * `npm run bench -- p2p`:
 *   p2p.mul.n3 / n5   secure multiplications per second between separate node processes over libp2p on
 *                     loopback (each party one OS process, batches of 100,000), preprocessing included
 *   p2p.dht.find.p50  median ms for a node to find a provider of a fresh key in a 10-node network
 *   node.rss.idle     MB resident of a full node process (`mosaic node` against a local anvil) once idle
 */
import '../src/shim.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { share, vec } from '@mosaic/mpc';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { localNodeArgs, startNodeProcess, stepDone } from '../src/devnet/index.js';
import { startLedger } from '../src/devnet/ledger.js';
import { bootstrap } from '../src/p2p/bootstrap.js';
import { createHost, type Host } from '../src/p2p/host.js';
import { type SessionRequest, spawnWorker, toBase64, type Worker } from '../test/processes.js';

type Record = (row: { name: string; value: number; unit: string }) => void;

const BATCH = 100_000;
const ROUNDS = 5;

async function mulRate(n: number): Promise<number> {
  return (BATCH * ROUNDS) / ((await mulTime(n, BATCH, ROUNDS)) / 1000);
}

/** Milliseconds per multiplication of one element: the latency of a round trip through the committee. */
async function mulLatency(n: number): Promise<number> {
  const rounds = 200;
  return (await mulTime(n, 1, rounds)) / rounds;
}

/** The slowest party's time for `rounds` multiplications of `batch` elements among n worker processes. */
async function mulTime(n: number, batch: number, rounds: number): Promise<number> {
  const t = (n - 1) >> 1;
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < n; i++) workers.push(await spawnWorker());
    const xs = share(vec.random(batch), n, t);
    const ys = share(vec.random(batch), n, t);
    const members = workers.map((w) => ({ peerId: w.peerId, addr: w.addrs[0] }));
    const sessionId = randomBytes(32).toString('hex');
    workers.forEach((w, i) => {
      const request: SessionRequest = {
        type: 'session',
        self: i + 1,
        t,
        members,
        sessionId,
        x: toBase64(xs[i]),
        y: toBase64(ys[i]),
        warmup: 1,
        rounds,
        reveal: false,
      };
      w.send(request);
    });
    const results = await Promise.all(workers.map((w) => w.next(120_000)));
    let slowest = 0;
    for (const r of results) {
      if (r.type !== 'result') throw new Error(`worker failed: ${JSON.stringify(r)}`);
      slowest = Math.max(slowest, Number(r.ms));
      if (process.env.MOSAIC_BENCH_CPU)
        console.error(`party ms ${Number(r.ms).toFixed(0)} cpu ${Number(r.cpuMs).toFixed(0)}`);
    }
    // The parties advance in lock-step, so the slowest party's time is the committee's.
    return slowest;
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
  }
}

const DHT_NODES = 10;
const DHT_LOOKUPS = 41;

/** Median time for a node to find the provider of a key another node has just provided. */
async function dhtFindP50(): Promise<number> {
  const hosts: Host[] = [];
  try {
    for (let i = 0; i < DHT_NODES; i++) hosts.push(await createHost());
    const boot = hosts[0].getMultiaddrs()[0].toString();
    await Promise.all(hosts.slice(1).map((h) => bootstrap(h, [boot])));
    // Let every node learn the others (a self lookup fills its routing table).
    await Promise.all(
      hosts.map(async (h) => {
        for await (const _ of h.services.dht.getClosestPeers(h.peerId.toMultihash().bytes, {
          signal: AbortSignal.timeout(10_000),
        }));
      }),
    );
    const times: number[] = [];
    for (let i = 0; i < DHT_LOOKUPS; i++) {
      const provider = hosts[i % DHT_NODES];
      // Any other node (offsets 1..9 cycle), so lookups start near and far from the provider.
      const finder = hosts[(i + 1 + (i % (DHT_NODES - 1))) % DHT_NODES];
      const cid = CID.createV1(0x55, await sha256.digest(randomBytes(32)));
      await provider.contentRouting.provide(cid, { signal: AbortSignal.timeout(10_000) });
      const start = performance.now();
      for await (const found of finder.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(10_000) })) {
        if (found.id.equals(provider.peerId)) break;
      }
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  } finally {
    await Promise.allSettled(hosts.map((h) => h.stop()));
  }
}

/** Resident MB of an idle full node: all seven steps done, RPC and listener running, nothing to do. */
async function idleNodeRss(): Promise<number> {
  const ledger = await startLedger();
  const dataDir = await mkdtemp(join(tmpdir(), 'mosaic-bench-node-'));
  const node = startNodeProcess([
    ...localNodeArgs({ dataDir, chainRpc: ledger.url, deploymentFile: ledger.deploymentFile, minConnections: 0 }),
    '--log-level',
    'info',
  ]);
  try {
    await node.waitFor(stepDone('register'), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const metrics = await (await fetch(`${node.rpcUrl()}/metrics`)).text();
    const match = /^mosaic_process_resident_memory_bytes (\d+)/m.exec(metrics);
    if (!match) throw new Error('no RSS metric');
    return Number(match[1]) / 2 ** 20;
  } finally {
    await node.kill('SIGTERM');
    await ledger.stop();
  }
}

export async function run(record: Record): Promise<void> {
  record({ name: 'p2p.mul.n3', value: Math.round(await mulRate(3)), unit: 'mul/s' });
  record({ name: 'p2p.mul.n5', value: Math.round(await mulRate(5)), unit: 'mul/s' });
  record({ name: 'p2p.mul1.n5.latency', value: Math.round((await mulLatency(5)) * 100) / 100, unit: 'ms' });
  record({ name: 'p2p.dht.find.p50', value: Math.round((await dhtFindP50()) * 100) / 100, unit: 'ms' });
  record({ name: 'node.rss.idle', value: Math.round(await idleNodeRss()), unit: 'MB' });
}
