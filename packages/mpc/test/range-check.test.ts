/**
 * outOfRange: every element is judged exactly against its range (the edges, one past them, powers of two up to
 * 2^126, p - 1, random field elements), booleans by their own test, every party sees the same verdicts, and
 * the rounds do not grow with the number of elements.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOOLEAN_RANGE, field, outOfRange, runParties, share, type ValueRange, vec } from '../src/index.js';

const INT64: ValueRange = { bits: 64, signed: true };
const FIXED40: ValueRange = { bits: 40, signed: true };
const INT8: ValueRange = { bits: 8, signed: true };
const P = field.P;

/** Runs outOfRange on shares of `elements` (field elements) and returns the verdicts (the same at every party). */
async function verdicts(
  elements: readonly bigint[],
  ranges: readonly ValueRange[],
  n = 5,
  t = 2,
): Promise<{ bad: boolean[]; rounds: number }> {
  const shares = share(vec.fromBigInts(elements), n, t);
  const results = await runParties(n, t, async (party) => ({
    bad: await outOfRange(party, shares[party.id - 1]!, ranges),
    rounds: party.stats.rounds,
  }));
  for (const r of results) assert.deepEqual(r.bad, results[0]!.bad, 'every party sees the same verdicts');
  return results[0]!;
}

/** Whether a field element is outside a range, in plain arithmetic. */
function plainOutside(x: bigint, range: ValueRange): boolean {
  const k = BigInt(range.bits);
  const shifted = field.add(x, range.signed ? 1n << (k - 1n) : 0n);
  return shifted >= 1n << k;
}

function randomElement(): bigint {
  return vec.get(vec.random(1), 0);
}

describe('range check of shared values', () => {
  it('int64: accepts -2^63 .. 2^63 - 1 and refuses one past each edge, 2^j (j = 63..126), p - 1 - 2^63', async () => {
    const inside = [0n, 1n, -1n, (1n << 63n) - 1n, -(1n << 63n), 42n, -(1n << 62n)].map(field.fromSigned);
    const outside = [
      1n << 63n,
      field.fromSigned(-(1n << 63n) - 1n),
      ...Array.from({ length: 126 - 63 + 1 }, (_, i) => 1n << BigInt(63 + i)),
      P - 1n - (1n << 63n),
      (1n << 64n) - 1n,
    ];
    const { bad } = await verdicts(
      [...inside, ...outside],
      [...inside, ...outside].map(() => INT64),
    );
    assert.deepEqual(bad, [...inside.map(() => false), ...outside.map(() => true)]);
  });

  it('int64: powers of two 2^j for j = 0..126 and their negatives, judged as plain arithmetic says', async () => {
    const elements = Array.from({ length: 127 }, (_, j) => 1n << BigInt(j)).flatMap((x) => [x % P, field.neg(x % P)]);
    const { bad } = await verdicts(
      elements,
      elements.map(() => INT64),
    );
    assert.deepEqual(
      bad,
      elements.map((x) => plainOutside(x, INT64)),
    );
    assert.equal(bad.filter((b) => !b).length, 2 * 63 + 1, '2^0..2^62, their negatives, and -2^63');
  });

  it('random field elements are refused (and random in-range values accepted), mixed widths in one vector', async () => {
    const random = Array.from({ length: 20 }, randomElement);
    const inRange = Array.from({ length: 20 }, (_, i) => field.fromSigned(BigInt(i * 7919 - 70_000)));
    const elements = [...random, ...inRange, P - 1n, 127n, 128n, field.fromSigned(-128n), field.fromSigned(-129n)];
    const ranges = [
      ...random.map((_, i) => [INT64, FIXED40, INT8][i % 3]!),
      ...inRange.map((_, i) => [INT64, FIXED40][i % 2]!),
      INT64,
      INT8,
      INT8,
      INT8,
      INT8,
    ];
    const { bad } = await verdicts(elements, ranges);
    assert.deepEqual(
      bad,
      elements.map((x, i) => plainOutside(x, ranges[i]!)),
    );
    assert.ok(
      bad.slice(0, 20).every((b) => b),
      'a random field element is (overwhelmingly) out of range',
    );
    assert.deepEqual(bad.slice(40), [false, false, true, false, true]);
  });

  it('fixed point (40 bits): accepts -2^39 .. 2^39 - 1, refuses one past each edge and 2^64', async () => {
    const elements = [-(1n << 39n), (1n << 39n) - 1n, 1n << 39n, -(1n << 39n) - 1n, 1n << 64n].map(field.fromSigned);
    const { bad } = await verdicts(
      elements,
      elements.map(() => FIXED40),
    );
    assert.deepEqual(bad, [false, false, true, true, true]);
  });

  it('booleans alone: 0 and 1 pass, 2, p - 1 and random elements fail, in 4 rounds after the preprocessing', async () => {
    const elements = [0n, 1n, 2n, P - 1n, randomElement(), 1n, 0n];
    const { bad, rounds } = await verdicts(
      elements,
      elements.map(() => BOOLEAN_RANGE),
    );
    assert.deepEqual(bad, [false, false, true, true, true, false, false]);
    assert.equal(rounds, 1 + 4, 'one preprocessing round, one multiplication, one opening');
  });

  it('booleans among integers ride in the bit decomposition', async () => {
    const elements = [0n, 1n, 2n, P - 1n, 5n, 1n << 70n];
    const ranges = [BOOLEAN_RANGE, BOOLEAN_RANGE, BOOLEAN_RANGE, BOOLEAN_RANGE, INT64, INT64];
    const { bad } = await verdicts(elements, ranges);
    assert.deepEqual(bad, [false, false, true, true, false, true]);
  });

  it('works for t = 1 and t = 3 (square-root random bits), and rounds do not grow with the element count', async () => {
    for (const [n, t] of [
      [3, 1],
      [7, 3],
    ] as const) {
      const one = await verdicts([field.fromSigned(-5n)], [INT64], n, t);
      assert.deepEqual(one.bad, [false]);
      const many = Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? BigInt(i) : (1n << 64n) + BigInt(i)));
      const run = await verdicts(
        many,
        many.map(() => INT64),
        n,
        t,
      );
      assert.deepEqual(
        run.bad,
        many.map((_, i) => i % 2 === 1),
      );
      assert.equal(run.rounds, one.rounds, `(${n}, ${t})`);
    }
  });

  it('refuses a range the field cannot hold, and mismatched lengths', async () => {
    await assert.rejects(verdicts([0n], [{ bits: 90, signed: true }]), /does not fit the field/);
    await assert.rejects(verdicts([0n, 1n], [INT64]), /2 values, 1 ranges/);
    assert.deepEqual((await verdicts([], [])).bad, []);
  });
});
