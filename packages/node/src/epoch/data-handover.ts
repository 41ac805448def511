/**
 * Durability of stored data (docs/storage.md, "Epoch handover" and "Lost-disk recovery").
 *
 *  - Epoch handover: when epoch E begins, the members holding a pointer's shares for epoch e < E reshare them to
 *    committeeOf(pointer, E, n) with `handOver` (the same protocol as contract state: one session among the old
 *    members then the new ones, the first t + 1 holders send `reshare`), the new members write their records
 *    (epoch E, their new seat) and the old members that are not new ones delete theirs. When the committee is the
 *    same list of operators, the shares stay valid and only their epoch is moved. Members of the new committee
 *    that held nothing learn of the handover from an old member (HANDOVER_PROTOCOL) and check it on chain.
 *  - Recovery: a member that lost its shares asks the others which of them hold the pointer, picks t + 1 helpers
 *    and meets them in a session. Helper h sends every other helper a random vector z_h,h' with sum_h' z_h,h' = 0,
 *    then sends the lost member c_h' = lambda_h'(x_j) * s_h' + sum_h z_h,h'. The sum is s_j; each single message
 *    is masked by the other helpers' zero-sum vectors, so the lost member learns its share and nothing else, and
 *    the helpers learn nothing. The data is never reconstructed.
 */

import { type FieldVector, lagrangeCoefficients, MpcError, Party, vec } from '@mosaic/mpc';
import type { DataLayout } from '@mosaic/protocol';
import type { Hex } from 'viem';
import { type ChainMembership, sessionIdFor } from '../chain/membership.js';
import type { MpcStreams } from '../sessions/libp2p-transport.js';
import type { ShareRecord, ShareStore } from '../storage/share-store.js';
import { handOver } from './contract-handover.js';

export interface DurabilityContext {
  shares: ShareStore;
  membership: ChainMembership;
  streams: MpcStreams;
  selfPeerId: import('@libp2p/interface').PeerId;
  timeoutMs: number;
}

export interface SeatInfo {
  member: number;
  peerId: string;
}

/** The session id of a pointer's handover from epoch `from` to `to`. */
export function handoverSession(pointer: Hex, from: bigint, to: bigint): Uint8Array {
  return sessionIdFor(BigInt(pointer), to, `data-handover/${from}`);
}

/** The session id of a recovery of member `member`'s shares (`nonce` makes each attempt its own). */
export function recoverySession(pointer: Hex, epoch: bigint, member: number, nonce: Hex): Uint8Array {
  return sessionIdFor(BigInt(pointer), epoch, `data-recovery/${member}/${nonce}`);
}

/**
 * This node's part of a handover of `pointer` from the committee `before` (epoch from) to `after` (epoch to).
 * `held` are this node's records (every segment) when it is an old member holding them. Returns the new
 * records for a new member, undefined otherwise.
 */
export async function runDataHandover(
  ctx: DurabilityContext,
  args: {
    pointer: Hex;
    n: number;
    t: number;
    size: number;
    layout: DataLayout;
    fromEpoch: bigint;
    toEpoch: bigint;
    before: readonly SeatInfo[];
    after: readonly SeatInfo[];
    sizes: readonly number[];
    held: ShareRecord[] | undefined;
  },
): Promise<ShareRecord[] | undefined> {
  const peers = args.before.map((m) => m.peerId);
  for (const m of args.after) if (!peers.includes(m.peerId)) peers.push(m.peerId);
  const self = ctx.selfPeerId.toString();
  const newSeat = args.after.find((m) => m.peerId === self);
  const transport = ctx.membership.openSessionAmong(ctx.streams, {
    sessionId: handoverSession(args.pointer, args.fromEpoch, args.toEpoch),
    peers,
    self: ctx.selfPeerId,
    openTimeoutMs: ctx.timeoutMs,
  });
  let shares: FieldVector[] | undefined;
  try {
    const party = new Party({ transport, t: args.t, timeoutMs: ctx.timeoutMs });
    shares = await handOver(
      party,
      {
        oldN: args.before.length,
        oldT: args.t,
        to: args.after.map((m) => peers.indexOf(m.peerId) + 1),
        newT: args.t,
      },
      args.sizes,
      args.held?.map((r) => r.share),
    );
  } finally {
    transport.close();
  }
  if (!newSeat || !shares) return undefined;
  const storedAt = Date.now();
  return shares.map((share, segment) => ({
    pointer: args.pointer,
    epoch: args.toEpoch,
    member: newSeat.member,
    n: args.n,
    t: args.t,
    segment,
    size: args.size,
    layout: args.layout,
    storedAt,
    share,
  }));
}

/**
 * The Party threshold of a recovery session of `parties` parties (t + 1 helpers and the lost member). The
 * protocol uses only `exchange`, not the threshold; Party insists on 2t + 1 <= parties, which t + 2 parties do
 * not meet for the data's t >= 2.
 */
export function recoverySessionThreshold(parties: number): number {
  return Math.floor((parties - 1) / 2);
}

/**
 * One party's part of a recovery session: parties 1..t+1 are the helpers (members `helpers`, in that order),
 * party t + 2 is the lost member `lost`. A helper passes its records (every segment); the lost member gets back
 * its share vectors, one per segment.
 */
export async function runRecovery(
  party: Party,
  args: { helpers: readonly number[]; lost: number; sizes: readonly number[]; held: FieldVector[] | undefined },
): Promise<FieldVector[] | undefined> {
  const helperCount = args.helpers.length;
  const lostParty = helperCount + 1;
  const count = args.sizes.reduce((a, b) => a + b, 0);
  if (party.id === lostParty) {
    const incoming = new Map(args.helpers.map((_, i) => [i + 1, count] as [number, number]));
    // The helpers' masking round does not involve this party; it keeps the round numbering in step.
    await party.exchange('recover-zero', new Map(), new Map());
    const parts = await party.exchange('recover-contribution', new Map(), incoming);
    let sum = vec.zeros(count);
    for (const part of parts.values()) {
      if (vec.size(part) !== count) throw new MpcError('a helper sent a contribution of the wrong size');
      sum = vec.add(sum, part);
    }
    const out: FieldVector[] = [];
    let at = 0;
    for (const size of args.sizes) {
      out.push(vec.slice(sum, at, at + size));
      at += size;
    }
    return out;
  }
  if (args.held === undefined) throw new MpcError('a helper must hold the shares');
  const mine = vec.concat(args.held);
  if (vec.size(mine) !== count) throw new MpcError('the held shares do not match the data layout');
  // Zero-sum masks: one random vector per other helper, this helper's own part makes the sum zero.
  const others = args.helpers.map((_, i) => i + 1).filter((p) => p !== party.id);
  const masks = new Map(others.map((p) => [p, vec.random(count)] as [number, FieldVector]));
  let own = vec.zeros(count);
  for (const m of masks.values()) own = vec.sub(own, m);
  const received = await party.exchange(
    'recover-zero',
    masks,
    new Map(others.map((p) => [p, count] as [number, number])),
  );
  const lambda = lagrangeCoefficients(args.helpers, args.lost)[party.id - 1]!;
  let contribution = vec.add(vec.scale(mine, lambda), own);
  for (const r of received.values()) {
    if (vec.size(r) !== count) throw new MpcError('a helper sent a mask of the wrong size');
    contribution = vec.add(contribution, r);
  }
  await party.exchange('recover-contribution', new Map([[lostParty, contribution]]), new Map());
  return undefined;
}
