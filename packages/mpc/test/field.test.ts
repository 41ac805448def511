import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { field, vec } from '../src/index.js';

const P = field.P;
const element = fc.oneof(
  fc.bigInt({ min: 0n, max: P - 1n }),
  fc.constantFrom(0n, 1n, 2n, P - 1n, P - 2n, 1n << 126n, (1n << 64n) - 1n, 1n << 64n, (1n << 96n) + 7n),
);
const elements = fc.array(element, { minLength: 1, maxLength: 300 });

function pairs() {
  return elements.chain((a) =>
    fc.tuple(fc.constant(a), fc.array(element, { minLength: a.length, maxLength: a.length })),
  );
}

describe('F_p vector kernels against bigint arithmetic', () => {
  it('add, sub, mul, neg', () => {
    fc.assert(
      fc.property(pairs(), ([a, b]) => {
        const va = vec.fromBigInts(a);
        const vb = vec.fromBigInts(b);
        assert.deepEqual(
          vec.toBigInts(vec.add(va, vb)),
          a.map((x, i) => (x + b[i]) % P),
        );
        assert.deepEqual(
          vec.toBigInts(vec.sub(va, vb)),
          a.map((x, i) => field.mod(x - b[i])),
        );
        assert.deepEqual(
          vec.toBigInts(vec.mul(va, vb)),
          a.map((x, i) => (x * b[i]) % P),
        );
        assert.deepEqual(
          vec.toBigInts(vec.neg(va)),
          a.map((x) => field.mod(-x)),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('works across chunk boundaries of large vectors', () => {
    const n = 10_000;
    const a = vec.random(n);
    const b = vec.random(n);
    const product = vec.mul(a, b);
    for (const i of [0, 4095, 4096, 8191, 8192, 9999])
      assert.equal(vec.get(product, i), (vec.get(a, i) * vec.get(b, i)) % P);
  });

  it('scale, square powers, inverse and the 2^125-1 power', () => {
    fc.assert(
      fc.property(elements, element, (a, c) => {
        const va = vec.fromBigInts(a);
        assert.deepEqual(
          vec.toBigInts(vec.scale(va, c)),
          a.map((x) => (x * c) % P),
        );
        assert.deepEqual(
          vec.toBigInts(vec.squareTimes(va, 3)),
          a.map((x) => field.pow(x, 8n)),
        );
        assert.deepEqual(
          vec.toBigInts(vec.pow2to125minus1(va)),
          a.map((x) => field.pow(x, (1n << 125n) - 1n)),
        );
        assert.deepEqual(
          vec.toBigInts(vec.inverse(va)),
          a.map((x) => (x === 0n ? 0n : field.inv(x))),
        );
      }),
      { numRuns: 30 },
    );
  });

  it('linear combinations with large and with small coefficients', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), (k, n, small) => {
        const inputs = Array.from({ length: k }, () => vec.random(n));
        const coeffs = Array.from({ length: k }, (_, j) =>
          small ? BigInt(j * 1_000_003 + 1) % (1n << 32n) : vec.get(vec.random(1), 0),
        );
        const got = vec.toBigInts(vec.linearCombination(coeffs, inputs));
        for (let e = 0; e < n; e++) {
          let expected = 0n;
          for (let j = 0; j < k; j++) expected += coeffs[j] * vec.get(inputs[j], e);
          assert.equal(got[e], expected % P);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('composes bits as powers of two and selects per element', () => {
    const bits = Array.from({ length: 127 }, () => vec.random(5));
    const got = vec.toBigInts(vec.composePowersOfTwo(bits));
    for (let e = 0; e < 5; e++) {
      let expected = 0n;
      for (let i = 0; i < 127; i++) expected += (1n << BigInt(i)) * vec.get(bits[i], e);
      assert.equal(got[e], expected % P);
    }
    const candidates = [vec.fromBigInts([1n, 2n, 3n]), vec.fromBigInts([4n, 5n, 6n])];
    assert.deepEqual(vec.toBigInts(vec.selectBy(candidates, new Uint8Array([1, 0, 1]))), [4n, 2n, 6n]);
    assert.throws(() => vec.selectBy(candidates, new Uint8Array([2, 0, 0])), RangeError);
  });

  it('rejects vectors of different lengths', () => {
    assert.throws(() => vec.add(vec.zeros(2), vec.zeros(3)), /lengths differ/);
    assert.throws(() => vec.zeros(-1), RangeError);
  });
});

describe('F_p scalars', () => {
  it('inverse, square roots and signed encoding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: P - 1n }), (x) => {
        assert.equal((x * field.inv(x)) % P, 1n);
        const root = field.sqrt((x * x) % P);
        assert.ok(root === x || root === P - x);
      }),
    );
    assert.throws(() => field.inv(0n), RangeError);
    assert.equal(field.sqrt(P - 1n), undefined); // -1 is not a square when p = 3 mod 4
    for (const x of [0n, 1n, -1n, -(1n << 63n), (1n << 63n) - 1n]) assert.equal(field.toSigned(field.fromSigned(x)), x);
  });
});

describe('randomness', () => {
  it('random elements are canonical and cover the whole range', () => {
    const v = vec.random(20_000);
    assert.equal(vec.firstNonCanonical(v), -1);
    // the top bit of the 127 (bit 126) is set about half the time; a generator that masked to 126 bits would fail
    let top = 0;
    for (let e = 0; e < 20_000; e++) top += (v[e * 4 + 3] >>> 30) & 1;
    assert.ok(top > 9_000 && top < 11_000, `bit 126 set ${top} times of 20000`);
  });

  it('bounded random integers stay within their bound and reach it', () => {
    for (const bits of [0, 1, 31, 32, 33, 64, 100]) {
      const v = vec.toBigInts(vec.randomBounded(2_000, bits));
      const max = v.reduce((a, b) => (a > b ? a : b), 0n);
      assert.ok(max < 1n << BigInt(bits));
      if (bits > 4) assert.ok(max >= 1n << BigInt(bits - 2), `bits=${bits}: max ${max} suspiciously small`);
    }
  });
});
