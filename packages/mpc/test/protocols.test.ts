import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_FIXED,
  decodeFixed,
  encodeFixed,
  equals,
  type FieldVector,
  field,
  fixedMul,
  greaterOrEqual,
  greaterThan,
  lessOrEqual,
  lessThan,
  MemoryNetwork,
  mul,
  open,
  openTo,
  Party,
  randomBits,
  reshare,
  runParties,
  select,
  share,
  truncate,
  vec,
} from '../src/index.js';
import { squareRootBits } from '../src/protocols/randomness.js';
import { decode, INT64_EDGES, INT64_MAX, INT64_MIN, shareValues, thresholdFor } from './helpers.js';

const int64 = fc.bigInt({ min: INT64_MIN, max: INT64_MAX });
const committeeSize = fc.integer({ min: 3, max: 11 });

/** Runs `program` on shares of xs and ys in a committee of n and returns what party 1 opened. */
async function run2(
  n: number,
  xs: readonly bigint[],
  ys: readonly bigint[],
  program: (party: Party, x: FieldVector, y: FieldVector) => Promise<FieldVector>,
  t = thresholdFor(n),
): Promise<bigint[]> {
  const X = shareValues(xs, n, t);
  const Y = shareValues(ys, n, t);
  const opened = await runParties(n, t, async (party) =>
    open(party, await program(party, X[party.id - 1], Y[party.id - 1])),
  );
  for (const o of opened) assert.deepEqual(o, opened[0], 'every party opens the same values');
  return decode(opened[0]);
}

function withEdges(values: bigint[]): bigint[] {
  return [...INT64_EDGES, ...values];
}

describe('secure multiplication', () => {
  it('matches the plaintext product for every committee size 3..11', async () => {
    await fc.assert(
      fc.asyncProperty(committeeSize, fc.array(int64, { minLength: 1, maxLength: 40 }), async (n, values) => {
        const xs = withEdges(values);
        const ys = [...xs].reverse();
        const got = await run2(n, xs, ys, mul);
        assert.deepEqual(
          got,
          xs.map((x, i) => field.toSigned(field.mod(x * ys[i]))),
        );
      }),
      { numRuns: 18 },
    );
  });

  it('multiplies large batches across several kings and chunks', async () => {
    const count = 9_001;
    const a = vec.random(count);
    const b = vec.random(count);
    const A = share(a, 5, 2);
    const B = share(b, 5, 2);
    const opened = await runParties(5, 2, async (p) => open(p, await mul(p, A[p.id - 1], B[p.id - 1])));
    assert.ok(vec.equal(opened[0], vec.mul(a, b)));
  });

  it('sends a constant number of bytes per multiplication whatever n (linear communication)', async () => {
    const perParty: number[] = [];
    for (const n of [3, 7, 11]) {
      const t = thresholdFor(n);
      const network = new MemoryNetwork(n);
      const parties = network.transports().map((transport) => new Party({ transport, t }));
      const [X, Y] = [share(vec.random(3000), n, t), share(vec.random(3000), n, t)];
      await Promise.all(parties.map((p) => mul(p, X[p.id - 1], Y[p.id - 1])));
      network.close();
      perParty.push(parties.reduce((s, p) => s + p.stats.bytesSent, 0) / n / 3000);
    }
    assert.ok(perParty[2] / perParty[0] <= 2, `bytes per party per multiplication: ${perParty.join(', ')}`);
  });
});

describe('opening', () => {
  it('opens to one party only', async () => {
    const X = shareValues([42n, -7n], 5, 2);
    const results = await runParties(5, 2, (p) => openTo(p, X[p.id - 1], 4));
    assert.deepEqual(decode(results[3]!), [42n, -7n]);
    for (const id of [1, 2, 3, 5]) assert.equal(results[id - 1], undefined);
  });
});

