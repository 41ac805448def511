import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureProbability, stakeWalkCaptureRate } from '../src/index.js';

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
