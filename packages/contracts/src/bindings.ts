// Typed contract instances (viem getContract) for a deployed suite.
import {
  type Account,
  type Address,
  type Chain,
  type GetContractReturnType,
  getContract,
  isAddress,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import {
  dataRegistryAbi,
  epochsAbi,
  mosaicTokenAbi,
  nodeRegistryAbi,
  secretContractsAbi,
  tasksAbi,
} from './artifacts.js';

/** Addresses of one deployment of the suite. */
export interface MosaicAddresses {
  token: Address;
  nodeRegistry: Address;
  epochs: Address;
  secretContracts: Address;
  tasks: Address;
  dataRegistry: Address;
}

export const MOSAIC_CONTRACT_NAMES = [
  'token',
  'nodeRegistry',
  'epochs',
  'secretContracts',
  'tasks',
  'dataRegistry',
] as const satisfies readonly (keyof MosaicAddresses)[];

/** Checks that `value` holds an address for every contract of the suite. */
export function assertMosaicAddresses(value: unknown): asserts value is MosaicAddresses {
  if (typeof value !== 'object' || value === null) throw new TypeError('addresses must be an object');
  for (const name of MOSAIC_CONTRACT_NAMES) {
    const address = (value as Record<string, unknown>)[name];
    if (typeof address !== 'string' || !isAddress(address)) throw new TypeError(`addresses.${name} is not an address`);
  }
}

export interface MosaicClients {
  public: PublicClient;
  /** Needed for writes; its account sends them. */
  wallet?: WalletClient<Transport, Chain | undefined, Account | undefined>;
}

/** Typed instances of every contract of the suite. */
export interface MosaicContracts {
  token: GetContractReturnType<typeof mosaicTokenAbi, MosaicClients>;
  nodeRegistry: GetContractReturnType<typeof nodeRegistryAbi, MosaicClients>;
  epochs: GetContractReturnType<typeof epochsAbi, MosaicClients>;
  secretContracts: GetContractReturnType<typeof secretContractsAbi, MosaicClients>;
  tasks: GetContractReturnType<typeof tasksAbi, MosaicClients>;
  dataRegistry: GetContractReturnType<typeof dataRegistryAbi, MosaicClients>;
}

/** Typed instances of every contract; writes need a wallet client with an account. */
export function mosaicContracts(addresses: MosaicAddresses, client: MosaicClients): MosaicContracts {
  assertMosaicAddresses(addresses);
  const clients = client;
  return {
    token: getContract({ address: addresses.token, abi: mosaicTokenAbi, client: clients }),
    nodeRegistry: getContract({ address: addresses.nodeRegistry, abi: nodeRegistryAbi, client: clients }),
    epochs: getContract({ address: addresses.epochs, abi: epochsAbi, client: clients }),
    secretContracts: getContract({ address: addresses.secretContracts, abi: secretContractsAbi, client: clients }),
    tasks: getContract({ address: addresses.tasks, abi: tasksAbi, client: clients }),
    dataRegistry: getContract({ address: addresses.dataRegistry, abi: dataRegistryAbi, client: clients }),
  };
}
