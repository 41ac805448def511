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
  [scheduled, 'booleans', { c: true, d: false }],
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

    // One product of two secret int32 on (5, 2), by hand. Each party sends elements (16 bytes) in frames (12
    // bytes of header); a dealing by t + 1 = 3 dealers sends on average 3 × 4 / 5 elements per value in 2.4
    // frames, an opening 2 × 4 / 5 elements per value in 8 frames (two rounds), a multiplication the same.
    //
    // The range check of a and b (2 elements of 32 bits, K = 32):
    //   64 random bits: a dealing (153.6 elements, 2.4 frames, 1 round) and two XOR products per bit
    //     (128 multiplications, 204.8 elements, 16 frames, 4 rounds);
    //   r'': a dealing of 2 (4.8 elements, 2.4 frames, 1 round);
    //   the masked values opened: 2 openings (3.2 elements, 8 frames, 2 rounds);
    //   lessThanPublic on 32 bits, per element 16 + 15 + 7 + 3 + 1 = 42 products in 5 levels
    //     (84 multiplications, 134.4 elements, 40 frames, 10 rounds);
    //   h s opened: 2 openings (3.2 elements, 8 frames, 2 rounds).
    //   Together: 20 rounds, 212 multiplications, 4 openings, 504 elements in 76.8 frames,
    //   round(504 × 16 + 76.8 × 12) = 8,986 bytes.
    // The body: the product, 1 multiplication (1.6 elements, 8 frames, 2 rounds).
    // The preprocessing round before both: 2 × 64 + 2 × (16 + 32 + 2) = 228 double sharings for the check and 1
    //   for the product; each party deals ceil(229 / 3) = 77 values at 2 degrees to 4 peers: 616 elements, 4
    //   frames, 1 round.
    // Total: 23 rounds, 213 multiplications, 4 openings, 1,121.6 elements in 88.8 frames,
    //   round(1,121.6 × 16 + 88.8 × 12) = 19,011 bytes.
    // Gas: 10,000 + 8 × 213 + 1,000 × 23 + 16 × 4 + ceil(19,011 / 4) = 10,000 + 1,704 + 23,000 + 64 + 4,753
    //   = 39,521. Without the check it was 3 rounds, 1 multiplication, 298 bytes and 13,083 gas: the check is the
    //   larger part of so small a function.
    const product = costOf(scheduled, 'oneProduct', { n: 5, t: 2 });
    assert.deepEqual(
      {
        multiplications: product.multiplications,
        rounds: product.rounds,
        openings: product.openings,
        bytesPerParty: product.bytesPerParty,
      },
      { multiplications: 213, rounds: 23, openings: 4, bytesPerParty: 19_011 },
    );
    assert.deepEqual(product.inputCheck, {
      elements: 2,
      rounds: 20,
      multiplications: 212,
      openings: 4,
      bytesPerParty: 8_986,
    });
    assert.equal(product.gas, 39_521);
    // The engine agrees: the parties count 23 rounds (20 of them the check's) and send 19,011.2 bytes on
    // average (ceil(19,011.2 / 4) = 4,753 too).
    const run = await simulate(scheduled, 'oneProduct' as never, { a: 3n, b: 2n } as never, { n: 5, t: 2 });
    for (const m of run.members) {
      assert.equal(m.stats.rounds, 23);
      assert.equal(m.stats.inputCheckRounds, 20);
    }
    const measured = run.members.reduce((s, m) => s + m.stats.bytesSent, 0) / run.members.length;
    assert.equal(Math.ceil(measured / 4), 4_753);

    const c = costOf(compiledEveryOp, 'ints');
    assert.equal(gasOf(c), c.gas);
  });

  it('a comparison is many multiplications and rounds, a product one multiplication', () => {
    const compare = costOf(scheduled, 'oneComparison', { n: 5, t: 2 });
    const product = costOf(scheduled, 'oneProduct', { n: 5, t: 2 });
    // both take two int32 inputs, so the same input check; the bodies differ
    assert.deepEqual(compare.inputCheck, product.inputCheck);
    assert.equal(product.multiplications - product.inputCheck.multiplications, 1);
    // 64 bits... here int32: k = 33, m = 32 random bits (2 XOR products each), 16 pair products, the tree
    const tree = carryTreeLevels(32).reduce((a, b) => a + b, 0);
    assert.equal(compare.multiplications - compare.inputCheck.multiplications, 2 * 32 + tree);
    // the bodies' rounds: the product's 2 plus the shared preprocessing round, against the comparison's
    const body = (c: typeof compare) => c.rounds - c.inputCheck.rounds;
    assert.equal(body(product), 3);
    assert.ok(body(compare) > 5 * body(product));
    assert.ok(compare.gas > product.gas);
  });

  it('the input check: booleans alone take one multiplication and one opening; no secret input, no check', () => {
    const bools = costOf(scheduled, 'booleans', { n: 5, t: 2 });
    assert.equal(bools.inputCheck.elements, 2);
    assert.equal(bools.inputCheck.rounds, 4);
    assert.equal(bools.inputCheck.multiplications, bools.inputCheck.elements);
    assert.equal(bools.inputCheck.openings, bools.inputCheck.elements);
  });

  it('refuses a committee without an honest majority', () => {
    assert.throws(() => costOf(scheduled, 'oneProduct', { n: 4, t: 2 }), /2t \+ 1 <= n/);
  });
});
