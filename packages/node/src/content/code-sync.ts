/**
 * Lifecycle steps 4 and 5 for contract code: fetch the code of every secret contract this node serves, then
 * announce (DHT provide) every code hash it holds.
 */
import type { Logger } from 'pino';
import type { Hex } from 'viem';
import type { ChainClients } from '../chain/deployment.js';
import type { ChainMembership } from '../chain/membership.js';
import type { SecretContractIndex } from '../chain/secret-contracts.js';
import type { Store } from '../db/store.js';
import type { NodeKeys } from '../keys/keystore.js';
import type { Host } from '../p2p/host.js';
import type { CodeService } from './code.js';

export interface CodeSyncParts {
  chain: ChainClients;
  secretContracts: Pick<SecretContractIndex, 'all'>;
  membership: Pick<ChainMembership, 'committee'>;
  keys: Pick<NodeKeys, 'peerId'>;
  store: Store;
  host: Pick<Host, 'getPeers'>;
  code: Pick<CodeService, 'fetch' | 'provide'>;
}

/** Step 4: the code of every secret contract whose current committee includes this node. */
export async function syncCode(parts: CodeSyncParts, logger: Logger) {
  const { chain, secretContracts, membership, keys, store, code } = parts;
  const epoch = await chain.contracts.epochs.read.currentEpoch();
  const records = await secretContracts.all();
  const self = keys.peerId.toString();
  let member = 0;
  let held = 0;
  let fetched = 0;
  const missing: string[] = [];
  for (const record of records) {
    if (record.activeFromEpoch > epoch) continue;
    const committee = await membership.committee(record.id, epoch).catch((error: unknown) => {
      logger.warn({ contractId: String(record.id), err: String(error) }, 'committee unavailable');
      return undefined;
    });
    if (!committee?.members.some((m) => m.peerId === self)) continue;
    member++;
    const key = record.codeHash.toLowerCase();
    if (await store.code.has(key)) {
      held++;
      continue;
    }
    // fetch() accepts only bytes hashing to the chain's code hash.
    const bytes = await code.fetch(record.codeHash);
    if (bytes === undefined) {
      missing.push(key);
      continue;
    }
    await store.code.put(key, bytes);
    fetched++;
  }
  if (missing.length > 0) logger.warn({ missing }, 'code of some contracts could not be fetched yet');
  return { epoch, contracts: records.length, member, held, fetched, missing };
}

/** Step 5: provide every code hash this node holds. */
export async function announceCode({ store, host, code }: Pick<CodeSyncParts, 'store' | 'host' | 'code'>) {
  let announced = 0;
  let failed = 0;
  let held = 0;
  for await (const key of store.code.keys()) {
    held++;
    // With no peer to take the records, providing could only time out.
    if (host.getPeers().length === 0) continue;
    if (await code.provide(key as Hex)) announced++;
    else failed++;
  }
  return { held, announced, failed };
}
