/**
 * Private voting on a network: several voters each cast a secret vote (a candidate index), the tally is secret
 * state, and close() reveals only the tally. Run by hand: `node examples/dist/private-voting/script.js`.
 */
import { compile } from '@mosaic/lang';
import { mainIf } from '../common/cli.js';
import { type Connection, inParallel, Network } from '../common/connection.js';
import privateVoting, { CANDIDATES } from './contract.js';

export interface VotingResult {
  contractId: bigint;
  tally: bigint[];
  votes: bigint;
}

/** Voter name and secret choice (0..3; anything else is a spoilt ballot that counts for nobody). */
export const DEFAULT_VOTES: [string, bigint][] = [
  ['v1', 0n],
  ['v2', 2n],
  ['v3', 2n],
  ['v4', 3n],
  ['v5', 1n],
  ['v6', 2n],
  ['v7', 7n],
  ['v8', 0n],
];

export async function run(connection: Connection, votes = DEFAULT_VOTES): Promise<VotingResult> {
  const network = await Network.open(connection);
  try {
    const compiled = compile(privateVoting);
    const client = await network.connect(connection.accountKey);
    const { contractId } = await client.deploy(compiled, network.committee);
    network.log(`deployed PrivateVoting (${CANDIDATES} candidates) as secret contract ${contractId}`);
    network.log(`active from epoch ${await network.nextEpoch()}`);

    const voters = await network.users(votes.map(([name]) => name));
    await inParallel(voters, 4, async (voter, i) => {
      const r = await voter.client
        .contract(compiled, contractId)
        .call.vote({ choice: votes[i]![1] }, { autoDeposit: true });
      network.log(`${voter.name} voted (task ${r.taskId})`);
    });

    const closed = await client.contract(compiled, contractId).call.close({}, { autoDeposit: true });
    const { tally, votes: counted } = closed.outputs;
    network.log(`tally: ${tally.map((v, i) => `candidate ${i}: ${v}`).join(', ')}; ${counted} valid votes`);
    return { contractId, tally, votes: counted };
  } finally {
    await network.close();
  }
}

mainIf(import.meta.url, run);