describe('comparison and equality of signed 64-bit integers', () => {
  it('<, <=, >, >=, == match plaintext, including the 64-bit extremes', async () => {
    await fc.assert(
      fc.asyncProperty(committeeSize, fc.array(int64, { minLength: 1, maxLength: 12 }), async (n, values) => {
        const xs = withEdges(values);
        // pair each value with a neighbour, itself, and the extremes, so that equal and adjacent pairs occur
        const ys = xs.map((x, i) => [xs[(i + 1) % xs.length], x, x + 1n <= INT64_MAX ? x + 1n : x][i % 3]);
        const [lt, le, gt, ge, eq] = await runParties(n, thresholdFor(n), async (p) => {
          const X = sharesOf(p, xs, 'x');
          const Y = sharesOf(p, ys, 'y');
          const out: bigint[][] = [];
          for (const op of [lessThan, lessOrEqual, greaterThan, greaterOrEqual, equals]) {
            out.push(decode(await open(p, await op(p, X, Y))));
          }
          return out;
        }).then((all) => all[0]);
        const b = (c: boolean) => (c ? 1n : 0n);
        assert.deepEqual(
          lt,
          xs.map((x, i) => b(x < ys[i])),
        );
        assert.deepEqual(
          le,
          xs.map((x, i) => b(x <= ys[i])),
        );
        assert.deepEqual(
          gt,
          xs.map((x, i) => b(x > ys[i])),
        );
        assert.deepEqual(
          ge,
          xs.map((x, i) => b(x >= ys[i])),
        );
        assert.deepEqual(
          eq,
          xs.map((x, i) => b(x === ys[i])),
        );
      }),
      { numRuns: 9 },
    );
  });
});

// Shares made once per input list and committee, so that every party gets shares of the same polynomial.
const shareCache = new Map<string, FieldVector[]>();
function sharesOf(p: Party, values: readonly bigint[], tag: string): FieldVector {
  const key = `${tag}:${p.n}:${values.join(',')}`;
  let shares = shareCache.get(key);
  if (!shares) {
    shares = shareValues(values, p.n, p.t);
    shareCache.set(key, shares);
  }
  return shares[p.id - 1];
}

describe('random bits', () => {
  for (const [name, n, t, maker] of [
    ['XOR of dealt bits (t = 1)', 3, 1, randomBits],
    ['XOR of dealt bits (t = 2)', 5, 2, randomBits],
    ['square-root trick (t = 3)', 7, 3, squareRootBits],
    ['square-root trick (t = 1)', 3, 1, squareRootBits],
  ] as const) {
    it(`${name}: values are bits, about half of them ones`, async () => {
      const opened = await runParties(n, t, async (p) => open(p, await maker(p, 4_000)));
      const bits = vec.toBigInts(opened[0]);
      assert.ok(bits.every((b) => b === 0n || b === 1n));
      const ones = bits.filter((b) => b === 1n).length;
      assert.ok(ones > 1_800 && ones < 2_200, `${ones} ones in 4000`);
    });
  }
});

describe('fixed point', () => {
  const real = fc.double({ min: -1_000, max: 1_000, noNaN: true });
  it('multiplies with truncation error below 2^-16 (one unit in the last place)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 7 }),
        fc.array(fc.tuple(real, real), { minLength: 1, maxLength: 20 }),
        async (n, pairs) => {
          const xs = pairs.map(([x]) => encodeFixed(x));
          const ys = pairs.map(([, y]) => encodeFixed(y));
          const got = await run2(n, xs, ys, (p, x, y) => fixedMul(p, x, y));
          got.forEach((z, i) => {
            const exact = Number(xs[i] * ys[i]) / 2 ** (2 * DEFAULT_FIXED.f);
            const error = decodeFixed(z) - exact;
            assert.ok(error > -(2 ** -16) - 1e-9 && error < 2 ** -16 + 1e-9, `${exact} got ${decodeFixed(z)}`);
          });
        },
      ),
      { numRuns: 12 },
    );
  });

  it('truncation rounds to floor or floor + 1', async () => {
    const values = [0n, 1n, -1n, 65_535n, 65_536n, -65_537n, (1n << 50n) + 12345n, -(1n << 50n)];
    const got = await run2(5, values, values, (p, x) => truncate(p, x, 60, 16));
    got.forEach((z, i) => {
      const floor = values[i] >> 16n;
      assert.ok(z === floor || z === floor + 1n, `${values[i]} >> 16 gave ${z}`);
    });
  });

  it('encodes and refuses values outside the range', () => {
    assert.equal(encodeFixed(1.5), 98_304n);
    assert.equal(decodeFixed(-98_304n), -1.5);
    assert.throws(() => encodeFixed(2 ** 24), RangeError);
    assert.throws(() => encodeFixed(Number.NaN), RangeError);
  });
});

