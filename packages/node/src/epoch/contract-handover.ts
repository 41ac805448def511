/**
 * Epoch handover of a stateful contract's state (docs/task-execution.md, "Epoch handover"). When epoch e + 1
 * begins, the committee of (contract, e) reshares the contract's state to the committee of (contract, e + 1)
 * without opening it, and the old shares are deleted.
 *
 * A handover sits in the contract's queue at `version` = the number of the contract's tasks created up to the
 * block that advanced the epoch: the old committee runs it after its last task of epoch e, the new committee
 * before its first task of epoch e + 1. Both committees meet in one session whose parties are the old members
 * (in seat order) followed by the new members who are not old ones. One round tells everyone which old
 * members hold the state at that version; the first t + 1 of them send (`reshare` with explicit senders), so a
 * member that lost or never reached the state does not stop the handover.
 */
import { type FieldVector, MpcError, type Party, reshare, vec } from '@mosaic/mpc';
import { z } from 'zod';
import { jsonCodec } from '../db/codecs.js';
import type { Namespace, Store, WriteBatch } from '../db/store.js';

export const HANDOVER_STATUSES = ['pending', 'done', 'failed'] as const;

const recordSchema = z.object({
  contractId: z.bigint(),
  fromEpoch: z.bigint(),
  toEpoch: z.bigint(),
  /** The block whose transaction advanced the epoch. */
  boundaryBlock: z.bigint(),
  /** Tasks of the contract created up to boundaryBlock: the state version handed over. */
  version: z.bigint(),
  status: z.enum(HANDOVER_STATUSES),
  error: z.string().max(500).optional(),
  updatedAt: z.number(),
});
export type HandoverRecord = z.infer<typeof recordSchema>;

function handoverKey(contractId: bigint, toEpoch: bigint): string {
  return `${contractId.toString(16).padStart(64, '0')}:${toEpoch.toString(16).padStart(16, '0')}`;
}

/** The node's durable list of handovers it takes part in. */
export class HandoverBook {
  readonly records: Namespace<HandoverRecord>;

  constructor(store: Store) {
    this.records = store.namespace('handovers', jsonCodec(recordSchema));
  }

  put(record: HandoverRecord, batch: WriteBatch): void {
    batch.put(this.records, handoverKey(record.contractId, record.toEpoch), record);
    this.changed(record.contractId, batch);
  }

  /**
   * Contracts known to have no pending handover (a runner asks before every task). A write of a contract's
   * handover forgets it once durable; `versions` keeps a scan that overlapped such a write from caching "none".
   */
  private readonly nonePending = new Set<bigint>();
  private readonly versions = new Map<bigint, number>();

  private changed(contractId: bigint, batch: WriteBatch): void {
    batch.onWritten(() => {
      this.versions.set(contractId, (this.versions.get(contractId) ?? 0) + 1);
      this.nonePending.delete(contractId);
    });
  }

  async get(contractId: bigint, toEpoch: bigint): Promise<HandoverRecord | undefined> {
    return this.records.get(handoverKey(contractId, toEpoch));
  }

  update(record: HandoverRecord, patch: Partial<HandoverRecord>, batch: WriteBatch): HandoverRecord {
    const next = { ...record, ...patch, updatedAt: Date.now() };
    batch.put(this.records, handoverKey(next.contractId, next.toEpoch), next);
    this.changed(next.contractId, batch);
    return next;
  }

  /** The contract's first pending handover (they run in epoch order). */
  async nextPending(contractId: bigint): Promise<HandoverRecord | undefined> {
    if (this.nonePending.has(contractId)) return undefined;
    const version = this.versions.get(contractId);
    const prefix = `${contractId.toString(16).padStart(64, '0')}:`;
    for await (const [, record] of this.records.entries({ prefix })) {
      if (record.status === 'pending') return record;
    }
    if (this.versions.get(contractId) === version) this.nonePending.add(contractId);
    return undefined;
  }

  async *pending(): AsyncGenerator<HandoverRecord> {
    for await (const [, record] of this.records.entries()) if (record.status === 'pending') yield record;
  }
}

export class HandoverError extends Error {
  override name = 'HandoverError';
}

export interface HandoverRoles {
  /** Old committee size and threshold; old member k is session party k. */
  oldN: number;
  oldT: number;
  /** Session party of each new member, in seat order. */
  to: readonly number[];
  newT: number;
}

/**
 * This party's part of a handover. `held` is the state (one share vector per variable) when this party is an
 * old member holding it at the handed-over version; `sizes` are the variables' element counts. Returns the new
 * share vectors for a new member, undefined otherwise.
 */
export async function handOver(
  party: Party,
  roles: HandoverRoles,
  sizes: readonly number[],
  held: readonly FieldVector[] | undefined,
): Promise<FieldVector[] | undefined> {
  const isOld = party.id <= roles.oldN;
  const holds = isOld && held !== undefined;
  if (holds && (held.length !== sizes.length || held.some((v, i) => vec.size(v) !== sizes[i]))) {
    throw new HandoverError('the held state does not match the contract state layout');
  }
  const flag = vec.fromBigInts([holds ? 1n : 0n]);
  const others = party.others();
  const flags = await party.exchange(
    'handover-holders',
    new Map(others.map((j) => [j, flag])),
    new Map(others.map((j) => [j, 1])),
  );
  const holders: number[] = [];
  for (let k = 1; k <= roles.oldN; k++) {
    const says = k === party.id ? holds : vec.get(flags.get(k)!, 0) === 1n;
    if (says) holders.push(k);
  }
  if (holders.length < roles.oldT + 1) {
    throw new HandoverError(
      `only ${holders.length} old members hold the state; ${roles.oldT + 1} are needed to hand it over`,
    );
  }
  const senders = holders.slice(0, roles.oldT + 1);
  const count = sizes.reduce((sum, size) => sum + size, 0);
  const from = Array.from({ length: roles.oldN }, (_, i) => i + 1);
  let received: FieldVector | undefined;
  try {
    received = await reshare(
      party,
      { from, tFrom: roles.oldT, to: roles.to, tTo: roles.newT, senders },
      count,
      senders.includes(party.id) ? vec.concat(held as FieldVector[]) : undefined,
    );
  } catch (error) {
    if (error instanceof MpcError) throw new HandoverError(`resharing failed: ${error.message}`);
    throw error;
  }
  if (received === undefined) return undefined;
  const out: FieldVector[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(vec.slice(received, at, at + size));
    at += size;
  }
  return out;
}
