// Seeded sharing (docs/storage.md, "Seeded shares"): members 1..t's shares expand from 32-byte seeds, the others
// are interpolated; every t + 1 of the shares give back the secret, and the keystream is the same whichever
// XChaCha implementation expands it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconstruct, vec } from '@mosaic/mpc';
import { expandShareSeed, FormatError, nobleAead, SHARE_SEED_BYTES, shareSeeded } from '../src/index.js';

describe('seeded shares', () => {
  for (const [n, t] of [
    [3, 1],
    [5, 2],
    [7, 3],
  ] as const) {
    it(`(${n}, ${t}): seeds expand to shares 1..t and any t + 1 shares reconstruct`, () => {
      const secrets = vec.random(100);
      const { seeds, shares } = shareSeeded(secrets, n, t);
      assert.equal(seeds.length, t);
      assert.equal(shares.length, n);
      for (const [i, seed] of seeds.entries()) {
        assert.equal(seed.length, SHARE_SEED_BYTES);
        assert.ok(vec.equal(expandShareSeed(seed, 100), shares[i]!));
      }
      for (let start = 0; start + t + 1 <= n; start++) {
        const points = Array.from({ length: t + 1 }, (_, k) => start + k + 1);
        const got = reconstruct(
          points,
          points.map((p) => shares[p - 1]!),
          t,
        );
        assert.ok(vec.equal(got, secrets));
      }
      // All n lie on one polynomial of degree t.
      assert.ok(
        vec.equal(
          reconstruct(
            Array.from({ length: n }, (_, k) => k + 1),
            shares,
            t,
          ),
          secrets,
        ),
      );
    });
  }

  it('expands the same with @noble’s stream cipher and with an AEAD (ciphertext of zeros); canonical elements', () => {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const a = expandShareSeed(seed, 1000);
    const b = expandShareSeed(seed, 1000, nobleAead);
    assert.ok(vec.equal(a, b));
    assert.equal(vec.firstNonCanonical(a), -1);
    assert.notDeepEqual(expandShareSeed(crypto.getRandomValues(new Uint8Array(32)), 1000), a);
    assert.throws(() => expandShareSeed(new Uint8Array(31), 10), FormatError);
  });
});
