/**
 * `npm run bench -- mpc`: the MPC engine's figures. All parties run in this one process on the in-memory
 * transport, so the secure-operation rates are the whole committee's work on one core, not one party's.
 */
import {
  BOOLEAN_RANGE,
  type FieldVector,
  lessThan,
  MemoryNetwork,
  mul,
  outOfRange,
  Party,
  runParties,
  share,
  vec,
} from '../src/index.js';
import { equals } from '../src/protocols/compare.js';
import { fixedMul } from '../src/protocols/fixed-point.js';

type Record = (row: { name: string; value: number; unit: string }) => void;

const MIN_SECONDS = 1.5;

/** Runs `fn` until MIN_SECONDS have passed (after one warm-up call) and returns calls per second. */
async function rate(fn: () => Promise<unknown> | unknown, minSeconds = MIN_SECONDS): Promise<number> {
  await fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await fn();
    calls++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < minSeconds);
  return calls / elapsed;
}

function sharedInputs(n: number, t: number, count: number): FieldVector[][] {
  return [share(vec.random(count), n, t), share(vec.random(count), n, t)];
}

function signed64(count: number): FieldVector {
  const raw = new BigInt64Array(count);
  for (let at = 0; at < count; at += 8192) crypto.getRandomValues(raw.subarray(at, at + 8192));
  return vec.fromBigInts([...raw]);
}

async function committeeRate(
  n: number,
  count: number,
  op: (party: Party, x: FieldVector, y: FieldVector) => Promise<FieldVector>,
  inputs: FieldVector[][] = sharedInputs(n, (n - 1) >> 1, count),
  minSeconds = MIN_SECONDS,
): Promise<number> {
  const t = (n - 1) >> 1;
  const [xs, ys] = inputs;
  const perSecond = await rate(
    () => runParties(n, t, (party) => op(party, xs[party.id - 1], ys[party.id - 1])),
    minSeconds,
  );
  return perSecond * count;
}

async function bytesPerMultiplication(n: number, count: number): Promise<number> {
  const t = (n - 1) >> 1;
  const [xs, ys] = sharedInputs(n, t, count);
  const network = new MemoryNetwork(n);
  const parties = network.transports().map((transport) => new Party({ transport, t }));
  await Promise.all(parties.map((p) => mul(p, xs[p.id - 1], ys[p.id - 1])));
  network.close();
  const total = parties.reduce((s, p) => s + p.stats.bytesSent, 0);
  return total / n / count;
}

export async function run(record: Record): Promise<void> {
  {
    const n = 1 << 16;
    const a = vec.random(n);
    const b = vec.random(n);
    const out = vec.zeros(n);
    record({ name: 'mpc.field.mul', value: Math.round((await rate(() => vec.mulInto(out, a, b))) * n), unit: 'ops/s' });
    record({ name: 'mpc.field.add', value: Math.round((await rate(() => vec.addInto(out, a, b))) * n), unit: 'ops/s' });
  }
  for (const n of [3, 5, 7]) {
    record({ name: `mpc.mul.n${n}`, value: Math.round(await committeeRate(n, 100_000, mul)), unit: 'mul/s' });
  }
  record({
    name: 'mpc.mul.n61',
    value: Math.round(await committeeRate(61, 100_000, mul, undefined, 3)),
    unit: 'mul/s',
  });
  for (const n of [3, 5, 7, 9, 11]) {
    record({
      name: `mpc.mul.bytesPerParty.n${n}`,
      value: Number((await bytesPerMultiplication(n, 100_000)).toFixed(1)),
      unit: 'bytes',
    });
  }
  {
    const count = 10_000;
    const inputs = [share(signed64(count), 3, 1), share(signed64(count), 3, 1)];
    record({ name: 'mpc.lt64.n3', value: Math.round(await committeeRate(3, count, lessThan, inputs)), unit: 'cmp/s' });
    record({ name: 'mpc.eq64.n3', value: Math.round(await committeeRate(3, count, equals, inputs)), unit: 'eq/s' });
    // the input check of int64 values (bit decomposition), and of booleans alone (b (b - 1) s)
    const int64 = Array.from({ length: count }, () => ({ bits: 64, signed: true }));
    record({
      name: 'mpc.range64.n3',
      value: Math.round(await committeeRate(3, count, (p, x) => outOfRange(p, x, int64).then(() => x), inputs)),
      unit: 'checks/s',
    });
    const bits = [share(vec.fromBigInts(Array.from({ length: count }, (_, i) => BigInt(i & 1))), 3, 1)];
    const booleans = Array.from({ length: count }, () => BOOLEAN_RANGE);
    record({
      name: 'mpc.rangeBool.n3',
      value: Math.round(
        await committeeRate(3, count, (p, x) => outOfRange(p, x, booleans).then(() => x), [bits[0]!, bits[0]!]),
      ),
      unit: 'checks/s',
    });
  }
  {
    const count = 50_000;
    const bound = 1n << 30n;
    const fixed = () =>
      vec.fromBigInts(Array.from({ length: count }, (_, i) => ((BigInt(i) * 7919n) % bound) - bound / 2n));
    const inputs = [share(fixed(), 3, 1), share(fixed(), 3, 1)];
    record({
      name: 'mpc.fixmul.n3',
      value: Math.round(await committeeRate(3, count, (p, x, y) => fixedMul(p, x, y), inputs)),
      unit: 'fixmul/s',
    });
  }
}
