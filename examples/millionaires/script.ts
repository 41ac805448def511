/**
 * The millionaires' problem on a network: deploy the contract, activate it, and compare two fortunes that the
 * committee never sees. Run by hand: `node examples/dist/millionaires/script.js` (see README.md).
 */
import { compile } from '@mosaic/lang';
import { mainIf } from '../common/cli.js';
import { type Connection, Network } from '../common/connection.js';
import millionaires from './contract.js';

export interface MillionairesResult {
  contractId: bigint;
  comparisons: { a: string; b: string; aIsRicher: boolean; taskId: bigint }[];
}

/** Pairs of (name, wealth): the wealth stays secret, only who is richer comes out. */
export const DEFAULT_PAIRS: [[string, bigint], [string, bigint]][] = [
  [
    ['alice', 2_400_000n],
    ['bob', 1_750_000n],
  ],
  [
    ['carol', 310_000n],
    ['dave', 8_100_000n],
  ],
];

export async function run(connection: Connection, pairs = DEFAULT_PAIRS): Promise<MillionairesResult> {
  const network = await Network.open(connection);
  try {
    const compiled = compile(millionaires);
    const owner = await network.connect(connection.accountKey);
    const { contractId } = await owner.deploy(compiled, network.committee);
    network.log(
      `deployed Millionaires as secret contract ${contractId} (n=${network.committee.n}, t=${network.committee.t})`,
    );
    network.log(`active from epoch ${await network.nextEpoch()}`);
    // Each comparison is asked by its own account (one caller, two secret inputs: e.g. a broker comparing two
    // clients' holdings without seeing them in the clear on any node).
    const callers = await network.users(pairs.map(([[a], [b]]) => `${a}-vs-${b}`));
    const comparisons = await Promise.all(
      pairs.map(async ([[a, wealthA], [b, wealthB]], i) => {
        const contract = callers[i]!.client.contract(compiled, contractId);
        const result = await contract.call.compare({ a: wealthA, b: wealthB }, { autoDeposit: true });
        network.log(
          `${a} vs ${b}: ${result.outputs.aIsRicher ? a : b} is richer${result.outputs.aIsRicher ? '' : ' (or as rich)'} (task ${result.taskId})`,
        );
        return { a, b, aIsRicher: result.outputs.aIsRicher, taskId: result.taskId };
      }),
    );
    return { contractId, comparisons };
  } finally {
    await network.close();
  }
}

mainIf(import.meta.url, run);
