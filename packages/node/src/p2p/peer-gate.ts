/**
 * Who may open a stream on a Mosaic protocol (docs/security.md, "Unauthenticated peers"). Every Mosaic protocol
 * but the DHT is spoken between registered nodes only, so an inbound stream is admitted only when its remote peer
 * id is a registered node's, and only within that peer's stream rate; otherwise it is reset before a byte of it is
 * read. A peer that is no registered node and keeps opening streams is disconnected and its inbound connections
 * are refused for a while (the host's connection gater asks `isBanned`).
 *
 * The check is synchronous and local (the registered set is in memory): refusing a stream costs no chain call.
 */
import type { Connection, StreamHandler } from '@libp2p/interface';
import { TokenBuckets } from './token-buckets.js';

export interface PeerGateComponents {
  /** The registered nodes' peer ids. */
  registered: { admits(peerId: string): Promise<boolean> };
  /** Called for every refused stream (metrics, logs). */
  onRefused?: (refusal: { peer: string; protocol: string; reason: string }) => void;
}

export interface PeerGateOptions {
  /** Inbound Mosaic streams one peer may open at once, and per second after that (defaults 256 and 64). */
  streamBurst?: number;
  streamsPerSecond?: number;
  /** Streams of an unregistered peer after which it is disconnected and banned (default 32 at once, 8 per second). */
  strikeBurst?: number;
  strikesPerSecond?: number;
  /** How long a banned peer's connections are refused (default 60 s). */
  banMs?: number;
}

const MAX_BANNED = 10_000;
const NOT_REGISTERED = 'not a registered node';

export class PeerGate {
  private readonly streams: TokenBuckets;
  private readonly strikes: TokenBuckets;
  private readonly banned = new Map<string, number>();
  private readonly banMs: number;

  constructor(
    private readonly components: PeerGateComponents,
    options: PeerGateOptions = {},
  ) {
    this.streams = new TokenBuckets({
      capacity: options.streamBurst ?? 256,
      refillPerSecond: options.streamsPerSecond ?? 64,
    });
    this.strikes = new TokenBuckets({
      capacity: options.strikeBurst ?? 32,
      refillPerSecond: options.strikesPerSecond ?? 8,
    });
    this.banMs = options.banMs ?? 60_000;
  }

  /** `handler`, run only for inbound streams the gate admits; the others are reset unread. */
  guard(protocol: string, handler: StreamHandler): StreamHandler {
    return async (stream, connection) => {
      const reason = await this.refusal(connection);
      if (reason === undefined) return handler(stream, connection);
      stream.abort(new Error(`refused: ${reason}`));
      this.strike(protocol, connection, reason);
    };
  }

  /** Whether inbound connections of `peerId` are refused now (the connection gater's question). */
  isBanned(peerId: string): boolean {
    const until = this.banned.get(peerId);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.banned.delete(peerId);
    return false;
  }

  private async refusal(connection: Connection): Promise<string | undefined> {
    const peer = connection.remotePeer.toString();
    if (!(await this.components.registered.admits(peer))) return NOT_REGISTERED;
    if (!this.streams.take(peer)) return 'stream rate exceeded';
    return undefined;
  }

  private strike(protocol: string, connection: Connection, reason: string): void {
    const peer = connection.remotePeer.toString();
    this.components.onRefused?.({ peer, protocol, reason });
    // A registered node over its rate only loses those streams: under load a busy committee member is no flooder.
    if (reason !== NOT_REGISTERED || this.strikes.take(peer)) return;
    this.banned.set(peer, Date.now() + this.banMs);
    if (this.banned.size > MAX_BANNED) this.banned.delete(this.banned.keys().next().value as string);
    connection.abort(new Error(`peer banned for ${this.banMs} ms: ${reason}`));
  }
}
