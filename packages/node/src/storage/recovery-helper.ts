/**
 * Lost-disk recovery, the helpers' side (docs/storage.md, "Lost-disk recovery"): a member answers which epoch,
 * seat and (n, t) it holds a pointer in (metadata only), and, invited by the lost member, checks on chain that
 * the peer asking holds the lost seat and that it is one of the helpers, then takes part in the session.
 */
import type { PeerId } from '@libp2p/interface';
import { Party, vec } from '@mosaic/mpc';
import { segmentCount } from '@mosaic/protocol';
import type { Logger } from 'pino';
import type { Hex } from 'viem';
import type { Host } from '../p2p/host.js';
import { serveStorageProtocol } from './channels.js';
import type { StorageDirectory } from './directory.js';
import { checkParams, StorageError } from './errors.js';
import { type PeerSessions, recoverySession, recoverySessionThreshold, runRecovery } from './recovery-session.js';
import type { ShareRecord, ShareStore } from './share-store.js';
import {
  HELD_PROTOCOL,
  type HeldAnswer,
  heldQuerySchema,
  parseFramed,
  RECOVER_PROTOCOL,
  recoverInviteSchema,
} from './wire.js';

export interface RecoveryHelperComponents {
  host: Host;
  logger: Logger;
  directory: Pick<StorageDirectory, 'record' | 'committee'>;
  shares: Pick<ShareStore, 'segmentsOf'>;
  sessions: PeerSessions;
  self: PeerId;
  /** Time limit of a recovery session (default 60 s). */
  sessionTimeoutMs?: number;
}

export class RecoveryHelper {
  private readonly stops: (() => Promise<void>)[] = [];

  constructor(private readonly components: RecoveryHelperComponents) {}

  async start(): Promise<void> {
    const { host, logger } = this.components;
    this.stops.push(await serveStorageProtocol(host, logger, HELD_PROTOCOL, (bytes) => this.onHeldQuery(bytes)));
    this.stops.push(
      await serveStorageProtocol(host, logger, RECOVER_PROTOCOL, (bytes, peer) => this.onRecoverInvite(bytes, peer)),
    );
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) await stop();
  }

  /** Which epoch, seat and (n, t) this node holds a pointer in (no share data). */
  private async onHeldQuery(bytes: Uint8Array): Promise<Uint8Array> {
    const { header } = parseFramed(bytes, heldQuerySchema, 'held');
    const held = await this.heldRecords(header.pointer.toLowerCase() as Hex);
    if (held === undefined) throw new StorageError('not-stored', 'this node holds no complete share of the data');
    const r = held[0]!;
    const answer: HeldAnswer = { epoch: String(r.epoch), member: r.member, n: r.n, t: r.t, layout: r.layout };
    return new TextEncoder().encode(JSON.stringify(answer));
  }

  /** A member that lost its shares asks this one to help: check it on chain, then take part in its session. */
  private async onRecoverInvite(bytes: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const { directory, self } = this.components;
    const { header } = parseFramed(bytes, recoverInviteSchema, 'recover');
    const { n, t, lost, helpers, nonce } = header;
    const pointer = header.pointer.toLowerCase() as Hex;
    const epoch = BigInt(header.epoch);
    checkParams(n, t);
    if (helpers.length !== t + 1 || new Set([...helpers, lost]).size !== t + 2) {
      throw new StorageError('bad-request', 'a recovery needs t + 1 distinct helpers other than the lost member');
    }
    const members = await directory.committee(pointer, epoch, n);
    if (members[lost - 1]?.peerId !== peer.toString()) {
      throw new StorageError('not-member', `the requester is not member ${lost} of the storage committee`);
    }
    const mine = helpers.findIndex((h) => members[h - 1]?.peerId === self.toString());
    if (mine < 0) throw new StorageError('not-member', 'this node is not one of the helpers');
    const held = await this.heldRecords(pointer);
    const first = held?.[0];
    if (
      held === undefined ||
      first === undefined ||
      first.epoch !== epoch ||
      first.member !== helpers[mine] ||
      first.n !== n ||
      first.t !== t
    ) {
      throw new StorageError('not-stored', 'this node does not hold the data for that committee');
    }
    const timeoutMs = this.components.sessionTimeoutMs ?? 60_000;
    const transport = this.components.sessions.open({
      sessionId: recoverySession(pointer, epoch, lost, nonce as Hex),
      peers: [...helpers.map((h) => members[h - 1]!.peerId), members[lost - 1]!.peerId],
      self,
      openTimeoutMs: timeoutMs,
    });
    // The session runs after the answer (its length depends on the data's size, not the request's time limit).
    void (async () => {
      try {
        const party = new Party({ transport, t: recoverySessionThreshold(t + 2), timeoutMs });
        await runRecovery(party, {
          helpers,
          lost,
          sizes: held.map((r) => vec.size(r.share)),
          held: held.map((r) => r.share),
        });
        this.components.logger.info({ pointer, epoch: String(epoch), lost }, 'helped a member recover its shares');
      } catch (error) {
        this.components.logger.warn(
          { pointer, lost, err: String((error as Error).message ?? error).slice(0, 300) },
          'recovery session failed at this helper',
        );
      } finally {
        transport.close();
      }
    })();
    return new Uint8Array([1]);
  }

  /** This node's records of a pointer when it holds every segment for one epoch; undefined otherwise. */
  private async heldRecords(pointer: Hex): Promise<ShareRecord[] | undefined> {
    let records: ShareRecord[];
    try {
      records = await this.components.shares.segmentsOf(pointer);
    } catch {
      return undefined;
    }
    const first = records[0];
    if (first === undefined) return undefined;
    const record = await this.components.directory.record(pointer);
    if (records.length !== segmentCount(record.size, first.layout)) return undefined;
    const consistent = records.every(
      (r, i) => r.segment === i && r.epoch === first.epoch && r.member === first.member && r.layout === first.layout,
    );
    return consistent ? records : undefined;
  }
}
