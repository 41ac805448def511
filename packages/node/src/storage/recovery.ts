/**
 * Lost-disk recovery, the lost member's side (docs/storage.md, "Lost-disk recovery"): a member that lost its
 * shares of a pointer (keys kept) asks the other members which epoch and seat they hold it in, picks t + 1
 * helpers holding every segment, invites them and meets them in a recovery session (recovery-session.ts) that
 * gives it back its own share and nothing else.
 */
import type { PeerId } from '@libp2p/interface';
import { Party } from '@mosaic/mpc';
import { DATA_LAYOUTS, type DataLayout, segmentCount, segmentElements } from '@mosaic/protocol';
import type { Logger } from 'pino';
import type { Hex } from 'viem';
import type { MemberChannels } from './channels.js';
import type { DataRecordOnChain, StorageDirectory, StorageMemberInfo } from './directory.js';
import { checkParams, describe, StorageError } from './errors.js';
import { type PeerSessions, recoverySession, recoverySessionThreshold, runRecovery } from './recovery-session.js';
import type { ShareStore } from './share-store.js';
import { frame, HELD_PROTOCOL, type HeldAnswer, RECOVER_PROTOCOL } from './wire.js';

export interface ShareRecoveryComponents {
  directory: Pick<StorageDirectory, 'record' | 'committee' | 'currentEpoch' | 'loadedEpoch'>;
  shares: Pick<ShareStore, 'putAll'>;
  /** Requests to the other members (held queries, recovery invitations). */
  channels: Pick<MemberChannels, 'exchange'>;
  sessions: PeerSessions;
  self: PeerId;
  logger: Logger;
  /** Time limit of a recovery session (default 60 s). */
  sessionTimeoutMs?: number;
}

export interface RecoveredSeat {
  epoch: bigint;
  member: number;
  helpers: number[];
}

type Holder = StorageMemberInfo & { layout: DataLayout };

/** Nothing to answer in process: the node never asks itself (it is the one that lost its shares). */
const NO_LOCAL_ANSWER = async () => new Uint8Array(0);

export class ShareRecovery {
  constructor(private readonly components: ShareRecoveryComponents) {}

  /**
   * Recovers this node's shares of `pointer` from the other members (it lost them): finds the epoch they hold
   * it in, picks t + 1 helpers and runs the recovery session. Returns the seat.
   */
  async recover(pointer: Hex, n: number, t: number): Promise<RecoveredSeat> {
    const { directory, self } = this.components;
    checkParams(n, t);
    pointer = pointer.toLowerCase() as Hex;
    const record = await directory.record(pointer);
    const current = await directory.currentEpoch();
    for (const epoch of [...new Set([current, directory.loadedEpoch(pointer), record.storedAtEpoch])]) {
      if (epoch === undefined) continue;
      const members = await directory.committee(pointer, epoch, n);
      const seat = members.find((m) => m.peerId === self.toString());
      if (seat === undefined) continue;
      const holders = await this.holders(pointer, epoch, n, t, members);
      if (holders.length < t + 1) continue;
      const helpers = holders.slice(0, t + 1);
      const layout = helpers[0]!.layout;
      const shares = await this.runSession(pointer, epoch, n, t, seat.member, helpers, record, layout);
      const storedAt = Date.now();
      await this.components.shares.putAll(
        shares.map((share, segment) => ({
          pointer,
          epoch,
          member: seat.member,
          n,
          t,
          segment,
          size: record.size,
          layout,
          storedAt,
          share,
        })),
      );
      this.components.logger.info({ pointer, epoch: String(epoch), member: seat.member }, 'data shares recovered');
      return { epoch, member: seat.member, helpers: helpers.map((h) => h.member) };
    }
    throw new StorageError('not-stored', 'no epoch has t + 1 members holding the data with this node among them');
  }

  /** The other members holding every segment of `pointer` for `epoch` under (n, t), all in one layout. */
  private async holders(
    pointer: Hex,
    epoch: bigint,
    n: number,
    t: number,
    members: readonly StorageMemberInfo[],
  ): Promise<Holder[]> {
    const self = this.components.self.toString();
    const query = frame({ pointer });
    const answers = await Promise.all(
      members
        .filter((m) => m.peerId !== self)
        .map(async (m): Promise<Holder | undefined> => {
          try {
            const reply = await this.components.channels.exchange(m.peerId, HELD_PROTOCOL, query, NO_LOCAL_ANSWER);
            const held = JSON.parse(new TextDecoder().decode(reply)) as HeldAnswer;
            return held.epoch === String(epoch) && held.member === m.member && held.n === n && held.t === t
              ? { ...m, layout: (held.layout ?? 0) as DataLayout }
              : undefined;
          } catch {
            return undefined;
          }
        }),
    );
    // Helpers must agree on the layout (it fixes the segments' element counts).
    const layout = answers.find((m) => m !== undefined)?.layout ?? DATA_LAYOUTS.packed;
    return answers.filter((m): m is Holder => m !== undefined && m.layout === layout);
  }

  /** Invites the helpers and runs the session as its last party; returns this node's share of each segment. */
  private async runSession(
    pointer: Hex,
    epoch: bigint,
    n: number,
    t: number,
    lost: number,
    helpers: readonly Holder[],
    record: DataRecordOnChain,
    layout: DataLayout,
  ): Promise<Uint32Array[]> {
    const { channels, sessions, self } = this.components;
    const nonce = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}` as Hex;
    const invite = frame({ pointer, n, t, epoch: String(epoch), lost, helpers: helpers.map((h) => h.member), nonce });
    const timeoutMs = this.components.sessionTimeoutMs ?? 60_000;
    const transport = sessions.open({
      sessionId: recoverySession(pointer, epoch, lost, nonce),
      peers: [...helpers.map((h) => h.peerId), self.toString()],
      self,
      openTimeoutMs: timeoutMs,
    });
    let shares: Uint32Array[] | undefined;
    try {
      let refusal: unknown;
      const invited = Promise.all(
        helpers.map((h) => channels.exchange(h.peerId, RECOVER_PROTOCOL, invite, NO_LOCAL_ANSWER)),
      ).catch((error: unknown) => {
        refusal = error;
        transport.close();
      });
      const party = new Party({ transport, t: recoverySessionThreshold(t + 2), timeoutMs });
      try {
        shares = await runRecovery(party, {
          helpers: helpers.map((h) => h.member),
          lost,
          sizes: Array.from({ length: segmentCount(record.size, layout) }, (_, i) =>
            segmentElements(record.size, i, layout),
          ),
          held: undefined,
        });
      } catch (error) {
        await invited;
        if (refusal !== undefined) {
          const { kind, error: reason } = describe(refusal);
          throw new StorageError(kind, `a helper refused the recovery: ${reason}`);
        }
        throw new StorageError('unavailable', `the recovery session failed: ${String((error as Error).message)}`);
      }
      await invited;
    } finally {
      transport.close();
    }
    if (!shares) throw new StorageError('unavailable', 'the recovery returned nothing');
    return shares;
  }
}
