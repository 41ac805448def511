/**
 * The node's durable record of every task it has seen: the on-chain record (from TaskCreated), the epoch and
 * this node's seat in it, and where the task stands. Keys sort in queue order within a contract
 * (`<contractId hex64>:<sequence hex16>`), so a contract's tasks iterate in the order they must run.
 *
 * Status: created (record seen) → submitted (bundle here) → running → completed (outputs and receipt ready)
 * → receipted (on chain); or failed. Receipt status, when on chain: success | failure | skipped.
 */

import type { TaskRecord } from '@mosaic/contracts';
import { RECEIPT_STATUSES, TASK_STATES } from '@mosaic/protocol';
import { getAddress, type Hex } from 'viem';
import { z } from 'zod';
import { jsonCodec } from '../db/codecs.js';
import type { Namespace, Store, WriteBatch } from '../db/store.js';

// The task states and receipt statuses are the ones the node reports over JSON-RPC (@mosaic/protocol).
export {
  RECEIPT_STATUSES,
  type ReceiptStatusName,
  TASK_STATES as TASK_STATUSES,
  type TaskState as TaskStatus,
} from '@mosaic/protocol';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);

/** What the members sign for a task (Tasks.Receipt), as stored. */
export const receiptSchema = z.object({
  taskId: z.bigint(),
  status: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  outputHash: hex,
  publicOutput: hex,
  stateCommitment: hex,
  gasUsed: z.bigint(),
  callTarget: hex,
  callSelector: hex,
});
export type StoredReceipt = z.infer<typeof receiptSchema>;

const entrySchema = z.object({
  taskId: z.bigint(),
  contractId: z.bigint(),
  sequence: z.bigint(),
  caller: hex,
  selector: hex,
  bundleHash: hex,
  gasLimit: z.bigint(),
  gasPrice: z.bigint(),
  createdBlock: z.bigint(),
  epoch: z.bigint(),
  /** This node's 1-based seat in the task's committee, or 0 when it is not a member. */
  member: z.number().int().min(0).max(64),
  status: z.enum(TASK_STATES),
  receiptStatus: z.enum(RECEIPT_STATUSES).optional(),
  error: z.string().max(500).optional(),
  receipt: receiptSchema.optional(),
  /** An earlier task of the same caller with the same bundle hash: this one is a replay and never runs. */
  replayOf: z.bigint().optional(),
  /** What the chain recorded (TaskReceipted): every node has it, members or not. */
  onChain: z.object({ outputHash: hex, publicOutput: hex, gasUsed: z.bigint() }).optional(),
  updatedAt: z.number(),
});
export type TaskEntry = z.infer<typeof entrySchema>;

export function taskKey(contractId: bigint, sequence: bigint): string {
  return `${contractId.toString(16).padStart(64, '0')}:${sequence.toString(16).padStart(16, '0')}`;
}

export function contractPrefix(contractId: bigint): string {
  return `${contractId.toString(16).padStart(64, '0')}:`;
}

export function splitTask(taskId: bigint): { contractId: bigint; sequence: bigint } {
  return { contractId: taskId >> 64n, sequence: taskId & 0xffffffffffffffffn };
}

/** A task whose part at this node is over (its outcome is written, or it failed for good). */
export function isFinal(entry: TaskEntry): boolean {
  return entry.status === 'completed' || entry.status === 'receipted' || entry.status === 'failed';
}

export type TaskListener = (entry: TaskEntry) => void;

/** Entries kept in memory (the recent ones: a task is read a dozen times while it runs and is served). */
const CACHED_ENTRIES = 8192;
/** Bundles kept in memory (most are a few KB). */
const CACHED_BUNDLES = 1024;

