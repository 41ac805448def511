/**
 * The storage protocols on long-lived channel streams (../p2p/channel.ts): a store or load moves one envelope per
 * member and segment, and a fresh libp2p stream for each costs more CPU than the envelope's checks.
 */
import type { PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import { ChannelRequester, serveChannel } from '../p2p/channel.js';
import type { Host } from '../p2p/host.js';
import { RemoteError } from '../p2p/request-response.js';
import { answerRemote, memberPeer, StorageError } from './errors.js';
import { MAX_ENVELOPE_BYTES, MAX_HEADER_BYTES } from './wire.js';

export type StorageHandler = (bytes: Uint8Array, peer: PeerId) => Promise<Uint8Array>;

/** Serves `protocol` for storage members; a refusal goes back as `kind: message` (errors.ts). */
export function serveStorageProtocol(
  host: Host,
  logger: Logger,
  protocol: string,
  handle: StorageHandler,
): Promise<() => Promise<void>> {
  return serveChannel(
    host,
    protocol,
    (bytes, peer) => answerRemote(logger, 'storage request failed', () => handle(bytes, peer)),
    { maxRequestBytes: MAX_ENVELOPE_BYTES + MAX_HEADER_BYTES, logger },
  );
}

export interface MemberChannelsComponents {
  host: Host;
  /** This node: a request to itself is answered in process (`local`). */
  self: PeerId;
  /** Time limit of one member exchange (default 20 s). */
  timeoutMs?: number;
}

/** The asking side: one requester per protocol, a long-lived stream to each member. */
export class MemberChannels {
  private readonly requesters = new Map<string, ChannelRequester>();

  constructor(private readonly components: MemberChannelsComponents) {}

  /**
   * Sends `message` to the member with peer id `peerId` on `protocol` and returns its answer; its refusal comes
   * back as the member's RemoteError, an unreachable member as 'unavailable'.
   */
  async exchange(peerId: string, protocol: string, message: Uint8Array, local: StorageHandler): Promise<Uint8Array> {
    const { self } = this.components;
    if (peerId === self.toString()) return local(message, self);
    const peer = memberPeer(peerId);
    try {
      return await this.requester(protocol).request(peer, message);
    } catch (error) {
      if (error instanceof RemoteError) throw error;
      throw new StorageError(
        'unavailable',
        `member unreachable: ${String((error as Error).message ?? error).slice(0, 120)}`,
      );
    }
  }

  close(): void {
    for (const requester of this.requesters.values()) requester.close();
  }

  private requester(protocol: string): ChannelRequester {
    let requester = this.requesters.get(protocol);
    if (!requester) {
      requester = new ChannelRequester({
        host: this.components.host,
        protocol,
        maxResponseBytes: MAX_ENVELOPE_BYTES,
        timeoutMs: this.components.timeoutMs ?? 20_000,
      });
      this.requesters.set(protocol, requester);
    }
    return requester;
  }
}
