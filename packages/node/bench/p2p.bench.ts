/**
 * `npm run bench -- p2p`: secure multiplications per second between separate node processes over libp2p on
 * loopback (each party one OS process, batches of 100,000), preprocessing included as in the mpc suite.
 */
import '../src/shim.js';
import { randomBytes } from 'node:crypto';
import { share, vec } from '@mosaic/mpc';
import { type SessionRequest, spawnWorker, toBase64, type Worker } from '../test/processes.js';

type Record = (row: { name: string; value: number; unit: string }) => void;

const BATCH = 100_000;
const ROUNDS = 5;

async function mulRate(n: number): Promise<number> {
  const t = (n - 1) >> 1;
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < n; i++) workers.push(await spawnWorker());
    const xs = share(vec.random(BATCH), n, t);
    const ys = share(vec.random(BATCH), n, t);
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
        rounds: ROUNDS,
        reveal: false,
      };
      w.send(request);
    });
    const results = await Promise.all(workers.map((w) => w.next(120_000)));
    let slowest = 0;
    for (const r of results) {
      if (r.type !== 'result') throw new Error(`worker failed: ${JSON.stringify(r)}`);
      slowest = Math.max(slowest, Number(r.ms));
    }
    // The parties advance in lock-step, so the slowest party's time is the committee's.
    return (BATCH * ROUNDS) / (slowest / 1000);
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
  }
}

export async function run(record: Record): Promise<void> {
  record({ name: 'p2p.mul.n3', value: Math.round(await mulRate(3)), unit: 'mul/s' });
  record({ name: 'p2p.mul.n5', value: Math.round(await mulRate(5)), unit: 'mul/s' });
}