describe('select', () => {
  it('picks x where the bit is 1 and y where it is 0', async () => {
    const xs = [1n, 2n, 3n, INT64_MIN];
    const ys = [-1n, -2n, -3n, INT64_MAX];
    const C = shareValues([1n, 0n, 1n, 0n], 5, 2);
    const got = await run2(5, xs, ys, (p, x, y) => select(p, C[p.id - 1], x, y));
    assert.deepEqual(got, [1n, -2n, 3n, INT64_MAX]);
  });
});

describe('resharing', () => {
  for (const [nOld, tOld, nNew, tNew, overlap] of [
    [3, 1, 5, 2, 0],
    [5, 2, 3, 1, 0],
    [5, 2, 7, 3, 2],
    [7, 3, 7, 3, 7],
  ]) {
    it(`(${nOld}, ${tOld}) -> (${nNew}, ${tNew}) with ${overlap} members in both`, async () => {
      const secrets = [7n, -3n, INT64_MAX, 0n];
      const oldShares = shareValues(secrets, nOld, tOld);
      const total = nOld + nNew - overlap;
      const from = Array.from({ length: nOld }, (_, i) => i + 1);
      const to = Array.from({ length: nNew }, (_, i) => nOld - overlap + i + 1);
      const network = new MemoryNetwork(total);
      const results = await Promise.all(
        network.transports().map((transport) => {
          const party = new Party({ transport, t: 0 });
          const index = from.indexOf(party.id);
          return reshare(
            party,
            { from, tFrom: tOld, to, tTo: tNew },
            secrets.length,
            index >= 0 ? oldShares[index] : undefined,
          );
        }),
      );
      network.close();
      const newShares = to.map((id) => results[id - 1]!);
      const points = to.map((_, i) => i + 1);
      // all n' new shares lie on one polynomial of degree t' (reconstruct checks) with the old secrets
      const { reconstruct } = await import('../src/index.js');
      assert.deepEqual(decode(reconstruct(points, newShares, tNew)), secrets);
      // and t' + 1 of them suffice
      assert.deepEqual(decode(reconstruct(points.slice(-tNew - 1), newShares.slice(-tNew - 1), tNew)), secrets);
      for (const id of from) if (!to.includes(id)) assert.equal(results[id - 1], undefined);
    });
  }

  it('any t + 1 old members can send (the others hold nothing)', async () => {
    const secrets = [42n, -1n];
    const [nOld, tOld, nNew, tNew] = [5, 2, 3, 1];
    const oldShares = shareValues(secrets, nOld, tOld);
    const from = [1, 2, 3, 4, 5];
    const to = [6, 7, 8];
    const senders = [2, 4, 5];
    const network = new MemoryNetwork(nOld + nNew);
    const results = await Promise.all(
      network.transports().map((transport) => {
        const party = new Party({ transport, t: 0 });
        const holds = senders.includes(party.id);
        return reshare(
          party,
          { from, tFrom: tOld, to, tTo: tNew, senders },
          secrets.length,
          holds ? oldShares[party.id - 1] : undefined,
        );
      }),
    );
    network.close();
    const { reconstruct } = await import('../src/index.js');
    assert.deepEqual(
      decode(
        reconstruct(
          [1, 2, 3],
          to.map((id) => results[id - 1]!),
          tNew,
        ),
      ),
      secrets,
    );
    await assert.rejects(
      reshare(
        new Party({ transport: new MemoryNetwork(8).transports()[0]!, t: 0 }),
        { from, tFrom: tOld, to, tTo: tNew, senders: [1, 2] },
        2,
      ),
      /senders must be 3 distinct old members/,
    );
  });
});
