/**
 * The storage gateway (docs/storage.md, "Store" and "Load"): the node that takes a client's mosaic_storeData or
 * mosaic_loadData finds the pointer's storage committee on chain and forwards each member its part. It only ever
 * handles envelopes sealed to the members or to the requester: it learns nothing.
 */
import { DATA_LAYOUTS, type DataLayout, segmentCount } from '@mosaic/protocol';
import type { Address, Hex } from 'viem';
import type { MemberChannels } from './channels.js';
import type { DataRecordOnChain, StorageDirectory, StorageMemberInfo } from './directory.js';
import { checkParams, describe, StorageError, type StorageFailure } from './errors.js';
import type { LocalMember } from './member.js';
import { frame, LOAD_PROTOCOL, type LoadHeader, STORE_PROTOCOL, type StoreHeader } from './wire.js';

export interface MemberOutcome {
  member: number;
  operator: Address;
  ok: boolean;
  /** Load: the member's share (or its digest) sealed to the requester (bytes). */
  envelope?: Uint8Array;
  /** Load: the data's element layout, as the member holds it. */
  layout?: DataLayout;
  digest?: boolean;
  error?: string;
  kind?: StorageFailure;
}

/** A load as the gateway forwards it: the signed request and segment, and who answers with the full share. */
export type LoadForward = Omit<LoadHeader, 'member' | 'epoch' | 'mode'> & { full?: number[] };

export interface StorageGatewayComponents {
  directory: Pick<StorageDirectory, 'record' | 'committee' | 'recentEpoch' | 'loadedEpoch' | 'noteLoadedEpoch'>;
  /** Requests to the members (on the store and load protocols). */
  channels: Pick<MemberChannels, 'exchange'>;
  /** The member on this node, asked in process. */
  member: LocalMember;
}

export class StorageGateway {
  constructor(private readonly components: StorageGatewayComponents) {}

  /** Forwards each member its envelope (member k gets envelopes[k]); one outcome per member given. */
  async forwardStore(
    header: Omit<StoreHeader, 'member'>,
    envelopes: Map<number, Uint8Array>,
  ): Promise<MemberOutcome[]> {
    const { directory, channels, member: local } = this.components;
    checkParams(header.n, header.t);
    const record = await directory.record(header.pointer as Hex);
    const members = await directory.committee(header.pointer as Hex, record.storedAtEpoch, header.n);
    return Promise.all(
      [...envelopes].map(async ([member, envelope]) => {
        const info = members[member - 1];
        if (info === undefined) {
          return {
            member,
            operator: '0x' as Address,
            ok: false,
            kind: 'bad-request' as const,
            error: 'no such member',
          };
        }
        const message = frame({ ...header, member }, envelope);
        try {
          await channels.exchange(info.peerId, STORE_PROTOCOL, message, (bytes) => local.store(bytes));
          return { member, operator: info.operator, ok: true };
        } catch (error) {
          return { member, operator: info.operator, ok: false, ...describe(error) };
        }
      }),
    );
  }

  /** Asks every member of the pointer's committee for its share of a segment. */
  async forwardLoad(
    header: LoadForward,
  ): Promise<{ record: DataRecordOnChain; outcomes: MemberOutcome[]; epoch: bigint }> {
    const { directory } = this.components;
    const { request: req } = header;
    checkParams(req.n, req.t);
    const pointer = req.pointer.toLowerCase() as Hex;
    const record = await directory.record(pointer);
    // The layout is not on chain (the members hold it): the packed layout has the most segments of any size,
    // so this bounds the segment; each member checks it against its own records.
    if (header.segment >= segmentCount(record.size)) {
      throw new StorageError(
        'bad-request',
        `segment ${header.segment} does not exist (the data has ${segmentCount(record.size)})`,
      );
    }
    // The shares move to each new epoch's committee (handover): ask the epoch this gateway last loaded from,
    // then the current one, then the one the data was stored in, until t + 1 members answer.
    const current = await directory.recentEpoch().catch(() => undefined);
    const epochs = [...new Set([directory.loadedEpoch(pointer), current, record.storedAtEpoch])].filter(
      (e): e is bigint => e !== undefined && e >= record.storedAtEpoch,
    );
    let best: { outcomes: MemberOutcome[]; epoch: bigint } | undefined;
    for (const epoch of epochs) {
      const members = await directory.committee(pointer, epoch, req.n);
      const outcomes = await Promise.all(members.map((info) => this.loadFrom(info, header, epoch)));
      const answered = outcomes.filter((o) => o.ok).length;
      if (best === undefined || answered > best.outcomes.filter((o) => o.ok).length) best = { outcomes, epoch };
      if (answered >= req.t + 1) {
        directory.noteLoadedEpoch(pointer, epoch);
        break;
      }
      // Only a committee that does not hold the data is worth leaving for another epoch's.
      if (!outcomes.some((o) => o.kind === 'not-stored' || o.kind === 'not-member')) break;
    }
    return { record, ...best! };
  }

  /** One member's answer to a load of a segment, for the committee of `epoch`. */
  private async loadFrom(info: StorageMemberInfo, header: LoadForward, epoch: bigint): Promise<MemberOutcome> {
    const { channels, member: local } = this.components;
    const { full, ...rest } = header;
    const mode = full === undefined || full.includes(info.member) ? 'share' : 'digest';
    const message = frame({ ...rest, member: info.member, epoch: String(epoch), mode });
    try {
      const answer = await channels.exchange(info.peerId, LOAD_PROTOCOL, message, (bytes) => local.load(bytes));
      // layout (1 byte) || envelope
      if (answer.length < 1 || answer[0]! > DATA_LAYOUTS.int64) {
        throw new StorageError('unavailable', 'the member answered without a data layout');
      }
      return {
        member: info.member,
        operator: info.operator,
        ok: true,
        envelope: answer.subarray(1),
        layout: answer[0] as DataLayout,
        digest: mode === 'digest',
      };
    } catch (error) {
      return { member: info.member, operator: info.operator, ok: false, ...describe(error) };
    }
  }
}
