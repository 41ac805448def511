/**
 * Every example contract run by the interpreter on in-memory committees (5, 2) and (3, 1), against a
 * plaintext reference, across several calls that carry secret state from one call to the next.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, costOf, simulate } from '@mosaic/lang';
import type { FieldVector } from '@mosaic/mpc';
import dataMarketplace, { COUNT, ROWS, SELLERS } from '../data-marketplace/contract.js';
import geneCorrelation from '../gene-correlation/contract.js';
import millionaires from '../millionaires/contract.js';
import privateStatistics, { EDGES } from '../private-statistics/contract.js';
import privateVoting, { CANDIDATES } from '../private-voting/contract.js';
import sealedBidAuction, { SETTLEMENT } from '../sealed-bid-auction/contract.js';

const COMMITTEES = [
  { n: 5, t: 2 },
  { n: 3, t: 1 },
] as const;

for (const committee of COMMITTEES) {
  describe(`examples on a committee of n = ${committee.n}, t = ${committee.t}`, () => {
    it('millionaires: the richer one is named, including equal and extreme wealth', async () => {
      const compiled = compile(millionaires);
      const cases: [bigint, bigint][] = [
        [5_000_000n, 3_000_000n],
        [3n, 4n],
        [7n, 7n],
        [-(1n << 63n), (1n << 63n) - 1n],
        [(1n << 63n) - 1n, -(1n << 63n)],
      ];
      for (const [a, b] of cases) {
        const { outputs } = await simulate(compiled, 'compare', { a, b }, committee);
        assert.deepEqual(outputs, { aIsRicher: a > b });
      }
    });

    it('sealed-bid auction: highest bidder wins at the second price; settlement call encoded', async () => {
      const compiled = compile(sealedBidAuction);
      const bids: [bigint, bigint][] = [
        [1n, 1200n],
        [2n, 900n],
        [3n, 1500n],
        [4n, 1400n],
        [5n, 100n],
      ];
      let state: FieldVector[][] | undefined;
      for (const [bidder, amount] of bids) {
        const r = await simulate(compiled, 'bid', { bidder, amount }, { ...committee, ...(state ? { state } : {}) });
        assert.deepEqual(r.outputs, {});
        state = r.state;
      }
      const closed = await simulate(compiled, 'close', {}, { ...committee, state });
      assert.deepEqual(closed.outputs, { winner: 3n, price: 1400n, settlement: [3n, 1400n] });
      const call = closed.members[0].ethereumCalls[0];
      assert.equal(call.target, SETTLEMENT);
      assert.equal(call.signature, 'settle(int64,int64)');
      assert.equal(call.data.length, 4 + 64);
      for (const m of closed.members) assert.deepEqual(m.ethereumCalls[0].data, call.data);
    });

    it('sealed-bid auction with no bids closes with winner -1 and price 0', async () => {
      const closed = await simulate(compile(sealedBidAuction), 'close', {}, committee);
      assert.deepEqual(closed.outputs, { winner: -1n, price: 0n, settlement: [-1n, 0n] });
    });

    it('private voting: the tally matches, invalid votes count for nobody', async () => {
      const compiled = compile(privateVoting);
      const votes = [0n, 2n, 2n, 3n, 1n, 2n, 7n, -1n, 0n];
      const expected = new Array<bigint>(CANDIDATES).fill(0n);
      let state: FieldVector[][] | undefined;
      for (const choice of votes) {
        if (choice >= 0n && choice < BigInt(CANDIDATES)) expected[Number(choice)]++;
        state = (await simulate(compiled, 'vote', { choice }, { ...committee, ...(state ? { state } : {}) })).state;
      }
      const closed = await simulate(compiled, 'close', {}, { ...committee, state });
      assert.deepEqual(closed.outputs, { tally: expected, votes: expected.reduce((a, b) => a + b) });
    });

    it('gene correlation: statistics equal the plaintext sums over valid participants', async () => {
      const compiled = compile(geneCorrelation);
      const participants: [bigint, boolean][] = [
        [0n, false],
        [1n, true],
        [2n, true],
        [2n, false],
        [1n, false],
        [0n, false],
        [2n, true],
        [3n, true], // invalid genotype: ignored
      ];
      let state: FieldVector[][] | undefined;
      for (const [genotype, diseased] of participants) {
        const opts = { ...committee, ...(state ? { state } : {}) };
        state = (await simulate(compiled, 'submit', { genotype, diseased }, opts)).state;
      }
      const valid = participants.filter(([g]) => g >= 0n && g <= 2n);
      const n = BigInt(valid.length);
      const sum = (f: (p: [bigint, boolean]) => bigint) => valid.reduce((acc, p) => acc + f(p), 0n);
      const sG = sum(([g]) => g);
      const sG2 = sum(([g]) => g * g);
      const sD = sum(([, d]) => (d ? 1n : 0n));
      const sGD = sum(([g, d]) => (d ? g : 0n));
      const r = await simulate(compiled, 'statistics', {}, { ...committee, state });
      assert.deepEqual(r.outputs, {
        participants: n,
        covariance: n * sGD - sG * sD,
        varianceGenotype: n * sG2 - sG * sG,
        varianceDisease: n * sD - sD * sD,
        caseMinor: sGD,
        caseMajor: 2n * sD - sGD,
        controlMinor: sG - sGD,
        controlMajor: 2n * (n - sD) - (sG - sGD),
      });
    });

    it('private statistics: mean, variance and histogram, withheld below the minimum count', async () => {
      const compiled = compile(privateStatistics);
      const values = [12.5, 47.25, 33, 0, 79.75, 55.5, 20, 64.125];
      let state: FieldVector[][] | undefined;
      for (const value of values) {
        state = (await simulate(compiled, 'submit', { value }, { ...committee, ...(state ? { state } : {}) })).state;
      }
      const withheld = await simulate(compiled, 'result', { minimumCount: 100n }, { ...committee, state });
      assert.deepEqual(withheld.outputs, { count: 0n, mean: 0, variance: 0, histogram: new Array(8).fill(0n) });

      const r = await simulate(compiled, 'result', { minimumCount: 5n }, { ...committee, state });
      const mean = values.reduce((a, b) => a + b) / values.length;
      const variance = values.reduce((a, b) => a + b * b, 0) / values.length - mean * mean;
      const histogram = EDGES.slice(0, -1).map((low, i) =>
        BigInt(values.filter((v) => v >= low && v < EDGES[i + 1]).length),
      );
      assert.equal(r.outputs.count, BigInt(values.length));
      assert.deepEqual(r.outputs.histogram, histogram);
      // fixed point with probabilistic truncation of the squares: within a few units of 2^-16 per value
      assert.ok(Math.abs(r.outputs.mean - mean) < 1e-3, `mean ${r.outputs.mean} vs ${mean}`);
      assert.ok(Math.abs(r.outputs.variance - variance) < 1e-2, `variance ${r.outputs.variance} vs ${variance}`);
    });

    it('data marketplace: the regression sums over all sellers, exact up to the |v| < 2^24 bound', async () => {
      const compiled = compile(dataMarketplace);
      const max = (1n << 24n) - 1n;
      // Ordinary rows, then the extremes the contract allows (every sum must still decode below 2^63).
      const tables = [
        (s: number, i: number) => BigInt(((s * 31 + i * 17) % 97) - 40),
        (s: number, i: number) => ((s + i) % 2 === 0 ? max : -max),
      ];
      for (const value of tables) {
        const stored: Record<string, bigint[]> = {};
        const xs: bigint[] = [];
        const ys: bigint[] = [];
        for (let s = 0; s < SELLERS; s++) {
          const x = Array.from({ length: ROWS }, (_, i) => value(s, i));
          const y = Array.from({ length: ROWS }, (_, i) => value(s + 5, i * 3 + 1));
          stored[`s${s + 1}`] = [...x, ...y];
          xs.push(...x);
          ys.push(...y);
        }
        const pointer = (k: number) => `0x${k.toString(16).padStart(64, '0')}` as const;
        const r = await simulate(
          compiled,
          'regress',
          { order: 42n, s1: pointer(1), s2: pointer(2), s3: pointer(3), s4: pointer(4) },
          { ...committee, stored },
        );
        const sum = (v: bigint[]) => v.reduce((a, b) => a + b, 0n);
        assert.deepEqual(r.outputs, {
          sumX: sum(xs),
          sumY: sum(ys),
          sxx: COUNT * sum(xs.map((x) => x * x)) - sum(xs) ** 2n,
          sxy: COUNT * sum(xs.map((x, i) => x * ys[i]!)) - sum(xs) * sum(ys),
          syy: COUNT * sum(ys.map((y) => y * y)) - sum(ys) ** 2n,
          order: 42n,
          payout: [42n],
        });
      }
    });
  });
}

describe('the cost model predicts the rounds of every example function', () => {
  it('rounds equal the measured rounds on (5, 2)', async () => {
    const runs: [ReturnType<typeof compile>, string, Record<string, unknown>][] = [
      [compile(millionaires), 'compare', { a: 1n, b: 2n }],
      [compile(sealedBidAuction), 'bid', { bidder: 1n, amount: 5n }],
      [compile(sealedBidAuction), 'close', {}],
      [compile(privateVoting), 'vote', { choice: 1n }],
      [compile(privateVoting), 'close', {}],
      [compile(geneCorrelation), 'submit', { genotype: 1n, diseased: true }],
      [compile(geneCorrelation), 'statistics', {}],
      [compile(privateStatistics), 'submit', { value: 3.5 }],
      [compile(privateStatistics), 'result', { minimumCount: 0n }],
    ];
    for (const [compiled, fn, values] of runs) {
      const r = await simulate(compiled, fn as never, values as never, { n: 5, t: 2 });
      assert.equal(r.stats.rounds, costOf(compiled, fn).rounds, `${compiled.name}.${fn}`);
    }
  });
});
