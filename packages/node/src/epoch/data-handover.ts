/**
 * Epoch handover of stored data (docs/storage.md, "Epoch handover"). When epoch E begins, the members holding a
 * pointer's shares for epoch e < E reshare them to committeeOf(pointer, E, n) with `handOver` (resharing.ts, the
 * same protocol as contract state: one session among the old members then the new ones, the first t + 1 holders
 * send), the new members write their records (epoch E, their new seat) and the old members that are not new ones
 * delete theirs. When the committee is the same list of operators, the shares stay valid and only their epoch is
 * moved. Members of the new committee that held nothing learn of the handover from an old member
 * (HANDOVER_PROTOCOL) and check it on chain.
 */
import type { PeerId } from '@libp2p/interface';
import { type FieldVector, Party, vec } from '@mosaic/mpc';
import { type DataLayout, layoutElements, segmentCount, segmentElements } from '@mosaic/protocol';
import type { Logger } from 'pino';
import type { Hex } from 'viem';
import type { AnyChainEvent } from '../chain/events.js';
import { sessionIdFor } from '../chain/membership.js';
import type { Host } from '../p2p/host.js';
import { remember } from '../storage/cache.js';
import { type MemberChannels, serveStorageProtocol } from '../storage/channels.js';
import type { StorageDirectory, StorageMemberInfo } from '../storage/directory.js';
import { checkParams, StorageError } from '../storage/errors.js';
import type { PeerSessions } from '../storage/recovery-session.js';
import type { ShareRecord, ShareStore } from '../storage/share-store.js';
import { frame, HANDOVER_PROTOCOL, handoverInviteSchema, parseFramed } from '../storage/wire.js';
import { errorMessage } from '../util/error-message.js';
import { handOver } from './resharing.js';

export interface DataHandoverComponents {
  host: Host;
  logger: Logger;
  directory: Pick<StorageDirectory, 'record' | 'committee' | 'currentEpoch'>;
  shares: Pick<ShareStore, 'pointers' | 'segmentsOf' | 'putAll' | 'deletePointer'>;
  /** Invitations to the new members. */
  channels: Pick<MemberChannels, 'exchange'>;
  sessions: PeerSessions;
  self: PeerId;
  /** Time limit of a handover session (default 60 s). */
  sessionTimeoutMs?: number;
}

/** One pointer's handover from the committee of `fromEpoch` to that of `toEpoch`. */
interface Move {
  pointer: Hex;
  n: number;
  t: number;
  layout: DataLayout;
  fromEpoch: bigint;
  toEpoch: bigint;
  /** This node's records (every segment) when it is an old member holding them. */
  held: ShareRecord[] | undefined;
}

export interface SeatInfo {
  member: number;
  peerId: string;
}

/** The session id of a pointer's handover from epoch `from` to `to`. */
export function handoverSession(pointer: Hex, from: bigint, to: bigint): Uint8Array {
  return sessionIdFor(BigInt(pointer), to, `data-handover/${from}`);
}

const ACCEPTED = async () => new Uint8Array([1]);

export class DataHandover {
  /** Epoch handovers run one epoch at a time, in order. */
  private epochQueue: Promise<void> = Promise.resolve();
  /** Handovers this node runs or ran (pointer:toEpoch): an invitation and the local scan start each once. */
  private readonly handovers = new Map<string, Promise<void>>();
  private readonly stops: (() => Promise<void>)[] = [];
  private stopped = false;

  constructor(private readonly components: DataHandoverComponents) {}

  async start(): Promise<void> {
    const { host, logger } = this.components;
    this.stops.push(
      await serveStorageProtocol(host, logger, HANDOVER_PROTOCOL, (bytes, peer) => this.onInvite(bytes, peer)),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const stop of this.stops.splice(0)) await stop();
  }

  /** Chain events: EpochAdvanced starts the handovers of the pointers this node holds. */
  onChainEvent(event: AnyChainEvent): void {
    if (event.contract !== 'epochs' || event.eventName !== 'EpochAdvanced') return;
    const epoch = BigInt((event.args as { epoch: bigint }).epoch);
    this.epochQueue = this.epochQueue
      .then(() => this.advanceTo(epoch))
      .catch((error: unknown) => {
        this.components.logger.warn({ epoch: String(epoch), err: String(error) }, 'data handovers failed');
      });
  }

  /** Hands every pointer held here for an epoch before `epoch` over to its committee of `epoch`. */
  async advanceTo(epoch: bigint): Promise<void> {
    if (this.stopped) return;
    const { shares } = this.components;
    const work: Promise<void>[] = [];
    for (const pointer of await shares.pointers()) {
      let records: ShareRecord[];
      try {
        records = await shares.segmentsOf(pointer);
      } catch {
        continue; // a corrupted record: this node does not hold the pointer (recovery restores it)
      }
      const first = records[0];
      if (first === undefined || first.epoch >= epoch) continue;
      if (records.some((r) => r.epoch !== first.epoch || r.n !== first.n || r.t !== first.t)) continue;
      const { n, t, layout } = first;
      work.push(this.handover({ pointer, n, t, layout, fromEpoch: first.epoch, toEpoch: epoch, held: records }));
    }
    await Promise.allSettled(work);
  }

  private handover(move: Move): Promise<void> {
    const key = `${move.pointer}:${move.toEpoch}`;
    let running = this.handovers.get(key);
    if (running === undefined) {
      running = this.run(move).catch((error: unknown) => {
        this.components.logger.warn(
          {
            pointer: move.pointer,
            toEpoch: String(move.toEpoch),
            err: String((error as Error).message ?? error).slice(0, 300),
          },
          'data handover failed at this node',
        );
      });
      remember(this.handovers, key, running);
    }
    return running;
  }