export class TaskBook {
  readonly entries: Namespace<TaskEntry>;
  /** Bundles as received (bytes; checked against the record's bundleHash before they are stored). */
  readonly bundles: Namespace<Uint8Array>;
  private readonly listeners = new Set<TaskListener>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /**
   * Write-through cache of entries by key, in insertion order (the oldest goes first). Filled by reads and by
   * every write once it is durable (`announce`), so it never holds what the store does not; every write of an
   * entry goes through this class. Reads of a running task otherwise cost a LevelDB get and a schema parse each.
   */
  private readonly cache = new Map<string, TaskEntry>();
  /** Recent bundles by key (a member reads its bundle when the task runs, moments after it arrived). */
  private readonly bundleCache = new Map<string, Uint8Array>();
  /** (bundle hash, caller) -> the first task that used it; the recent ones in memory too (batches not written yet). */
  private readonly bundleUses: Namespace<bigint>;
  private readonly recentBundleUses = new Map<string, bigint>();
  /**
   * Per contract, the highest sequence in the store (read once, then raised by every write): a task above it is
   * not stored, so asking the store is skipped (a new TaskCreated, a bundle ahead of the listener).
   */
  private readonly highest = new Map<bigint, Promise<bigint>>();

  constructor(readonly store: Store) {
    this.entries = store.namespace('task-entries', jsonCodec(entrySchema));
    this.bundleUses = store.namespace('task-bundle-uses', jsonCodec(z.bigint()));
    this.bundles = store.namespace('task-bundles', {
      encode: (v: Uint8Array) => v,
      decode: (b: Uint8Array) => b,
    });
  }

  async get(taskId: bigint): Promise<TaskEntry | undefined> {
    const { contractId, sequence } = splitTask(taskId);
    const key = taskKey(contractId, sequence);
    const cached = this.cache.get(key);
    if (cached) return cached;
    if (sequence > (await this.highestOf(contractId))) return undefined;
    const entry = await this.entries.get(key);
    // Only if no write landed meanwhile (a write caches the newer entry itself).
    if (entry && !this.cache.has(key)) this.remember(key, entry);
    return entry;
  }

  private highestOf(contractId: bigint): Promise<bigint> {
    let known = this.highest.get(contractId);
    if (known === undefined) {
      known = (async () => {
        for await (const key of this.entries.keys({ prefix: contractPrefix(contractId), reverse: true, limit: 1 })) {
          return BigInt(`0x${key.slice(key.indexOf(':') + 1)}`);
        }
        return -1n;
      })();
      this.highest.set(contractId, known);
    }
    return known;
  }

  private raiseHighest(contractId: bigint, sequence: bigint): void {
    const known = this.highest.get(contractId);
    // Not read yet: the first read sees this write (it happened before), so nothing to do.
    if (known !== undefined)
      this.highest.set(
        contractId,
        known.then((h) => (sequence > h ? sequence : h)),
      );
  }

  /**
   * Keeps a task's bundle (once): the bundle and the status `submitted` go in one durable write. False when the
   * bundle was here already.
   */
  async storeBundle(entry: TaskEntry, bundle: Uint8Array): Promise<boolean> {
    const key = taskKey(entry.contractId, entry.sequence);
    // A task still `created` has no bundle yet (its status moves with the bundle's write); later ones may.
    if (entry.status !== 'created' && (await this.bundleOf(key)) !== undefined) return false;
    const batch = this.store.batch();
    batch.put(this.bundles, key, bundle);
    if (entry.status === 'created') await this.update(entry.taskId, { status: 'submitted' }, batch);
    await batch.write();
    this.rememberBundle(key, bundle);
    return true;
  }

  async bundleOf(key: string): Promise<Uint8Array | undefined> {
    return this.bundleCache.get(key) ?? (await this.bundles.get(key));
  }

  private rememberBundle(key: string, bundle: Uint8Array): void {
    this.bundleCache.set(key, bundle);
    if (this.bundleCache.size > CACHED_BUNDLES) this.bundleCache.delete(this.bundleCache.keys().next().value as string);
  }

