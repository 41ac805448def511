import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { field, InconsistentSharesError, reconstruct, share, vec } from '../src/index.js';

const committee = fc
  .integer({ min: 1, max: 11 })
  .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));

describe('Shamir sharing', () => {
  it('any degree+1 shares reconstruct the secrets', () => {
    fc.assert(
      fc.property(
        committee,
        fc.array(fc.bigInt({ min: 0n, max: field.P - 1n }), { minLength: 1, maxLength: 20 }),
        fc.nat(),
        ([n, t], secrets, seed) => {
          const shares = share(vec.fromBigInts(secrets), n, t);
          assert.equal(shares.length, n);
          // a pseudo-random subset of t+1 points
          const points = Array.from({ length: n }, (_, i) => i + 1).sort(
            (a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101),
          );
          const chosen = points.slice(0, t + 1);
          const value = reconstruct(
            chosen,
            chosen.map((p) => shares[p - 1]),
            t,
          );
          assert.deepEqual(vec.toBigInts(value), secrets);
          // all n shares: consistent, same result
          const all = Array.from({ length: n }, (_, i) => i + 1);
          assert.deepEqual(vec.toBigInts(reconstruct(all, shares, t)), secrets);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('names the share that is off the polynomial', () => {
    const n = 7;
    const t = 2;
    const shares = share(vec.fromBigInts([5n, 6n, 7n]), n, t);
    shares[5] = vec.add(shares[5], vec.fromBigInts([0n, 1n, 0n]));
    const all = Array.from({ length: n }, (_, i) => i + 1);
    assert.throws(
      () => reconstruct(all, shares, t),
      (e: unknown) => e instanceof InconsistentSharesError && e.points.includes(6) && e.element === 1,
    );
  });

  it('rejects impossible parameters', () => {
    assert.throws(() => share(vec.zeros(1), 3, 3), RangeError);
    assert.throws(() => reconstruct([1], [vec.zeros(1)], 1), RangeError);
    assert.throws(() => reconstruct([1, 1], [vec.zeros(1), vec.zeros(1)], 1), RangeError);
  });
});

/**
 * Privacy: the joint distribution of t parties' shares must not depend on the secret. The test bins the low
 * 4 bits of each of the t = 2 shares (256 bins), for two very different secrets, and applies a chi-square
 * test against uniform and between the two. A sharing that leaked (e.g. a zero coefficient, or coefficients
 * drawn from a small range) fails it.
 */
describe('Shamir privacy (statistical)', () => {
  const SAMPLES = 25_600;
  // chi-square with 255 degrees of freedom: P(X > 400) is about 1e-8
  const CRITICAL = 400;

  function histogram(secret: bigint, sharer: (s: vec.FieldVector) => vec.FieldVector[]): number[] {
    const bins = new Array(256).fill(0);
    const secrets = vec.filled(SAMPLES, secret);
    const shares = sharer(secrets);
    for (let e = 0; e < SAMPLES; e++) bins[((shares[0][e * 4] & 15) << 4) | (shares[1][e * 4] & 15)]++;
    return bins;
  }

  function chiSquareUniform(bins: number[]): number {
    const expected = SAMPLES / bins.length;
    return bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
  }

  function chiSquareTwoSample(a: number[], b: number[]): number {
    return a.reduce((s, x, i) => (x + b[i] === 0 ? s : s + (x - b[i]) ** 2 / (x + b[i])), 0);
  }

  it('t shares of one secret and of another are identically distributed', () => {
    const sharer = (s: vec.FieldVector) => share(s, 5, 2);
    const zero = histogram(0n, sharer);
    const other = histogram(field.P - 12345n, sharer);
    assert.ok(chiSquareUniform(zero) < CRITICAL, `secret 0: chi2 ${chiSquareUniform(zero)}`);
    assert.ok(chiSquareUniform(other) < CRITICAL, `other secret: chi2 ${chiSquareUniform(other)}`);
    assert.ok(chiSquareTwoSample(zero, other) < CRITICAL);
  });

  it('the same test catches a broken sharing', () => {
    // a "sharing" whose highest coefficient is always zero leaks through two shares of a degree-2 scheme
    const broken = (s: vec.FieldVector) => {
      const a1 = vec.randomBounded(vec.size(s), 3);
      return [1n, 2n].map((x) => vec.add(s, vec.scale(a1, x)));
    };
    const zero = histogram(0n, broken);
    assert.ok(chiSquareUniform(zero) > CRITICAL);
  });
});
