// Deploys the whole suite through any viem wallet client (browser-safe: no file access here; see node.ts).
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  getAddress,
  type Hex,
  isAddress,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import {
  dataRegistryAbi,
  dataRegistryBytecode,
  epochsAbi,
  epochsBytecode,
  mosaicTokenAbi,
  mosaicTokenBytecode,
  nodeRegistryAbi,
  nodeRegistryBytecode,
  secretContractsAbi,
  secretContractsBytecode,
  tasksAbi,
  tasksBytecode,
} from './artifacts.js';
import type { MosaicAddresses } from './bindings.js';

export interface DeployParameters {
  /** Blocks per epoch (at least 1). */
  epochLength: bigint;
  /** Blocks after creation after which an unreceipted task is refundable (at least 1). */
  taskTimeoutBlocks: bigint;
  /** Storage fee in MOS (smallest unit) per byte per epoch. */
  storageFeePerByteEpoch: bigint;
  /** The lowest gas price a task may pay (MOS smallest units per gas unit, in [1, 10^12]); default 1. */
  minGasPrice?: bigint;
  /** Owner of the registry, secret-contract ledger, tasks and data registry; default: the deployer. */
  owner?: Address;
  /** Receives storage fees; default: the owner. */
  storageFeeRecipient?: Address;
}

export interface Deployment {
  chainId: number;
  deployer: Address;
  /** Block of the last deployment transaction. */
  blockNumber: bigint;
  parameters: { epochLength: bigint; taskTimeoutBlocks: bigint; storageFeePerByteEpoch: bigint; minGasPrice: bigint };
  addresses: MosaicAddresses;
}

/** Tasks.MAX_MIN_GAS_PRICE: the highest minimum gas price the owner may set. */
export const MAX_MIN_GAS_PRICE = 10n ** 12n;

type DeployWallet = WalletClient<Transport, Chain | undefined, Account>;

export function validateDeployParameters(parameters: DeployParameters): void {
  const positive = (value: unknown, name: string) => {
    if (typeof value !== 'bigint' || value < 1n || value >= 1n << 64n) {
      throw new RangeError(`${name} must be a bigint in [1, 2^64)`);
    }
  };
  positive(parameters.epochLength, 'epochLength');
  positive(parameters.taskTimeoutBlocks, 'taskTimeoutBlocks');
  if (typeof parameters.storageFeePerByteEpoch !== 'bigint' || parameters.storageFeePerByteEpoch < 0n) {
    throw new RangeError('storageFeePerByteEpoch must be a non-negative bigint');
  }
  const { minGasPrice } = parameters;
  if (
    minGasPrice !== undefined &&
    (typeof minGasPrice !== 'bigint' || minGasPrice < 1n || minGasPrice > MAX_MIN_GAS_PRICE)
  ) {
    throw new RangeError(`minGasPrice must be a bigint in [1, ${MAX_MIN_GAS_PRICE}]`);
  }
  for (const key of ['owner', 'storageFeeRecipient'] as const) {
    const value = parameters[key];
    if (value !== undefined && !isAddress(value)) throw new TypeError(`${key} must be an address`);
  }
}

/**
 * Deploys MosaicToken, NodeRegistry, Epochs, SecretContracts, Tasks and DataRegistry, and wires them
 * (NodeRegistry.setEpochs, SecretContracts.setTasks). The deployer receives the whole MOS supply.
 * When `owner` differs from the deployer, wiring is done by the deployer before ownership is handed over.
 */
export async function deployMosaic(
  wallet: DeployWallet,
  publicClient: PublicClient,
  parameters: DeployParameters,
): Promise<Deployment> {
  validateDeployParameters(parameters);
  const deployer = wallet.account.address;
  const owner = parameters.owner ?? deployer;
  const feeRecipient = parameters.storageFeeRecipient ?? owner;
  const minGasPrice = parameters.minGasPrice ?? 1n;
  let lastBlock = 0n;

  const create = async (abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> => {
    const hash = await wallet.deployContract({ abi, bytecode, args, account: wallet.account, chain: wallet.chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`deployment failed: ${hash}`);
    lastBlock = receipt.blockNumber;
    return getAddress(receipt.contractAddress);
  };
  const call = async (address: Address, abi: Abi, functionName: string, args: readonly unknown[]) => {
    const hash = await wallet.writeContract({
      address,
      abi,
      functionName,
      args,
      account: wallet.account,
      chain: wallet.chain,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${functionName} failed: ${hash}`);
    lastBlock = receipt.blockNumber;
  };

  const token = await create(mosaicTokenAbi, mosaicTokenBytecode, []);
  const nodeRegistry = await create(nodeRegistryAbi, nodeRegistryBytecode, [token, deployer]);
  const epochs = await create(epochsAbi, epochsBytecode, [nodeRegistry, parameters.epochLength]);
  await call(nodeRegistry, nodeRegistryAbi, 'setEpochs', [epochs]);
  const secretContracts = await create(secretContractsAbi, secretContractsBytecode, [epochs, deployer]);
  const tasks = await create(tasksAbi, tasksBytecode, [
    token,
    secretContracts,
    epochs,
    parameters.taskTimeoutBlocks,
    minGasPrice,
    owner,
  ]);
  await call(secretContracts, secretContractsAbi, 'setTasks', [tasks]);
  const dataRegistry = await create(dataRegistryAbi, dataRegistryBytecode, [
    token,
    epochs,
    parameters.storageFeePerByteEpoch,
    feeRecipient,
    owner,
  ]);
  if (owner.toLowerCase() !== deployer.toLowerCase()) {
    await call(nodeRegistry, nodeRegistryAbi, 'transferOwnership', [owner]);
    await call(secretContracts, secretContractsAbi, 'transferOwnership', [owner]);
  }

  return {
    chainId: await publicClient.getChainId(),
    deployer,
    blockNumber: lastBlock,
    parameters: {
      epochLength: parameters.epochLength,
      taskTimeoutBlocks: parameters.taskTimeoutBlocks,
      storageFeePerByteEpoch: parameters.storageFeePerByteEpoch,
      minGasPrice,
    },
    addresses: { token, nodeRegistry, epochs, secretContracts, tasks, dataRegistry },
  };
}
