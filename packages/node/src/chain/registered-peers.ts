/**
 * The libp2p peer ids of every registered node (`NodeRegistry.NodeRegistered`), held in memory: the set a peer
 * must belong to before this node reads anything it sends on a Mosaic protocol (docs/security.md, "Unauthenticated
 * peers"). A registration costs a transaction, so identities cannot be made up for free, and the answer is known
 * locally, without a chain call per peer or per request.
 *
 * Filled by one scan of the registry's `NodeRegistered` logs at start, then kept current by the chain listener's
 * events (`note`). A peer not in the set may have registered in blocks not yet seen: a miss asks the chain for the
 * logs since the last scan, at most once per `refreshIntervalMs` whoever misses, so a flood of unknown peers costs
 * the chain provider one `eth_getLogs` per interval and nothing per request.
 */
import { nodeRegistryAbi } from '@mosaic/contracts';
import type { Logger } from 'pino';
import type { Address, Hex, PublicClient } from 'viem';
import { peerIdFromBytes } from './membership.js';

export interface RegisteredPeersComponents {
  client: Pick<PublicClient, 'getContractEvents' | 'getBlockNumber'>;
  nodeRegistry: Address;
  /** First block to scan (the deployment's). */
  fromBlock: bigint;
  /** Largest block range of one log query. */
  maxBlockRange: number;
  logger: Logger;
  /** Least time between two scans caused by unknown peers (default 2 s). */
  refreshIntervalMs?: number;
}

export class RegisteredPeers {
  private readonly peers = new Set<string>();
  /** The next block to scan. */
  private nextBlock: bigint;
  private waiting: Promise<void> | undefined;
  private scanning: Promise<void> | undefined;
  private lastScanAt = 0;

  constructor(private readonly components: RegisteredPeersComponents) {
    this.nextBlock = components.fromBlock;
  }

  /** Scans the registrations up to the chain's head. */
  async start(): Promise<void> {
    await this.scan();
  }

  get size(): number {
    return this.peers.size;
  }

  /** A `NodeRegistered` event's peer id bytes (from the chain listener). */
  note(peerIdBytes: Hex): void {
    try {
      this.peers.add(peerIdFromBytes(peerIdBytes).toString());
    } catch {
      // A registered peer id that is not a libp2p peer id can never connect: nothing to admit.
    }
  }

  /**
   * Whether `peerId` is a registered node. One not known yet waits for the next read of the registrations (one
   * read per refresh interval, shared by every waiting stream): a node that registered a moment ago is admitted
   * on its first stream, and a flood of unknown peers still costs one chain read per interval.
   */
  async admits(peerId: string): Promise<boolean> {
    if (this.peers.has(peerId)) return true;
    await this.nextScan().catch((error: unknown) => {
      this.components.logger.warn({ err: String(error) }, 'registered nodes could not be read');
    });
    return this.peers.has(peerId);
  }

  private nextScan(): Promise<void> {
    if (this.scanning !== undefined) return this.scanning;
    const wait = this.lastScanAt + (this.components.refreshIntervalMs ?? 2_000) - Date.now();
    if (wait <= 0) return this.scan();
    this.waiting ??= new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => {
      this.waiting = undefined;
      return this.scan();
    });
    return this.waiting;
  }

  private scan(): Promise<void> {
    this.scanning ??= this.scanToHead().finally(() => {
      this.lastScanAt = Date.now();
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scanToHead(): Promise<void> {
    const { client, nodeRegistry, maxBlockRange } = this.components;
    const head = await client.getBlockNumber();
    while (this.nextBlock <= head) {
      const toBlock = minBig(head, this.nextBlock + BigInt(maxBlockRange) - 1n);
      const events = await client.getContractEvents({
        abi: nodeRegistryAbi,
        address: nodeRegistry,
        eventName: 'NodeRegistered',
        fromBlock: this.nextBlock,
        toBlock,
      });
      for (const event of events) {
        const peerId = (event.args as { peerId?: Hex }).peerId;
        if (peerId !== undefined) this.note(peerId);
      }
      this.nextBlock = toBlock + 1n;
    }
  }
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
