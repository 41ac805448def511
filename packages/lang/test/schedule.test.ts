/**
 * Round scheduling: independent multiplications and comparisons share rounds (one batched engine call per
 * kind and layer), dependent ones take more. Measured with the parties' own round counters. The range check
 * of the secret inputs comes first; its depth follows the widest input, so functions whose inputs differ in
 * width are compared on the rounds of their bodies (`body`: all rounds but the check's).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulate } from '../src/index.js';
import { EIGHT, scheduled } from './helpers.js';

async function rounds(
  fnName: string,
  values: Record<string, unknown>,
): Promise<{ rounds: number; body: number; check: number; layers: number }> {
  const r = await simulate(scheduled, fnName as never, values as never, { n: 5, t: 2 });
  for (const m of r.members) assert.equal(m.stats.rounds, r.stats.rounds, 'every member counts the same rounds');
  const check = r.stats.inputCheckRounds;
  return { rounds: r.stats.rounds, body: r.stats.rounds - check, check, layers: r.stats.layers };
}

describe('round scheduling by multiplicative depth', () => {
  const ints = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i * 7 - 20));

  it('eight independent comparisons take the rounds of one', async () => {
    const one = await rounds('oneComparison', { a: 3n, b: 2n });
    const eight = await rounds('eightComparisons', { a: ints(EIGHT), b: ints(EIGHT).reverse() });
    assert.equal(eight.rounds, one.rounds);
    assert.equal(eight.layers, 2); // the comparisons, then the openings
  });

  it('a comparison that depends on another takes more rounds', async () => {
    const one = await rounds('oneComparison', { a: 3n, b: 2n });
    const chain = await rounds('dependentComparisons', { a: 3n, b: 2n });
    assert.ok(chain.rounds > one.rounds + 10, `${chain.rounds} vs ${one.rounds}`);
    assert.equal(chain.layers, 4); // compare, select, compare, open
  });

  it('ten independent products take the rounds of one; a chain of three takes three layers', async () => {
    const one = await rounds('oneProduct', { a: 3n, b: 2n });
    const ten = await rounds('tenProducts', { a: ints(10), b: ints(10) });
    const chain = await rounds('productChain', { a: 3n, b: 2n });
    assert.equal(ten.body, one.body);
    assert.equal(one.layers, 1);
    assert.equal(chain.layers, 3);
    assert.equal(chain.body, one.body + 2 * 2); // two more product layers, two rounds each
    // the checks: 20 int16 inputs take the rounds of 1 int16 (productChain), one carry-tree level (two rounds)
    // fewer than int32 inputs
    assert.equal(ten.check, chain.check);
    assert.equal(one.check, ten.check + 2);
  });

  it('different kinds in one layer make one engine call each, in one layer', async () => {
    const r = await simulate(scheduled, 'mixedLayer', { a: 2n, b: 5n, x: 1.5 }, { n: 3, t: 1 });
    assert.equal(r.stats.layers, 1);
    assert.equal(r.stats.engineCalls, 4);
    assert.deepEqual(r.outputs, { p: 10n, q: 2.25, lt: true, eq: false });
  });
});
