/**
 * Mosaic's contract events, decoded with each contract's own ABI (several contracts have events of the same
 * name and signature, e.g. `Deposited`, so decoding goes by emitting address, not by topic alone).
 */
import {
  dataRegistryAbi,
  epochsAbi,
  type MosaicAddresses,
  mosaicTokenAbi,
  nodeRegistryAbi,
  secretContractsAbi,
  tasksAbi,
} from '@mosaic/contracts';
import type { Address, ContractEventName, GetEventArgs, Hex } from 'viem';

export const CONTRACT_ABIS = {
  token: mosaicTokenAbi,
  nodeRegistry: nodeRegistryAbi,
  epochs: epochsAbi,
  secretContracts: secretContractsAbi,
  tasks: tasksAbi,
  dataRegistry: dataRegistryAbi,
} as const;

export type ContractName = keyof MosaicAddresses;
export type AbiOf<C extends ContractName> = (typeof CONTRACT_ABIS)[C];
export type EventNameOf<C extends ContractName> = ContractEventName<AbiOf<C>>;
export type EventArgsOf<C extends ContractName, N extends EventNameOf<C>> = GetEventArgs<
  AbiOf<C>,
  N,
  { EnableUnion: false; IndexedOnly: false; Required: true }
>;

/** Where an event sits in the chain: events are delivered in (blockNumber, logIndex) order. */
export interface EventPosition {
  blockNumber: bigint;
  logIndex: number;
}

export interface ChainEvent<C extends ContractName = ContractName, N extends EventNameOf<C> = EventNameOf<C>>
  extends EventPosition {
  contract: C;
  address: Address;
  eventName: N;
  args: EventArgsOf<C, N>;
  blockHash: Hex;
  transactionHash: Hex;
}

/** Any decoded Mosaic event (a union over contracts; narrow with `contract` and `eventName`). */
export type AnyChainEvent = { [C in ContractName]: ChainEvent<C> }[ContractName];

export function comparePositions(a: EventPosition, b: EventPosition): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.logIndex - b.logIndex;
}
