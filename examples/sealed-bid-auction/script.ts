/**
 * A sealed-bid (second-price) auction on a network: an AuctionSettlement contract on Ethereum, the secret
 * auction bound to it, several bidders bidding secretly, then close(): the committee reveals the winner and the
 * price, and the receipt's transaction calls AuctionSettlement.settle with them. The script reads the result
 * back from the chain. Run by hand: `node examples/dist/sealed-bid-auction/script.js` (see README.md).
 */
import { auctionSettlementAbi, auctionSettlementBytecode } from '@mosaic/contracts';
import type { Address } from 'viem';
import { mainIf } from '../common/cli.js';
import { type Connection, inParallel, Network } from '../common/connection.js';
import { sealedBidAuction } from './contract.js';

export interface AuctionResult {
  contractId: bigint;
  settlement: Address;
  /** What close() revealed to its caller. */
  revealed: { winner: bigint; price: bigint; taskId: bigint };
  /** What AuctionSettlement holds on chain after the receipt. */
  onChain: { settled: boolean; winner: bigint; price: bigint; settledByTask: bigint };
}

/** Bidder name and secret bid; bidder ids are 1-based positions in this list. */
export const DEFAULT_BIDS: [string, bigint][] = [
  ['alice', 1_200n],
  ['bob', 900n],
  ['carol', 1_500n],
  ['dave', 1_400n],
  ['erin', 100n],
];

export async function run(
  connection: Connection,
  bids = DEFAULT_BIDS,
  settleTimeoutMs = 90_000,
): Promise<AuctionResult> {
  const network = await Network.open(connection);
  try {
    const {
      address: settlement,
      compiled,
      contractId,
      client,
    } = await network.deployBound({
      name: 'AuctionSettlement',
      abi: auctionSettlementAbi,
      bytecode: auctionSettlementBytecode,
      args: [connection.addresses.tasks],
      secretContract: sealedBidAuction,
    });
    network.log(`active from epoch ${await network.nextEpoch()}`);

    const bidders = await network.users(bids.map(([name]) => name));
    await inParallel(bidders, 5, async (bidder, i) => {
      const amount = bids[i]![1];
      const r = await bidder.client
        .contract(compiled, contractId)
        .call.bid({ bidder: BigInt(i + 1), amount }, { autoDeposit: true });
      network.log(`${bidder.name} (bidder ${i + 1}) placed a sealed bid (task ${r.taskId})`);
    });

    const closed = await client.contract(compiled, contractId).call.close({}, { autoDeposit: true });
    const revealed = { winner: closed.outputs.winner, price: closed.outputs.price, taskId: closed.taskId };
    network.log(`close revealed: winner bidder ${revealed.winner}, price ${revealed.price} (task ${closed.taskId})`);

    // The receipt (committed by the committee in a batch) makes the settle call in its transaction.
    const read = <T>(functionName: 'settled' | 'winner' | 'price' | 'settledByTask') =>
      network.publicClient.readContract({ address: settlement, abi: auctionSettlementAbi, functionName }) as Promise<T>;
    const deadline = Date.now() + settleTimeoutMs;
    while (!(await read<boolean>('settled'))) {
      if (Date.now() > deadline) throw new Error(`AuctionSettlement not settled after ${settleTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const [winner, price, settledByTask] = await Promise.all([
      read<bigint>('winner'),
      read<bigint>('price'),
      read<bigint>('settledByTask'),
    ]);
    network.log(`on chain: AuctionSettlement.settled by task ${settledByTask}: winner ${winner}, price ${price}`);
    return { contractId, settlement, revealed, onChain: { settled: true, winner, price, settledByTask } };
  } finally {
    await network.close();
  }
}

mainIf(import.meta.url, run);
