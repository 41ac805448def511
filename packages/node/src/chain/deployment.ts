/**
 * Where the ledger is: viem clients for the configured JSON-RPC endpoint and the suite's addresses, from a
 * deployments file (`<chainId>.json`, as `@mosaic/contracts/node` writes it) or from the config.
 */
import { readFile } from 'node:fs/promises';
import { type MosaicAddresses, type MosaicContracts, mosaicContracts } from '@mosaic/contracts';
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { z } from 'zod';
import { addressesSchema, type ChainConfig } from '../config/schema.js';

export class DeploymentError extends Error {
  override name = 'DeploymentError';
}

const deploymentFileSchema = z.looseObject({
  chainId: z.number().int().positive(),
  blockNumber: z.string().regex(/^\d+$/),
  addresses: addressesSchema,
});

export interface ResolvedDeployment {
  chainId: number;
  addresses: MosaicAddresses;
  /** The block the suite was deployed in (where following events starts by default). */
  blockNumber: bigint;
}

export interface ChainClients {
  chain: Chain;
  public: PublicClient;
  /** Sends as the operator. */
  wallet: WalletClient<Transport, Chain, Account>;
  contracts: MosaicContracts;
  deployment: ResolvedDeployment;
}

export async function connectChain(config: ChainConfig, operator: Account): Promise<ChainClients> {
  const probe = createPublicClient({ transport: http(config.rpcUrl, { retryCount: 2, timeout: 10_000 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    throw new DeploymentError(`chain ${config.rpcUrl} does not answer: ${shortMessage(error)}`);
  }
  const deployment = await resolveDeployment(config, chainId);
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
  const transport = http(config.rpcUrl, { retryCount: 2, timeout: 20_000 });
  const pollingInterval = Math.min(config.pollIntervalMs, 1_000);
  const publicClient = createPublicClient({ chain, transport, pollingInterval }) as PublicClient;
  const wallet = createWalletClient({ account: operator, chain, transport, pollingInterval });
  const contracts = mosaicContracts(deployment.addresses, { public: publicClient, wallet });
  return { chain, public: publicClient, wallet, contracts, deployment };
}

async function resolveDeployment(config: ChainConfig, chainId: number): Promise<ResolvedDeployment> {
  if (config.deploymentFile === undefined) {
    const addresses = config.addresses as MosaicAddresses;
    return { chainId, addresses: normalise(addresses), blockNumber: BigInt(config.fromBlock ?? 0) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(config.deploymentFile, 'utf8'));
  } catch (error) {
    throw new DeploymentError(`cannot read deployment file ${config.deploymentFile}: ${(error as Error).message}`);
  }
  const parsed = deploymentFileSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new DeploymentError(`deployment file ${config.deploymentFile} is malformed (at ${where})`);
  }
  if (parsed.data.chainId !== chainId) {
    throw new DeploymentError(
      `deployment file ${config.deploymentFile} is for chain ${parsed.data.chainId}, but ${config.rpcUrl} is chain ${chainId}`,
    );
  }
  const addresses = normalise((config.addresses ?? parsed.data.addresses) as MosaicAddresses);
  return { chainId, addresses, blockNumber: BigInt(parsed.data.blockNumber) };
}

function normalise(addresses: MosaicAddresses): MosaicAddresses {
  return Object.fromEntries(
    Object.entries(addresses).map(([name, address]) => [name, getAddress(address)]),
  ) as unknown as MosaicAddresses;
}

export function shortMessage(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error && typeof error.shortMessage === 'string') {
    return error.shortMessage;
  }
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}
