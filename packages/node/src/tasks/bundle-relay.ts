/**
 * Task bundles (docs/task-execution.md, step 2): a caller hands its bundle to any node (mosaic_submitTask),
 * which checks it against the hash recorded on chain, keeps it if it is a member, and forwards it to the other
 * members. Each member checks it against its own record. A member's task run waits here for its bundle.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { bytesToHex, type Hex, hexToBytes, keccak256 } from 'viem';
import type { Committee } from '../chain/membership.js';
import { ChannelRequester, serveChannel } from '../p2p/channel.js';
import type { Host } from '../p2p/host.js';
import { RemoteError } from '../p2p/request-response.js';
import { type TaskBook, type TaskEntry, taskKey } from './task-book.js';

/** A channel (p2p/channel.ts): a request is a 32-byte task id and the bundle; its answer one byte. */
export const TASK_BUNDLE_PROTOCOL = '/mosaic/task-bundle/2.0.0';
const MAX_BUNDLE_BYTES = 64 << 20;

export interface BundleRelayComponents {
  host: Host;
  book: Pick<TaskBook, 'waitFor' | 'storeBundle' | 'bundleOf'>;
  committees: { committee(contractId: bigint, epoch: bigint): Promise<Committee> };
  self: PeerId;
  logger: Logger;
  /**
   * How long after it recorded a task a member waits for its bundle before running it as "no input" (the task is
   * then charged its whole escrow). Default 20 s.
   */
  bundleTimeoutMs?: number;
}

export class BundleRelay {
  private readonly sender: ChannelRequester;
  /** Task runs waiting for a bundle, by contract. */
  private readonly waiters = new Map<bigint, Set<() => void>>();
  /** Bundles kept so far, by contract (only compared, so its wrapping is harmless). */
  private readonly arrived = new Map<bigint, number>();
  private readonly arrivals = new Set<(entry: TaskEntry) => void>();
  private unserve: (() => Promise<void> | void) | undefined;
  private stopped = false;

  constructor(private readonly components: BundleRelayComponents) {
    this.sender = new ChannelRequester({
      host: components.host,
      protocol: TASK_BUNDLE_PROTOCOL,
      maxResponseBytes: 256,
      timeoutMs: 15_000,
    });
  }

  async start(): Promise<void> {
    this.unserve = await serveChannel(this.components.host, TASK_BUNDLE_PROTOCOL, (req) => this.receive(req), {
      maxRequestBytes: MAX_BUNDLE_BYTES + 32,
      logger: this.components.logger,
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiting of [...this.waiters.values()]) for (const wake of [...waiting]) wake();
    this.sender.close();
    await this.unserve?.();
  }

  /** Calls `listener` for every bundle this member keeps (once written). */
  onArrival(listener: (entry: TaskEntry) => void): () => void {
    this.arrivals.add(listener);
    return () => this.arrivals.delete(listener);
  }

  /** mosaic_submitTask: check the bundle against the record, keep it if a member, pass it to the committee. */
  async submit(taskId: bigint, bundle: Uint8Array): Promise<{ accepted: boolean; bundleHash: Hex }> {
    const { book, committees, logger } = this.components;
    // The caller has the createTask receipt; this node's listener may still be a few blocks behind.
    const entry = await book.waitFor(taskId, 10_000);
    if (!entry) throw new TaskNotFoundError(taskId);
    const hash = keccak256(bundle);
    if (hash !== entry.bundleHash.toLowerCase()) throw new BundleMismatchError(taskId);
    const accepted = await this.keep(entry, bundle);
    const committee = await committees.committee(entry.contractId, entry.epoch);
    const self = this.components.self.toString();
    const message = new Uint8Array(32 + bundle.length);
    message.set(hexToBytes(`0x${taskId.toString(16).padStart(64, '0')}`), 0);
    message.set(bundle, 32);
    // The caller need not wait for the other members: each checks the bundle against its own record, and a
    // member that does not get it skips the task (the caller sees that in the task's status).
    void Promise.allSettled(
      committee.members
        .filter((m) => m.peerId !== self)
        .map((m) =>
          this.sender.request(peerIdFromString(m.peerId), message).catch((error: unknown) => {
            logger.warn({ taskId: String(taskId), member: m.index, err: String(error) }, 'bundle not delivered');
          }),
        ),
    );
    return { accepted, bundleHash: hash };
  }

  /**
   * The task's bundle once it is here, or undefined when it did not come within the bundle time-out. The time-out
   * counts from when this member recorded the task (a task still `created` was last written then), not from when
   * its turn came: bundle-less tasks queued one after another in a stateful contract wait out their time-outs
   * side by side, so a row of them holds the queue for about one time-out, not one each.
   */
  async waitFor(entry: TaskEntry): Promise<Uint8Array | undefined> {
    const key = taskKey(entry.contractId, entry.sequence);
    const since = entry.status === 'created' ? Math.min(entry.updatedAt, Date.now()) : Date.now();
    const deadline = since + (this.components.bundleTimeoutMs ?? 20_000);
    for (;;) {
      // A bundle kept while the read below is on its way bumps the count: read again rather than sleep
      // through its wake-up until the deadline.
      const seen = this.arrivalCount(entry.contractId);
      const bundle = await this.components.book.bundleOf(key);
      if (bundle || Date.now() >= deadline || this.stopped) return bundle;
      if (this.arrivalCount(entry.contractId) !== seen) continue;
      await this.nextArrival(entry.contractId, deadline - Date.now());
    }
  }

  private arrivalCount(contractId: bigint): number {
    return this.arrived.get(contractId) ?? 0;
  }

  private nextArrival(contractId: bigint, ms: number): Promise<void> {
    let waiting = this.waiters.get(contractId);
    if (!waiting) {
      waiting = new Set();
      this.waiters.set(contractId, waiting);
    }
    const set = waiting;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(contractId) === set) this.waiters.delete(contractId);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      set.add(done);
    });
  }

  private async receive(message: Uint8Array): Promise<Uint8Array> {
    if (message.length <= 32) throw new RemoteError('bundle message too short');
    const taskId = BigInt(bytesToHex(message.subarray(0, 32)));
    const bundle = message.slice(32);
    const entry = await this.components.book.waitFor(taskId, 10_000);
    if (!entry) throw new RemoteError(`task ${taskId} is not known here`);
    if (keccak256(bundle) !== entry.bundleHash.toLowerCase()) throw new RemoteError('bundle does not match the record');
    await this.keep(entry, bundle);
    return Uint8Array.of(1);
  }

  private async keep(entry: TaskEntry, bundle: Uint8Array): Promise<boolean> {
    if (entry.member === 0) return false;
    if (!(await this.components.book.storeBundle(entry, bundle))) return false;
    this.arrived.set(entry.contractId, (this.arrivalCount(entry.contractId) + 1) | 0);
    for (const wake of [...(this.waiters.get(entry.contractId) ?? [])]) wake();
    for (const listener of this.arrivals) listener(entry);
    return true;
  }
}

export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
  constructor(readonly taskId: bigint) {
    super(`task ${taskId} is not known to this node (yet)`);
  }
}

export class BundleMismatchError extends Error {
  override name = 'BundleMismatchError';
  constructor(readonly taskId: bigint) {
    super(`keccak256(bundle) does not equal the bundleHash recorded for task ${taskId}`);
  }
}
