/**
 * What the chain says about stored data (docs/storage.md, "Storage committee"): a pointer's record in
 * DataRegistry, its storage committee in an epoch (Epochs.committeeOf and each member's registered keys), the
 * current epoch and who may use the data (DataRegistry.canAccess). Records and committees never change once they
 * exist, so they are cached; access is always asked afresh.
 */
import { dataDomain, MAX_PAYLOAD_BYTES, type ShareBinding } from '@mosaic/protocol';
import { type Address, getAddress, type Hex } from 'viem';
import type { ChainClients } from '../chain/deployment.js';
import { peerIdFromBytes } from '../chain/membership.js';
import { cachedPromise, remember } from './cache.js';
import { StorageError } from './errors.js';

export interface StorageMemberInfo {
  member: number;
  operator: Address;
  peerId: string;
  x25519PublicKey: Hex;
}

export interface DataRecordOnChain {
  owner: Address;
  dataType: number;
  size: number;
  storedAtEpoch: bigint;
  paidThroughEpoch: bigint;
}

export interface StorageDirectoryComponents {
  chain: Pick<ChainClients, 'contracts' | 'deployment'>;
}

/** How long the reading of the current epoch is reused (a load asks per segment). */
const EPOCH_CACHE_MS = 1_000;

export class StorageDirectory {
  readonly chainId: bigint;
  readonly dataRegistry: Hex;
  private readonly records = new Map<string, DataRecordOnChain>();
  private readonly committees = new Map<string, Promise<StorageMemberInfo[]>>();
  /** The epoch each pointer was last loaded from at this node: where its shares are to be found first. */
  private readonly loadedEpochs = new Map<string, bigint>();
  private epochRead: { at: number; read: Promise<bigint> } | undefined;

  constructor(private readonly components: StorageDirectoryComponents) {
    this.chainId = BigInt(components.chain.deployment.chainId);
    this.dataRegistry = components.chain.deployment.addresses.dataRegistry;
  }

  /** The EIP-712 domain of the owner's and requesters' signatures. */
  get domain() {
    return dataDomain(this.chainId, this.dataRegistry);
  }

  /** What a member's envelope of a share is bound to (its context). */
  binding(pointer: Hex, epoch: bigint, member: number, segment: number, n: number, t: number): ShareBinding {
    return { chainId: this.chainId, dataRegistry: this.dataRegistry, pointer, epoch, member, segment, n, t };
  }

  /**
   * The chain record of a pointer. Owner, type, size and epoch never change once recorded (a pointer cannot be
   * recorded twice), so a record read once is cached; only `paidThroughEpoch` may grow, and access (which
   * depends on it) is always asked of the chain (canAccess).
   */
  async record(pointer: Hex): Promise<DataRecordOnChain> {
    const key = pointer.toLowerCase();
    const cached = this.records.get(key);
    if (cached) return cached;
    const record = await this.readRecord(pointer);
    remember(this.records, key, record);
    return record;
  }

  private async readRecord(pointer: Hex): Promise<DataRecordOnChain> {
    let r: { owner: Address; dataType: number; size: bigint; storedAtEpoch: bigint; paidThroughEpoch: bigint };
    try {
      r = (await this.components.chain.contracts.dataRegistry.read.dataOf([pointer])) as typeof r;
    } catch (error) {
      if (String(error).includes('UnknownPointer')) {
        throw new StorageError('not-on-chain', `no data is recorded on chain under pointer ${pointer}`);
      }
      throw new StorageError('unavailable', 'the chain could not be read');
    }
    const size = Number(r.size);
    if (size > MAX_PAYLOAD_BYTES) {
      throw new StorageError('bad-request', `recorded size ${size} exceeds this node's limit`);
    }
    return {
      owner: getAddress(r.owner),
      dataType: Number(r.dataType),
      size,
      storedAtEpoch: BigInt(r.storedAtEpoch),
      paidThroughEpoch: BigInt(r.paidThroughEpoch),
    };
  }

  /** The storage committee of `pointer` in `epoch` (fixed once the epoch exists: cached). */
  committee(pointer: Hex, epoch: bigint, n: number): Promise<StorageMemberInfo[]> {
    return cachedPromise(this.committees, `${pointer.toLowerCase()}:${epoch}:${n}`, () =>
      this.loadCommittee(pointer, epoch, n),
    );
  }

  private async loadCommittee(pointer: Hex, epoch: bigint, n: number): Promise<StorageMemberInfo[]> {
    const { contracts } = this.components.chain;
    let operators: readonly Address[];
    try {
      operators = await contracts.epochs.read.committeeOf([pointer, epoch, BigInt(n)]);
    } catch {
      throw new StorageError('bad-request', `epoch ${epoch} has no storage committee of ${n} members`);
    }
    return Promise.all(
      operators.map(async (operator, i) => {
        const [x25519PublicKey, peerIdBytes] = await contracts.nodeRegistry.read.keysOf([operator]);
        return {
          member: i + 1,
          operator: getAddress(operator),
          peerId: peerIdFromBytes(peerIdBytes).toString(),
          x25519PublicKey,
        };
      }),
    );
  }

  /** Refuses unless `operator` is member `member` of the pointer's storage committee in `epoch`. */
  async checkSeat(pointer: Hex, epoch: bigint, n: number, member: number, operator: Address): Promise<void> {
    const members = await this.committee(pointer, epoch, n);
    if (members[member - 1]?.operator !== getAddress(operator)) {
      throw new StorageError('not-member', `this node is not member ${member} of the storage committee of ${pointer}`);
    }
  }

  async currentEpoch(): Promise<bigint> {
    try {
      return await this.components.chain.contracts.epochs.read.currentEpoch();
    } catch {
      throw new StorageError('unavailable', 'the chain could not be read');
    }
  }

  /** The current epoch as read at most EPOCH_CACHE_MS ago (a load asks per segment). */
  recentEpoch(): Promise<bigint> {
    const now = Date.now();
    if (this.epochRead === undefined || now - this.epochRead.at > EPOCH_CACHE_MS) {
      const read = this.currentEpoch();
      read.catch(() => {
        if (this.epochRead?.read === read) this.epochRead = undefined;
      });
      this.epochRead = { at: now, read };
    }
    return this.epochRead.read;
  }

  /** Whether `account` may use the data at `pointer` now (DataRegistry.canAccess); 'unavailable' if unread. */
  async canAccess(account: Address, pointer: Hex): Promise<boolean> {
    try {
      return await this.components.chain.contracts.dataRegistry.read.canAccess([account, pointer]);
    } catch {
      throw new StorageError('unavailable', 'the chain could not be read');
    }
  }

  /** The epoch `pointer` was last loaded from at this node, if any. */
  loadedEpoch(pointer: Hex): bigint | undefined {
    return this.loadedEpochs.get(pointer.toLowerCase());
  }

  noteLoadedEpoch(pointer: Hex, epoch: bigint): void {
    remember(this.loadedEpochs, pointer.toLowerCase(), epoch);
  }
}