  private remember(key: string, entry: TaskEntry): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > CACHED_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
  }

  /**
   * Records that `taskId` uses `bundleHash` for `caller`, in `batch`; returns the earlier task of that caller with
   * that bundle hash when there is one (then nothing is recorded: the earlier task stays the first).
   */
  async useBundle(bundleHash: string, caller: string, taskId: bigint, batch: WriteBatch): Promise<bigint | undefined> {
    const key = `${bundleHash.toLowerCase()}:${caller.toLowerCase()}`;
    const first = this.recentBundleUses.get(key) ?? (await this.bundleUses.get(key));
    if (first !== undefined && first !== taskId) return first;
    batch.put(this.bundleUses, key, taskId);
    this.recentBundleUses.set(key, taskId);
    if (this.recentBundleUses.size > CACHED_ENTRIES) {
      this.recentBundleUses.delete(this.recentBundleUses.keys().next().value as string);
    }
    return undefined;
  }

  /** Writes an entry (in `batch` when given: then listeners hear of it once the caller has written the batch). */
  put(entry: TaskEntry, batch?: WriteBatch): Promise<void> | undefined {
    const key = taskKey(entry.contractId, entry.sequence);
    if (batch) {
      batch.put(this.entries, key, entry).onWritten(() => this.announce(entry));
      return undefined;
    }
    return this.entries.put(key, entry).then(() => this.announce(entry));
  }

  /** Updates an entry's status (and other fields) durably, then tells listeners. */
  async update(taskId: bigint, patch: Partial<TaskEntry>, batch?: WriteBatch): Promise<TaskEntry | undefined> {
    const current = await this.get(taskId);
    if (!current) return undefined;
    const next: TaskEntry = { ...current, ...patch, updatedAt: Date.now() };
    if (batch) {
      batch.put(this.entries, taskKey(next.contractId, next.sequence), next).onWritten(() => this.announce(next));
      return next;
    }
    await this.entries.put(taskKey(next.contractId, next.sequence), next);
    this.announce(next);
    return next;
  }

  /** Tells listeners and waiters about an entry written elsewhere (e.g. in a listener batch). */
  announce(entry: TaskEntry): void {
    this.remember(taskKey(entry.contractId, entry.sequence), entry);
    this.raiseHighest(entry.contractId, entry.sequence);
    for (const listener of this.listeners) listener(entry);
    const key = entry.taskId.toString();
    const wake = this.waiters.get(key);
    if (wake) {
      this.waiters.delete(key);
      for (const w of wake) w();
    }
  }

  onUpdate(listener: TaskListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the entry once it exists (e.g. while the chain listener catches up), or undefined after `ms`. */
  async waitFor(taskId: bigint, ms: number): Promise<TaskEntry | undefined> {
    if (ms <= 0) return this.get(taskId);
    // The waiter is registered before the read: an entry announced while the read is on its way still wakes it.
    const key = taskId.toString();
    let release = (): void => {};
    const announced = new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      let set = this.waiters.get(key);
      if (!set) {
        set = new Set();
        this.waiters.set(key, set);
      }
      set.add(done);
      release = done;
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        set?.delete(done);
        if (set?.size === 0 && waiters.get(key) === set) waiters.delete(key);
        resolve();
      }
    });
    const existing = await this.get(taskId);
    if (existing) {
      release();
      return existing;
    }
    await announced;
    return this.get(taskId);
  }

  /** A contract's entries in queue order, from `fromSequence` on. */
  async *ofContract(contractId: bigint, fromSequence = 0n): AsyncGenerator<TaskEntry> {
    // Keys only, then the (mostly cached) entries: a runner scans its queue on every kick.
    for await (const key of this.entries.keys({
      gte: taskKey(contractId, fromSequence),
      prefix: contractPrefix(contractId),
    })) {
      const sequence = BigInt(`0x${key.slice(key.indexOf(':') + 1)}`);
      const entry = await this.get((contractId << 64n) | sequence);
      if (entry) yield entry;
    }
  }
}

export function recordOf(entry: TaskEntry): TaskRecord {
  return {
    caller: getAddress(entry.caller),
    fn: entry.selector as Hex,
    bundleHash: entry.bundleHash as Hex,
    gasLimit: entry.gasLimit,
    gasPrice: entry.gasPrice,
    createdBlock: entry.createdBlock,
  };
}
