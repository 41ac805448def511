/**
 * The data marketplace end to end on a local network: a real anvil chain with the suite
 * deployed and five `mosaic node` processes. Four sellers store rows and grant the buyer; the buyer escrows MOS in
 * a Marketplace order and runs the statistic over all sellers' data; the receipt pays every seller; after one
 * seller revokes, the next run is skipped by every member with the access reason, nobody is paid, and the buyer
 * gets the escrow back.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LocalNetwork } from '@mosaic/node/devnet';
import type { Connection } from '../common/connection.js';
import { marketplaceBytecode } from '../data-marketplace/marketplace-artifact.js';
import { DEFAULT_ROWS, ORDER, PRICE, run, SCALE } from '../data-marketplace/script.js';
import { startExampleNetwork } from './example-network.js';

/** The statistics from the rows in plain floating point, the textbook two-pass way (independent of the sums). */
function plaintext(rows: typeof DEFAULT_ROWS) {
  const xs = Object.values(rows).flatMap((r) => r.x.map(Number));
  const ys = Object.values(rows).flatMap((r) => r.y.map(Number));
  const n = xs.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  const varianceY = ys.reduce((a, y) => a + (y - meanY) ** 2, 0) / n;
  const sxy = xs.reduce((a, x, i) => a + (x - meanX) * (ys[i]! - meanY), 0);
  const sxx = xs.reduce((a, x) => a + (x - meanX) ** 2, 0);
  const slope = sxy / sxx;
  return { count: n, meanY, varianceY, slope, intercept: meanY - slope * meanX };
}

describe('the data marketplace on a five-node network', { timeout: 240_000 }, () => {
  let network: LocalNetwork;
  let connection: Connection;

  before(async () => {
    ({ network, connection } = await startExampleNetwork({ addressIndex: 9, node: 2 }));
  });
  after(async () => {
    await network?.stop();
  });

  it('the committed Marketplace bytecode is what solc makes of Marketplace.sol', () => {
    // The `solc` package of packages/contracts (hoisted to the root node_modules), with compile-marketplace.mjs's
    // settings: the artifact the script deploys is the reviewed source.
    const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string };
    const source = fileURLToPath(new URL('../../data-marketplace/Marketplace.sol', import.meta.url));
    const output = JSON.parse(
      solc.compile(
        JSON.stringify({
          language: 'Solidity',
          sources: { 'Marketplace.sol': { content: readFileSync(source, 'utf8') } },
          settings: {
            evmVersion: 'cancun',
            optimizer: { enabled: true, runs: 10_000 },
            outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
          },
        }),
      ),
    ) as { contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>> };
    assert.equal(marketplaceBytecode, `0x${output.contracts['Marketplace.sol']!.Marketplace!.evm.bytecode.object}`);
  });

  it('the buyer gets the statistics, every seller is paid; after a revocation nothing runs and nobody is paid', async () => {
    const result = await run(connection);
    const { paid, refused } = result;

    // Every statistic against the plaintext computation: the sums are exact, the one rounding is to 10^-6.
    const expected = plaintext(DEFAULT_ROWS);
    assert.equal(paid.statistics.count, BigInt(expected.count));
    for (const key of ['meanY', 'varianceY', 'slope', 'intercept'] as const) {
      const got = Number(paid.statistics[key]) / Number(SCALE);
      assert.ok(Math.abs(got - expected[key]) <= 0.6e-6, `${key}: ${got} vs ${expected[key]}`);
    }
    // The exact sums, too.
    const xs = Object.values(DEFAULT_ROWS).flatMap((r) => r.x);
    const ys = Object.values(DEFAULT_ROWS).flatMap((r) => r.y);
    const sum = (v: bigint[]) => v.reduce((a, b) => a + b, 0n);
    const n = BigInt(xs.length);
    assert.deepEqual(paid.sums, {
      sumX: sum(xs),
      sumY: sum(ys),
      sxx: n * sum(xs.map((x) => x * x)) - sum(xs) ** 2n,
      sxy: n * sum(xs.map((x, i) => x * ys[i]!)) - sum(xs) * sum(ys),
      syy: n * sum(ys.map((y) => y * y)) - sum(ys) ** 2n,
    });

    // The receipt of the buyer's task paid every seller exactly the price.
    assert.equal(paid.orderState, ORDER.paid);
    assert.equal(paid.paidByTask, paid.taskId);
    for (const name of Object.keys(DEFAULT_ROWS)) {
      assert.equal(paid.balancesAfter[name]! - paid.balancesBefore[name]!, PRICE, `${name} paid`);
    }

    // After dmitri's revocation: every member skipped the task with the access reason (no result at all), the
    // skipped receipt made no call, nobody was paid, the order stayed open and the buyer got the escrow back.
    assert.match(refused.reason, /skipped: stored input s4: access denied for caller/);
    assert.equal(refused.taskStatus, 2);
    assert.equal(refused.orderStateAfterRun, ORDER.open);
    assert.deepEqual(refused.balancesAfter, paid.balancesAfter);
    assert.equal(refused.escrowed, PRICE * 4n);
    assert.equal(refused.refunded, PRICE * 4n);
  });
});
