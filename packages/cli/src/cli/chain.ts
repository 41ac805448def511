/** viem clients for a resolved network, epoch helpers, and transactions simulated first (decoded reverts). */
import { MosaicClient } from '@mosaic/client';
import { advanceAnvilEpoch, epochsAbi, type MosaicAddresses } from '@mosaic/contracts';
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import type { Network } from './connection.js';
import { CliError } from './errors.js';
import { EXIT } from './exit-codes.js';

export function chainOf(network: Network): Chain {
  return defineChain({
    id: network.chainId,
    name: `chain-${network.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [network.chainRpc] } },
  });
}

export function publicClientOf(network: Network): PublicClient {
  return createPublicClient({
    chain: chainOf(network),
    transport: http(network.chainRpc),
    pollingInterval: 50,
  }) as PublicClient;
}

export async function connectClient(network: Network, account: Account): Promise<MosaicClient> {
  return MosaicClient.connect({
    chain: { rpcUrl: network.chainRpc, account },
    addresses: network.addresses,
    node: network.nodeRpc as string,
  });
}

/**
 * Simulates, then sends a contract call and waits for its receipt. The simulation turns a revert into viem's
 * ContractFunctionRevertedError with the custom error decoded (errors.ts makes a sentence of it).
 */
export async function send(
  network: Network,
  account: Account,
  address: Address,
  abi: Abi | readonly unknown[],
  functionName: string,
  args: readonly unknown[],
): Promise<TransactionReceipt> {
  const client = publicClientOf(network);
  const { request } = await client.simulateContract({
    address,
    abi: abi as Abi,
    functionName,
    args,
    account,
  } as never);
  const wallet = createWalletClient({ account, chain: chainOf(network), transport: http(network.chainRpc) });
  const hash = await wallet.writeContract(request as never);
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') {
    throw new CliError(`${functionName} reverted in transaction ${hash}`, EXIT.REJECTED);
  }
  return receipt;
}

export async function epochState(
  client: PublicClient,
  addresses: MosaicAddresses,
): Promise<{ epoch: bigint; nextAdvanceBlock: bigint; block: bigint }> {
  const [epoch, nextAdvanceBlock, block] = await Promise.all([
    client.readContract({ address: addresses.epochs, abi: epochsAbi, functionName: 'currentEpoch' }) as Promise<bigint>,
    client.readContract({
      address: addresses.epochs,
      abi: epochsAbi,
      functionName: 'nextAdvanceBlock',
    }) as Promise<bigint>,
    client.getBlockNumber({ cacheTime: 0 }),
  ]);
  return { epoch, nextAdvanceBlock, block };
}

/** Whether the chain is anvil (a devnet): only there may the CLI mine blocks to reach the next epoch. */
export async function isAnvil(client: PublicClient): Promise<boolean> {
  try {
    const version = await client.request({ method: 'web3_clientVersion' } as never);
    return /anvil/i.test(String(version));
  } catch {
    return false;
  }
}

/**
 * Brings the chain to epoch `target`. On anvil: mine and call advanceEpoch for both of its steps (anyone may).
 * Elsewhere: wait for someone to advance it, up to `timeoutMs`.
 */
export async function reachEpoch(
  network: Network,
  account: Account,
  target: bigint,
  options: { timeoutMs: number; onWait?: (state: { epoch: bigint; nextAdvanceBlock: bigint; block: bigint }) => void },
): Promise<bigint> {
  const client = publicClientOf(network);
  const devnet = await isAnvil(client);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const state = await epochState(client, network.addresses);
    if (state.epoch >= target) return state.epoch;
    if (devnet) {
      // Both steps of the epoch advance (snapshot, then the seed SEED_DELAY blocks later), mining as needed.
      await advanceAnvilEpoch({
        rpcUrl: network.chainRpc,
        account,
        epochs: network.addresses.epochs,
        chain: chainOf(network),
      });
      continue;
    }
    options.onWait?.(state);
    if (Date.now() > deadline) {
      throw new CliError(
        `epoch ${target} has not started (now epoch ${state.epoch}; the next can start at block ${state.nextAdvanceBlock}, now ${state.block})`,
        EXIT.TASK_FAILED,
        'anyone may call Epochs.advanceEpoch() once that block is reached; try again later',
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