  private async run(move: Move): Promise<void> {
    const { directory, shares, self, logger } = this.components;
    const { pointer, n, layout, fromEpoch, toEpoch, held } = move;
    const record = await directory.record(pointer);
    const segments = segmentCount(record.size, layout);
    const [before, after] = await Promise.all([
      directory.committee(pointer, fromEpoch, n),
      directory.committee(pointer, toEpoch, n),
    ]);
    const complete =
      held !== undefined &&
      held.length === segments &&
      held.every(
        (r, i) =>
          r.segment === i && r.layout === layout && vec.size(r.share) === segmentElements(record.size, i, layout),
      );
    if (complete && before.every((m, i) => m.operator === after[i]?.operator)) {
      // The same committee in the same order: the shares stay valid, their epoch moves.
      await shares.putAll(held.map((r) => ({ ...r, epoch: toEpoch })));
      return;
    }
    if (before.some((m) => m.peerId === self.toString())) this.invite(move, before, after);
    const fresh = await this.runSession(move, record.size, before, after, complete ? held : undefined);
    if (fresh) await shares.putAll(fresh);
    else await shares.deletePointer(pointer, toEpoch);
    logger.info(
      { pointer, fromEpoch: String(fromEpoch), toEpoch: String(toEpoch), kept: fresh !== undefined },
      'data handover done',
    );
  }

  /** New members that are not old ones learn of the handover from each old member (they check it on chain). */
  private invite(move: Move, before: readonly StorageMemberInfo[], after: readonly StorageMemberInfo[]): void {
    const { pointer, n, t, fromEpoch, toEpoch, layout } = move;
    const invite = frame({ pointer, n, t, fromEpoch: String(fromEpoch), toEpoch: String(toEpoch), layout });
    for (const m of after) {
      if (before.some((b) => b.peerId === m.peerId)) continue;
      void this.components.channels.exchange(m.peerId, HANDOVER_PROTOCOL, invite, ACCEPTED).catch(() => {});
    }
  }

  /**
   * This node's part of the handover session among the old members (in seat order) then the new ones not
   * already there. Returns the new records for a new member, undefined otherwise.
   */
  private async runSession(
    move: Move,
    size: number,
    before: readonly SeatInfo[],
    after: readonly SeatInfo[],
    held: ShareRecord[] | undefined,
  ): Promise<ShareRecord[] | undefined> {
    const { sessions, self } = this.components;
    const { pointer, n, t, layout, fromEpoch, toEpoch } = move;
    const timeoutMs = this.components.sessionTimeoutMs ?? 60_000;
    const peers = before.map((m) => m.peerId);
    for (const m of after) if (!peers.includes(m.peerId)) peers.push(m.peerId);
    const newSeat = after.find((m) => m.peerId === self.toString());
    const sizes = Array.from({ length: segmentCount(size, layout) }, (_, i) => segmentElements(size, i, layout));
    const transport = sessions.open({
      sessionId: handoverSession(pointer, fromEpoch, toEpoch),
      peers,
      self,
      openTimeoutMs: timeoutMs,
    });
    let shares: FieldVector[] | undefined;
    let party: Party | undefined;
    try {
      party = new Party({ transport, t, timeoutMs });
      shares = await handOver(
        party,
        { oldN: before.length, oldT: t, to: after.map((m) => peers.indexOf(m.peerId) + 1), newT: t },
        sizes,
        held?.map((r) => r.share),
      );
    } catch (error) {
      party?.abort(errorMessage(error));
      throw error;
    } finally {
      transport.close();
    }
    if (!newSeat || !shares) return undefined;
    const storedAt = Date.now();
    return shares.map((share, segment) => ({
      pointer,
      epoch: toEpoch,
      member: newSeat.member,
      n,
      t,
      segment,
      size,
      layout,
      storedAt,
      share,
    }));
  }

  /** An old member says a pointer is handed over to this node: check it on chain, then take part. */
  private async onInvite(bytes: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const { directory, self } = this.components;
    const { header } = parseFramed(bytes, handoverInviteSchema, 'handover');
    const { n, t } = header;
    const layout = header.layout as DataLayout;
    const pointer = header.pointer.toLowerCase() as Hex;
    const fromEpoch = BigInt(header.fromEpoch);
    const toEpoch = BigInt(header.toEpoch);
    checkParams(n, t);
    const record = await directory.record(pointer);
    if (fromEpoch < record.storedAtEpoch || toEpoch <= fromEpoch || toEpoch > (await directory.currentEpoch())) {
      throw new StorageError('bad-request', 'the handover epochs are not possible');
    }
    const [before, after] = await Promise.all([
      directory.committee(pointer, fromEpoch, n),
      directory.committee(pointer, toEpoch, n),
    ]);
    if (!before.some((m) => m.peerId === peer.toString())) {
      throw new StorageError('not-member', 'the sender is not an old member of the storage committee');
    }
    if (!after.some((m) => m.peerId === self.toString()) || before.some((m) => m.peerId === self.toString())) {
      throw new StorageError('not-member', 'this node is not a new member of the storage committee');
    }
    try {
      layoutElements(record.size, layout);
    } catch (error) {
      throw new StorageError('bad-request', (error as Error).message);
    }
    void this.handover({ pointer, n, t, layout, fromEpoch, toEpoch, held: undefined });
    return new Uint8Array([1]);
  }
}
