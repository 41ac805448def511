// Advancing the epoch on a local anvil chain, for tests, the devnet and the examples: Epochs opens an epoch in
// two steps (snapshot, then the seed from a block at least SEED_DELAY later), so mine up to the block at which
// the next step is allowed and take it, until the epoch advances; then mine one more block (the new epoch
// begins in the block after the seed step). Node or browser; needs an anvil endpoint (anvil_mine).
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
} from 'viem';
import { foundry } from 'viem/chains';
import { epochsAbi } from './artifacts.js';

export interface AdvanceAnvilEpochOptions {
  rpcUrl: string;
  /** Any funded account (Epochs.advanceEpoch is open to all). */
  account: Account;
  epochs: Address;
  chain?: Chain;
}

/** Returns the epoch current after the advance. */
export async function advanceAnvilEpoch(options: AdvanceAnvilEpochOptions): Promise<bigint> {
  const chain = options.chain ?? foundry;
  const transport = http(options.rpcUrl);
  const client = createPublicClient({ chain, transport, pollingInterval: 20 });
  const testClient = createTestClient({ chain, transport, mode: 'anvil' });
  const wallet = createWalletClient({ account: options.account, chain, transport });
  const read = (functionName: 'nextAdvanceBlock' | 'currentEpoch' | 'epochCount') =>
    client.readContract({ address: options.epochs, abi: epochsAbi, functionName });
  const target = await read('epochCount');
  // Two steps; a third only if something else took a step in between (then the count moved on already).
  for (let step = 0; step < 3 && (await read('epochCount')) === target; step++) {
    const [next, now] = await Promise.all([read('nextAdvanceBlock'), client.getBlockNumber({ cacheTime: 0 })]);
    if (next > now + 1n) await testClient.mine({ blocks: Number(next - now - 1n) });
    const hash = await wallet.writeContract({
      account: options.account,
      chain,
      address: options.epochs,
      abi: epochsAbi,
      functionName: 'advanceEpoch',
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`advanceEpoch reverted in ${hash}`);
  }
  await testClient.mine({ blocks: 1 });
  return read('currentEpoch');
}
