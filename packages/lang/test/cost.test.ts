/**
 * The cost model against the engine: for every function of the test contracts, the rounds the model
 * predicts are the rounds the parties count, and the bytes within a tolerance of what they send.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carryTreeLevels, costOf, gasOf, simulate } from '../src/index.js';
import { compiledEveryOp, scheduled } from './helpers.js';

const calls: [typeof compiledEveryOp | typeof scheduled, string, Record<string, unknown>][] = [
  [compiledEveryOp, 'ints', { a: 5n, b: -9n, p: 3n, c: true, d: false }],
  [compiledEveryOp, 'fixed', { x: 1.5, y: -2.25, a: 3n, q: 0.5 }],
  [scheduled, 'oneComparison', { a: 3n, b: 2n }],
  [scheduled, 'dependentComparisons', { a: 3n, b: 2n }],
  [scheduled, 'productChain', { a: 3n, b: 2n }],
  [scheduled, 'mixedLayer', { a: 2n, b: 5n, x: 1.5 }],
];

describe('cost model vs measured engine costs', () => {
  for (const committee of [
    { n: 3, t: 1 },
    { n: 5, t: 2 },
    { n: 7, t: 3 },
  ]) {
    for (const [contract, fn, values] of calls) {
      it(`${contract.name}.${fn} on (${committee.n}, ${committee.t}): rounds exact, bytes within 10%`, async () => {
        const predicted = costOf(contract, fn, committee);
        const r = await simulate(contract, fn as never, values as never, committee);
        for (const m of r.members) assert.equal(m.stats.rounds, predicted.rounds, `${fn}: rounds`);
        assert.equal(r.stats.layers, predicted.layers);
        assert.equal(r.stats.engineCalls, predicted.engineCalls);
        const measured = r.members.reduce((s, m) => s + m.stats.bytesSent, 0) / r.members.length;
        const error = Math.abs(predicted.bytesPerParty - measured) / measured;
        assert.ok(error < 0.1, `${fn}: predicted ${predicted.bytesPerParty} bytes, measured ${measured}`);
      });
    }
  }

  it('gas is the documented linear formula', async () => {
    // docs/ir.md: gas = 10,000 + 8 × multiplications + 1,000 × rounds + 16 × openings + ceil(bytesPerParty / 4)
    assert.equal(gasOf({ multiplications: 0, rounds: 0, openings: 0, bytesPerParty: 0 }), 10_000);
    // 10,000 + 8 × 2 + 1,000 × 3 + 16 × 5 + ceil(101 / 4) = 10,000 + 16 + 3,000 + 80 + 26
    assert.equal(gasOf({ multiplications: 2, rounds: 3, openings: 5, bytesPerParty: 101 }), 13_122);

    // One product of two secret int32 on (5, 2), by hand: one multiplication; one round making the double
    // sharing (each party sends 2 degrees × ceil(1 / 3) × 4 peers = 8 elements in 4 frames) and the masked
    // product's opening in two rounds (2 × 4 / 5 = 1.6 elements in 8 frames on average): 3 rounds, nothing
    // opened to all, round(9.6 × 16 + 12 × 12) = 298 bytes. Gas: 10,000 + 8 + 3,000 + 0 + ceil(298 / 4) = 13,083.
    const product = costOf(scheduled, 'oneProduct', { n: 5, t: 2 });
    assert.deepEqual(
      {
        multiplications: product.multiplications,
        rounds: product.rounds,
        openings: product.openings,
        bytesPerParty: product.bytesPerParty,
      },
      { multiplications: 1, rounds: 3, openings: 0, bytesPerParty: 298 },
    );
    assert.equal(product.gas, 13_083);
    // The engine agrees: the parties count 3 rounds and send 297.6 bytes on average (ceil(297.6 / 4) = 75 too).
    const run = await simulate(scheduled, 'oneProduct' as never, { a: 3n, b: 2n } as never, { n: 5, t: 2 });
    for (const m of run.members) assert.equal(m.stats.rounds, 3);
    const measured = run.members.reduce((s, m) => s + m.stats.bytesSent, 0) / run.members.length;
    assert.equal(Math.ceil(measured / 4), 75);

    const c = costOf(compiledEveryOp, 'ints');
    assert.equal(gasOf(c), c.gas);
  });

  it('a comparison is many multiplications and rounds, a product one multiplication', () => {
    const compare = costOf(scheduled, 'oneComparison', { n: 5, t: 2 });
    const product = costOf(scheduled, 'oneProduct', { n: 5, t: 2 });
    assert.equal(product.multiplications, 1);
    // 64 bits... here int32: k = 33, m = 32 random bits (2 XOR products each), 16 pair products, the tree
    const tree = carryTreeLevels(32).reduce((a, b) => a + b, 0);
    assert.equal(compare.multiplications, 2 * 32 + tree);
    assert.ok(compare.rounds > 5 * product.rounds);
    assert.ok(compare.gas > product.gas);
  });

  it('refuses a committee without an honest majority', () => {
    assert.throws(() => costOf(scheduled, 'oneProduct', { n: 4, t: 2 }), /2t \+ 1 <= n/);
  });
});
