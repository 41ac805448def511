/**
 * The storage member (docs/storage.md, "Store" and "Load"): holds this node's shares and answers the gateways'
 * store and load requests, checking everything itself whoever forwarded them.
 */
import type { Logger } from 'pino';
import type { Address, Hex } from 'viem';
import type { Store } from '../db/store.js';
import type { Host } from '../p2p/host.js';
import { serveStorageProtocol } from './channels.js';
import type { StorageDirectory } from './directory.js';
import { LoadHandler } from './load-handler.js';
import { ReplayGuard } from './replay-guard.js';
import type { ShareStore } from './share-store.js';
import { StoreHandler } from './store-handler.js';
import { LOAD_PROTOCOL, STORE_PROTOCOL } from './wire.js';

export interface StorageMemberComponents {
  host: Host;
  logger: Logger;
  /** The node's key-value store (the load nonces' namespace). */
  store: Pick<Store, 'namespace'>;
  shares: ShareStore;
  directory: StorageDirectory;
  operator: Address;
  x25519SecretKey: Uint8Array;
  x25519PublicKey: Hex;
}

/** What a gateway asks of the member on the same node (a request to itself is answered in process). */
export interface LocalMember {
  store(bytes: Uint8Array): Promise<Uint8Array>;
  load(bytes: Uint8Array): Promise<Uint8Array>;
}

export class StorageMember implements LocalMember {
  private readonly stores: StoreHandler;
  private readonly loads: LoadHandler;
  private readonly replays: ReplayGuard;
  private readonly stops: (() => Promise<void>)[] = [];

  constructor(private readonly components: StorageMemberComponents) {
    const { shares, directory, operator, logger } = components;
    this.replays = new ReplayGuard({ store: components.store, shares });
    this.stores = new StoreHandler({
      directory,
      shares,
      operator,
      x25519SecretKey: components.x25519SecretKey,
      x25519PublicKey: components.x25519PublicKey,
      logger,
    });
    this.loads = new LoadHandler({ directory, shares, replays: this.replays, operator });
  }

  async start(): Promise<void> {
    const { host, logger } = this.components;
    this.stops.push(await serveStorageProtocol(host, logger, STORE_PROTOCOL, (bytes) => this.store(bytes)));
    this.stops.push(await serveStorageProtocol(host, logger, LOAD_PROTOCOL, (bytes) => this.load(bytes)));
    await this.replays.prune().catch(() => {});
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) await stop();
  }

  store(bytes: Uint8Array): Promise<Uint8Array> {
    return this.stores.accept(bytes);
  }

  load(bytes: Uint8Array): Promise<Uint8Array> {
    return this.loads.answer(bytes);
  }
}
