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
 * member that lost or never reached the state does not stop the handover (`handOver`, resharing.ts).
 */
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
