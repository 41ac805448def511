/**
 * Every example end to end on one local network: a real anvil chain with the suite deployed and five
 * `mosaic node` processes (real libp2p on loopback). Each example's script deploys its secret contract,
 * activates it, calls it from several funded accounts with secret inputs, and its results are checked against
 * the plaintext computation. MOSAIC_E2E_LOG_DIR=<dir> keeps the nodes' logs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LocalNetwork } from '@mosaic/node/devnet';
import type { Connection } from '../common/connection.js';
import { DEFAULT_PARTICIPANTS, derived, run as runGeneCorrelation } from '../gene-correlation/script.js';
import { DEFAULT_PAIRS, run as runMillionaires } from '../millionaires/script.js';
import { EDGES } from '../private-statistics/contract.js';
import { DEFAULT_VALUES, run as runPrivateStatistics } from '../private-statistics/script.js';
import { CANDIDATES } from '../private-voting/contract.js';
import { DEFAULT_VOTES, run as runPrivateVoting } from '../private-voting/script.js';
import { DEFAULT_BIDS, run as runSealedBidAuction } from '../sealed-bid-auction/script.js';
import { startExampleNetwork } from './example-network.js';

describe('the examples on a five-node network', { timeout: 600_000 }, () => {
  let network: LocalNetwork;
  let connection: Connection;

  before(async () => {
    ({ network, connection } = await startExampleNetwork({ addressIndex: 8, node: 1 }));
  });
  after(async () => {
    await network?.stop();
  });

  it('millionaires: who is richer, and nothing else', { timeout: 120_000 }, async () => {
    const result = await runMillionaires(connection);
    assert.deepEqual(
      result.comparisons.map((c) => c.aIsRicher),
      DEFAULT_PAIRS.map(([[, a], [, b]]) => a > b),
    );
    assert.deepEqual(
      DEFAULT_PAIRS.map(([[, a], [, b]]) => a > b),
      [true, false],
      'both outcomes are exercised',
    );
  });

  it('sealed-bid auction: the winner and second price reach AuctionSettlement with the receipt', {
    timeout: 180_000,
  }, async () => {
    const result = await runSealedBidAuction(connection);
    const sorted = DEFAULT_BIDS.map(([, amount], i) => ({ bidder: BigInt(i + 1), amount })).sort((x, y) =>
      x.amount < y.amount ? 1 : -1,
    );
    assert.equal(result.revealed.winner, sorted[0]!.bidder);
    assert.equal(result.revealed.price, sorted[1]!.amount);
    assert.deepEqual(result.onChain, {
      settled: true,
      winner: sorted[0]!.bidder,
      price: sorted[1]!.amount,
      settledByTask: result.revealed.taskId,
    });
  });

  it('private voting: the revealed tally equals the plaintext count', { timeout: 180_000 }, async () => {
    const result = await runPrivateVoting(connection);
    const expected = new Array<bigint>(CANDIDATES).fill(0n);
    for (const [, choice] of DEFAULT_VOTES)
      if (choice >= 0n && choice < BigInt(CANDIDATES)) expected[Number(choice)]!++;
    assert.deepEqual(result.tally, expected);
    assert.equal(
      result.votes,
      expected.reduce((a, b) => a + b),
    );
  });

  it('gene correlation: the revealed terms equal the plaintext sums; r and chi-square follow', {
    timeout: 180_000,
  }, async () => {
    const result = await runGeneCorrelation(connection);
    const valid = DEFAULT_PARTICIPANTS.filter((p) => p.genotype >= 0n && p.genotype <= 2n);
    const n = BigInt(valid.length);
    const sum = (f: (p: (typeof valid)[number]) => bigint) => valid.reduce((acc, p) => acc + f(p), 0n);
    const sG = sum((p) => p.genotype);
    const sG2 = sum((p) => p.genotype * p.genotype);
    const sD = sum((p) => (p.diseased ? 1n : 0n));
    const sGD = sum((p) => (p.diseased ? p.genotype : 0n));
    const expected = {
      participants: n,
      covariance: n * sGD - sG * sD,
      varianceGenotype: n * sG2 - sG * sG,
      varianceDisease: n * sD - sD * sD,
      caseMinor: sGD,
      caseMajor: 2n * sD - sGD,
      controlMinor: sG - sGD,
      controlMajor: 2n * (n - sD) - (sG - sGD),
    };
    assert.deepEqual(result.statistics, expected);
    // Pearson's r straight from the genotypes, in floating point
    const g = valid.map((p) => Number(p.genotype));
    const d = valid.map((p): number => (p.diseased ? 1 : 0));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
    const [mg, md] = [mean(g), mean(d)];
    const cov = g.reduce((acc, x, i) => acc + (x - mg) * (d[i]! - md), 0);
    const r = cov / Math.sqrt(g.reduce((a, x) => a + (x - mg) ** 2, 0) * d.reduce((a, x) => a + (x - md) ** 2, 0));
    assert.ok(Math.abs(result.r - r) < 1e-12, `r ${result.r} vs ${r}`);
    assert.ok(result.r > 0, 'the cohort has a positive association');
    assert.equal(result.chiSquare, derived(expected).chiSquare);
  });

  it('private statistics: mean, variance and histogram within fixed-point error; withheld below the minimum', {
    timeout: 180_000,
  }, async () => {
    const values = DEFAULT_VALUES;
    const result = await runPrivateStatistics(connection, values);
    assert.deepEqual(result.withheld, {
      count: 0n,
      mean: 0,
      variance: 0,
      histogram: new Array(EDGES.length - 1).fill(0n),
    });
    const mean = values.reduce((a, b) => a + b) / values.length;
    const variance = values.reduce((a, b) => a + b * b, 0) / values.length - mean * mean;
    const histogram = EDGES.slice(0, -1).map((low, i) =>
      BigInt(values.filter((v) => v >= low && v < EDGES[i + 1]!).length),
    );
    assert.equal(result.count, BigInt(values.length));
    assert.deepEqual(result.histogram, histogram);
    // 16 fractional bits; each square's truncation is off by at most one unit of 2^-16, the divisions add a few more
    assert.ok(Math.abs(result.mean - mean) < 1e-3, `mean ${result.mean} vs ${mean}`);
    assert.ok(Math.abs(result.variance - variance) < 1e-2, `variance ${result.variance} vs ${variance}`);
  });
});
