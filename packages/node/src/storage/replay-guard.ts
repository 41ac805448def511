/**
 * Each (load request, segment, mode) is answered once (docs/storage.md, "Load"): the member records it durably,
 * with the request's expiry, before answering, and refuses it when it comes again. Entries are kept until they
 * expire.
 */
import type { Namespace, Store } from '../db/store.js';
import { StorageError } from './errors.js';
import type { ShareStore } from './share-store.js';

export interface ReplayGuardComponents {
  store: Pick<Store, 'namespace'>;
  /** The share store's group commit: a nonce goes to disk in the same fsynced batches as the shares. */
  shares: Pick<ShareStore, 'commits'>;
}

/** How often at most the expired entries are swept. */
const PRUNE_INTERVAL_MS = 60_000;

export class ReplayGuard {
  private readonly nonces: Namespace<Uint8Array>;
  private readonly pending = new Set<string>();
  private prunedAt = 0;

  constructor(private readonly components: ReplayGuardComponents) {
    this.nonces = components.store.namespace('data-nonces', {
      encode: (v: Uint8Array) => v,
      decode: (b: Uint8Array) => b,
    });
  }

  /** Marks `key` used, durably, until `expiresAt` (unix seconds); refuses a key seen before. */
  async use(key: string, expiresAt: number): Promise<void> {
    if (this.pending.has(key) || (await this.nonces.has(key))) {
      throw new StorageError('replayed', 'this load request was already answered (replay)');
    }
    this.pending.add(key);
    try {
      const value = new Uint8Array(8);
      new DataView(value.buffer).setBigUint64(0, BigInt(expiresAt));
      await this.components.shares.commits.write((batch) => batch.put(this.nonces, key, value));
    } finally {
      this.pending.delete(key);
    }
    if (Date.now() - this.prunedAt > PRUNE_INTERVAL_MS) void this.prune().catch(() => {});
  }

  /** Deletes the entries whose request has expired. */
  async prune(): Promise<void> {
    this.prunedAt = Date.now();
    const now = BigInt(Math.floor(Date.now() / 1000));
    for await (const [key, value] of this.nonces.entries()) {
      if (value.length === 8 && new DataView(value.buffer, value.byteOffset).getBigUint64(0) < now) {
        await this.nonces.del(key);
      }
    }
  }
}
