/**
 * Round scheduling: independent multiplications and comparisons share rounds (one batched engine call per
 * kind and layer), dependent ones take more. Measured with the parties' own round counters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, contract, fn, reveal, secret, select, simulate } from '../src/index.js';

const EIGHT = 8;

const scheduled = compile(
  contract('Scheduling', {
    functions: {
      oneComparison: fn({ a: secret.int32, b: secret.int32 }, ({ a, b }) => ({ x: reveal(a.gt(b)) })),
      eightComparisons: fn(
        { a: secret.array(secret.int32, EIGHT), b: secret.array(secret.int32, EIGHT) },
        ({ a, b }) => {
          const out: Record<string, ReturnType<typeof reveal>> = {};
          // eight separate scalar instructions: the scheduler merges them into one engine call
          for (let i = 0; i < EIGHT; i++) out[`x${i}`] = reveal(a.at(i).gt(b.at(i)));
          return out;
        },
      ),
      dependentComparisons: fn({ a: secret.int32, b: secret.int32 }, ({ a, b }) => {
        const larger = select(a.gt(b), a, b);
        return { x: reveal(larger.gt(100n)) };
      }),
      oneProduct: fn({ a: secret.int32, b: secret.int32 }, ({ a, b }) => ({ p: a.mul(b) })),
      tenProducts: fn({ a: secret.array(secret.int16, 10), b: secret.array(secret.int16, 10) }, ({ a, b }) => {
        const out: Record<string, ReturnType<typeof a.at>> = {};
        for (let i = 0; i < 10; i++) out[`p${i}`] = a.at(i).mul(b.at(i));
        return out;
      }),
      productChain: fn({ a: secret.int16, b: secret.int16 }, ({ a, b }) => ({ p: a.mul(b).mul(a).mul(b) })),
      mixedLayer: fn({ a: secret.int32, b: secret.int32, x: secret.fixed }, ({ a, b, x }) => ({
        p: a.mul(b),
        q: x.mul(x),
        lt: a.lt(b),
        eq: a.eq(b),
      })),
    },
  }),
);

async function rounds(fnName: string, values: Record<string, unknown>): Promise<{ rounds: number; layers: number }> {
  const r = await simulate(scheduled, fnName as never, values as never, { n: 5, t: 2 });
  for (const m of r.members) assert.equal(m.stats.rounds, r.stats.rounds, 'every member counts the same rounds');
  return { rounds: r.stats.rounds, layers: r.stats.layers };
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
    assert.equal(ten.rounds, one.rounds);
    assert.equal(one.layers, 1);
    assert.equal(chain.layers, 3);
    assert.equal(chain.rounds, one.rounds + 2 * 2); // two more product layers, two rounds each
  });

  it('different kinds in one layer make one engine call each, in one layer', async () => {
    const r = await simulate(scheduled, 'mixedLayer', { a: 2n, b: 5n, x: 1.5 }, { n: 3, t: 1 });
    assert.equal(r.stats.layers, 1);
    assert.equal(r.stats.engineCalls, 4);
    assert.deepEqual(r.outputs, { p: 10n, q: 2.25, lt: true, eq: false });
  });
});

export { scheduled };
