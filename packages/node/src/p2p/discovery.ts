/**
 * Persistent discovery: keeps at least `minConnections` peers. While below, it re-dials the bootstrap
 * peers and the peers the DHT has told it about (the peer store), and asks the DHT for the peers closest to
 * its own id, which fills its routing table. Peers that drop are thus dialled again on the next check.
 */
import type { Logger } from 'pino';
import { bootstrap } from './bootstrap.js';
import type { Host } from './host.js';

export interface DiscoveryOptions {
  minConnections: number;
  checkIntervalMs: number;
  bootstrap: readonly string[];
  logger: Logger;
}

export class ConnectionKeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private checking: Promise<void> | undefined;
  /** Dials made to get back to the minimum. */
  redials = 0;

  constructor(
    private readonly host: Host,
    private readonly options: DiscoveryOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.checking;
  }

  /** One check: dial until the minimum is met or there is no one left to try. */
  async check(): Promise<number> {
    const host = this.host;
    const wanted = this.options.minConnections;
    if (host.getPeers().length >= wanted) return host.getPeers().length;
    const connected = new Set(host.getPeers().map(String));
    const boots = this.options.bootstrap.filter((address) => !connected.has(address.split('/p2p/')[1] ?? ''));
    if (boots.length > 0) {
      await bootstrap(host, boots, { attempts: 1, dialTimeoutMs: 3_000 });
      this.redials += boots.length;
    }
    if (host.getPeers().length < wanted) {
      for (const peer of await host.peerStore.all()) {
        if (!this.running || host.getPeers().length >= wanted) break;
        if (peer.id.equals(host.peerId) || connected.has(peer.id.toString()) || peer.addresses.length === 0) continue;
        this.redials++;
        await host.dial(peer.id, { signal: AbortSignal.timeout(3_000) }).catch(() => {});
      }
    }
    if (host.getPeers().length > 0 && host.getPeers().length < wanted) {
      // Learn about more peers: a lookup of our own id walks the DHT towards our neighbourhood.
      try {
        for await (const _ of host.services.dht.getClosestPeers(host.peerId.toMultihash().bytes, {
          signal: AbortSignal.timeout(5_000),
        })) {
          if (!this.running) break;
        }
      } catch {
        // a lookup that times out still taught the peer store something
      }
    }
    return host.getPeers().length;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.checking = this.check()
        .then((count) => {
          if (count < this.options.minConnections) {
            this.options.logger.debug({ peers: count, minimum: this.options.minConnections }, 'below minimum peers');
          }
        })
        .catch((error: unknown) => this.options.logger.warn({ err: String(error) }, 'discovery check failed'))
        .finally(() => {
          this.checking = undefined;
          if (this.running) this.schedule();
        });
    }, this.options.checkIntervalMs);
    this.timer.unref?.();
  }
}
