import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { biasedCaptureProbability, captureProbability, SEED_BIAS_BITS, stakeWalkCaptureRate } from '../src/index.js';

describe('committee capture risk', () => {
  it('binomial tail matches hand-computed values and edge cases', () => {
    // n = 3, t = 1: P[X >= 2] = 3 f^2 (1 - f) + f^3.
    const f = 0.2;
    assert.ok(Math.abs(captureProbability(3, 1, f) - (3 * f * f * (1 - f) + f ** 3)) < 1e-15);
    assert.equal(captureProbability(5, 2, 0), 0);
    assert.equal(captureProbability(5, 2, 1), 1);
    // Bigger committees at the same threshold ratio are safer for a minority adversary.
    assert.ok(captureProbability(41, 20, 0.2) < captureProbability(11, 5, 0.2));
    assert.throws(() => captureProbability(4, 2, 0.1), /2t \+ 1 <= n/);
    assert.throws(() => captureProbability(5, 2, 1.5), /fraction/);
  });

  it('a biased seed: the best of 2^bits independent draws, never more than 2^bits times the unbiased figure', () => {
    // (5, 2) at 20%: p = 0.05792 (binomial tail, the README's table); best of 8: 1 - (1 - p)^8 = 0.37956.
    assert.ok(Math.abs(captureProbability(5, 2, 0.2) - 0.05792) < 1e-5);
    assert.ok(Math.abs(biasedCaptureProbability(5, 2, 0.2, 3) - 0.37956) < 1e-5);
    assert.equal(SEED_BIAS_BITS, 3);
    assert.equal(biasedCaptureProbability(5, 2, 0.2, 0), captureProbability(5, 2, 0.2));
    for (const f of [1e-6, 0.01, 0.1, 0.33]) {
      const p = captureProbability(21, 10, f);
      const biased = biasedCaptureProbability(21, 10, f);
      assert.ok(biased >= p && biased <= 8 * p * (1 + 1e-12), `f = ${f}: ${biased} vs ${p}`);
    }
    assert.equal(biasedCaptureProbability(5, 2, 1), 1);
    assert.throws(() => biasedCaptureProbability(5, 2, 0.1, -1), /bias bits/);
  });

  it('the stake walk over many equal nodes is bounded by the binomial tail, and close to it', () => {
    const stake = 25_000n * 10n ** 18n;
    const honest = Array.from({ length: 80 }, () => stake);
    const adversary = Array.from({ length: 20 }, () => stake);
    const rate = stakeWalkCaptureRate({ honest, adversary, n: 5, t: 2, trials: 4000 });
    const bound = captureProbability(5, 2, 0.2);
    // Sampling without replacement from 100 nodes: hypergeometric P = 0.0539; binomial 0.0579. 4000 trials give a
    // standard error of about 0.0036.
    assert.ok(rate < bound + 0.011, `rate ${rate} vs bound ${bound}`);
    assert.ok(rate > 0.054 - 0.015, `rate ${rate}`);
  });

  it('an adversary splitting its stake over many nodes does not gain seats beyond the bound', () => {
    const unit = 10n ** 18n;
    const honest = Array.from({ length: 20 }, () => 40n * unit);
    const split = Array.from({ length: 100 }, () => 2n * unit); // 200 of 1000: 20%
    const rate = stakeWalkCaptureRate({ honest, adversary: split, n: 5, t: 2, trials: 3000, label: 'split' });
    assert.ok(rate < captureProbability(5, 2, 0.2) + 0.013, `rate ${rate}`);
  });
});
