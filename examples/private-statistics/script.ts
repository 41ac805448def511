/**
 * Private statistics on a network: many users each submit a secret measurement; result() reveals the count,
 * mean, variance and a histogram, only when at least `minimumCount` values came in.
 * Run by hand: `node examples/dist/private-statistics/script.js`.
 */
import { compile } from '@mosaic/lang';
import { mainIf } from '../common/cli.js';
import { type Connection, inParallel, Network } from '../common/connection.js';
import privateStatistics, { EDGES } from './contract.js';

export interface StatisticsResult {
  contractId: bigint;
  /** result() with a minimum count above the number of inputs: everything withheld (zeros). */
  withheld: { count: bigint; mean: number; variance: number; histogram: bigint[] };
  count: bigint;
  mean: number;
  variance: number;
  histogram: bigint[];
}

/** Secret measurements (fixed point, 16 fractional bits), one per user. */
export const DEFAULT_VALUES = [12.5, 47.25, 33, 0, 79.75, 55.5, 20, 64.125, 38.5, 41];
export const MINIMUM_COUNT = 5n;

export async function run(connection: Connection, values = DEFAULT_VALUES): Promise<StatisticsResult> {
  const network = await Network.open(connection);
  try {
    const compiled = compile(privateStatistics);
    const client = await network.connect(connection.accountKey);
    const { contractId } = await client.deploy(compiled, network.committee);
    network.log(`deployed PrivateStatistics as secret contract ${contractId}`);
    network.log(`active from epoch ${await network.nextEpoch()}`);

    const users = await network.users(values.map((_, i) => `user ${i + 1}`));
    await inParallel(users, 4, async (user, i) => {
      const r = await user.client
        .contract(compiled, contractId)
        .call.submit({ value: values[i]! }, { autoDeposit: true });
      network.log(`${user.name} submitted a value (task ${r.taskId})`);
    });

    const handle = client.contract(compiled, contractId);
    // (the output type of a select between an array and a scalar is a union; the value is the array)
    const hidden = (await handle.call.result({ minimumCount: BigInt(values.length) + 1n }, { autoDeposit: true }))
      .outputs;
    const withheld = { ...hidden, histogram: hidden.histogram as bigint[] };
    network.log(`with a minimum of ${values.length + 1} values: count ${withheld.count} (withheld)`);
    const revealed = (await handle.call.result({ minimumCount: MINIMUM_COUNT }, { autoDeposit: true })).outputs;
    const { count, mean, variance } = revealed;
    const histogram = revealed.histogram as bigint[];
    network.log(`count ${count}, mean ${mean.toFixed(4)}, variance ${variance.toFixed(4)}`);
    network.log(`histogram: ${histogram.map((c, i) => `[${EDGES[i]}, ${EDGES[i + 1]}): ${c}`).join(', ')}`);
    return { contractId, withheld, count, mean, variance, histogram };
  } finally {
    await network.close();
  }
}

mainIf(import.meta.url, run);
