/**
 * Receipt batches (docs/task-execution.md, "Receipt batches"). The leader of a contract's committee (member 1)
 * collects its completed receipts and, when a trigger fires (batch full, maximum delay, epoch end, a receipt
 * with an Ethereum call), asks the other members to sign the batch. A member signs only receipts equal to its
 * own (it waits a little for tasks it is still finishing); with more than n/2 signatures the leader sends
 * `Tasks.commitReceipts`. Members never sign a batch that differs from what they computed, so a leader cannot
 * commit a forged result.
 *
 * Fail-over: every member keeps its completed receipts until the chain records them. A receipt that member k
 * completed and that is still not on chain after the batch delay plus (k - 1) fail-over periods is committed by
 * member k itself, as the leader would: a crashed or stalled leader (or member 2 after it) delays receipts, it
 * does not stop them. The chain takes each task's receipt once (a batch must start at the first unreceipted
 * task), so two members racing for one batch cost one reverted transaction at most, never a second receipt.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import {
  hashReceiptBatch,
  NO_CALL,
  type ReceiptBatch,
  receiptBatchTypedData,
  signReceiptBatch,
  type TaskReceipt,
  tasksAbi,
} from '@mosaic/contracts';
import type { Logger } from 'pino';
import { getAddress, type Hex, recoverTypedDataAddress } from 'viem';
import type { ChainClients } from '../chain/deployment.js';
import type { ChainMembership } from '../chain/membership.js';
import type { NodeKeys } from '../keys/keystore.js';
import { ChannelRequester, serveChannel } from '../p2p/channel.js';
import type { Host } from '../p2p/host.js';
import { RemoteError } from '../p2p/request-response.js';
import { recordOf, type StoredReceipt, type TaskBook, type TaskEntry } from './task-book.js';

/** A channel (../p2p/channel.ts): a request is the batch (JSON); its answer the member's signature. */
export const RECEIPT_SIGN_PROTOCOL = '/mosaic/receipt-sign/2.0.0';
const MAX_BATCH_REQUEST = 4 << 20;
const CHECKPOINT_INTERVAL = 32n;

export interface ReceiptBatcherOptions {
  host: Host;
  book: TaskBook;
  chain: ChainClients;
  membership: Pick<ChainMembership, 'committee'>;
  keys: NodeKeys;
  logger: Logger;
  /** Receipts per batch at most (default 32). */
  maxBatch?: number;
  /** Longest a completed receipt waits for its batch (default 500 ms). */
  maxDelayMs?: number;
  /** How long each member after the leader waits, in turn, before it commits receipts itself (default 10 s). */
  failoverMs?: number;
}

interface Pending {
  contractId: bigint;
  epoch: bigint;
  /** This node's seat in the committee: 1 leads, the others stand by in seat order. */
  member: number;
  receipts: Map<bigint, StoredReceipt>; // by sequence
  /** When each receipt was completed here (Date.now()), by sequence. */
  since: Map<bigint, number>;
  timer: NodeJS.Timeout | undefined;
  flushing: Promise<void> | undefined;
  again: boolean;
}

export class ReceiptBatcher {
  private readonly pending = new Map<string, Pending>();
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly failoverMs: number;
  private unserve: (() => Promise<void>) | undefined;
  private unwatch: (() => void) | undefined;
  private stopped = false;

  private readonly signers: ChannelRequester;

  constructor(private readonly o: ReceiptBatcherOptions) {
    this.signers = new ChannelRequester({
      host: o.host,
      protocol: RECEIPT_SIGN_PROTOCOL,
      maxResponseBytes: 200,
      timeoutMs: 30_000,
    });
    this.maxBatch = o.maxBatch ?? 32;
    this.maxDelayMs = o.maxDelayMs ?? 500;
    this.failoverMs = o.failoverMs ?? 10_000;
  }

  async start(): Promise<void> {
    this.unserve = await serveChannel(this.o.host, RECEIPT_SIGN_PROTOCOL, (req, peer) => this.sign(req, peer), {
      maxRequestBytes: MAX_BATCH_REQUEST,
      logger: this.o.logger,
    });
    // A receipt the chain recorded (whoever committed it) or a task refunded leaves every member's queue.
    this.unwatch = this.o.book.onUpdate((entry) => {
      if (entry.status === 'receipted' || entry.status === 'failed') this.settled(entry);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.signers.close();
    await this.unserve?.();
  }

  /** A task this node completed: the leader queues its receipt for a batch, the others as its stand-ins. */
  completed(entry: TaskEntry, receipt: StoredReceipt): void {
    if (entry.member === 0 || this.stopped) return;
    const key = `${entry.contractId}:${entry.epoch}`;
    let p = this.pending.get(key);
    if (!p) {
      p = {
        contractId: entry.contractId,
        epoch: entry.epoch,
        member: entry.member,
        receipts: new Map(),
        since: new Map(),
        timer: undefined,
        flushing: undefined,
        again: false,
      };
      this.pending.set(key, p);
    }
    p.receipts.set(entry.sequence, receipt);
    p.since.set(entry.sequence, Date.now());
    const pending = p;
    if (p.member !== 1) {
      p.timer ??= setTimeout(() => this.flush(pending), this.standInDelay(p));
      return;
    }
    const urgent = receipt.callTarget !== NO_CALL.callTarget;
    if (urgent || p.receipts.size >= this.maxBatch) this.flush(p);
    else p.timer ??= setTimeout(() => this.flush(pending), this.maxDelayMs);
  }

  /** How long member p.member lets a completed receipt wait for the members before it. */
  private standInDelay(p: Pending): number {
    return this.maxDelayMs + (p.member - 1) * this.failoverMs;
  }

  private settled(entry: TaskEntry): void {
    const p = this.pending.get(`${entry.contractId}:${entry.epoch}`);
    if (!p) return;
    p.receipts.delete(entry.sequence);
    p.since.delete(entry.sequence);
    if (p.receipts.size === 0) {
      clearTimeout(p.timer);
      p.timer = undefined;
      if (!p.flushing) this.pending.delete(`${p.contractId}:${p.epoch}`);
    }
  }

  /** Flushes every batch (epoch end). */
  flushAll(): void {
    for (const p of this.pending.values()) this.flush(p);
  }

  private flush(p: Pending): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (this.stopped || p.receipts.size === 0) return;
    if (p.member !== 1) {
      // A stand-in acts only once its oldest receipt has waited its turn: until then the leader (or a member
      // before it) is presumed to be on it.
      const due = Math.min(...p.since.values()) + this.standInDelay(p);
      if (Date.now() < due) {
        p.timer = setTimeout(() => this.flush(p), due - Date.now());
        return;
      }
    }
    if (p.flushing) {
      p.again = true;
      return;
    }
    p.flushing = this.commit(p)
      .then(() => {
        // Receipts left behind a cut batch wait for the next trigger like new ones.
        if (!this.stopped && p.receipts.size > 0) {
          const wait = p.member !== 1 ? this.standInDelay(p) : p.receipts.size >= this.maxBatch ? 0 : this.maxDelayMs;
          p.timer ??= setTimeout(() => this.flush(p), wait);
        }
      })
      .catch((error: unknown) => {
        this.o.logger.warn({ contractId: String(p.contractId), err: String(error) }, 'receipt batch not committed');
        // Try again later: the receipts stay pending.
        if (!this.stopped && p.receipts.size > 0) p.timer ??= setTimeout(() => this.flush(p), 2_000);
      })
      .finally(() => {
        p.flushing = undefined;
        if (p.again && !this.stopped) {
          p.again = false;
          if (p.receipts.size > 0) this.flush(p);
        }
      });
  }

  private async commit(p: Pending): Promise<void> {
    const { chain } = this.o;
    const [created, , receipted] = await chain.contracts.tasks.read.queueOf([p.contractId]);
    // Drop what the chain has receipted already (another leader, or an earlier attempt that landed).
    for (const seq of [...p.receipts.keys()]) {
      if (seq < receipted) {
        p.receipts.delete(seq);
        p.since.delete(seq);
      }
    }
    const batch: StoredReceipt[] = [];
    for (let seq = receipted; batch.length < this.maxBatch; seq++) {
      const r = p.receipts.get(seq);
      if (!r) break;
      batch.push(r);
    }
    if (batch.length === 0) {
      // The first unreceipted task is not ours yet (an earlier epoch's batch is still to land): wait.
      if (p.receipts.size > 0)
        throw new Error(`waiting for task ${receipted} of contract ${p.contractId} to be receipted`);
      return;
    }
    if (p.member !== 1) {
      this.o.logger.warn(
        { contractId: String(p.contractId), epoch: String(p.epoch), member: p.member, firstTask: String(receipted) },
        'receipts not committed by the members before this one: committing them here',
      );
    }
    const records = await this.recordsFor(p.contractId, receipted, created, receipted + BigInt(batch.length));
    // Under load the records end at a checkpoint that may fall inside the batch: commit up to it, keep the rest.
    if (BigInt(records.length) < BigInt(batch.length)) batch.length = records.length;
    const receipts = batch.map(toContractReceipt);
    const committee = await this.o.membership.committee(p.contractId, p.epoch);
    const message: ReceiptBatch = {
      chainId: chain.deployment.chainId,
      tasks: chain.deployment.addresses.tasks,
      contractId: p.contractId,
      epoch: p.epoch,
      receipts,
    };
    const needed = Math.floor(committee.n / 2) + 1;
    const own = await signReceiptBatch(this.o.keys.operator, message);
    const payload = new TextEncoder().encode(
      JSON.stringify(toWire(message), (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)),
    );
    const digest = hashReceiptBatch(message);
    const self = this.o.host.peerId.toString();
    const others = committee.members.filter((m) => m.peerId !== self);
    const signatures = [own];
    await new Promise<void>((resolve) => {
      let answered = 0;
      if (signatures.length >= needed || others.length === 0) resolve();
      for (const member of others) {
        this.signers
          .request(peerIdFromString(member.peerId), payload)
          .then(async (reply) => {
            const signature = new TextDecoder().decode(reply) as Hex;
            const signer = await recoverTypedDataAddress({ ...receiptBatchTypedData(message), signature }).catch(
              () => undefined,
            );
            if (signer && getAddress(signer) === getAddress(member.operator)) signatures.push(signature);
            else this.o.logger.warn({ member: member.index }, 'receipt signature does not recover to the member');
          })
          .catch((error: unknown) => {
            this.o.logger.warn({ member: member.index, err: String(error) }, 'member did not sign the receipt batch');
          })
          .finally(() => {
            answered++;
            if (signatures.length >= needed || answered === others.length) resolve();
          });
      }
    });
    if (signatures.length < needed) throw new Error(`only ${signatures.length} of ${needed} signatures for ${digest}`);
    const hash = await chain.wallet.writeContract({
      address: chain.deployment.addresses.tasks,
      abi: tasksAbi,
      functionName: 'commitReceipts',
      args: [p.contractId, p.epoch, records, receipts, signatures.slice(0, needed)],
    });
    const outcome = await chain.public.waitForTransactionReceipt({ hash });
    if (outcome.status !== 'success') throw new Error(`commitReceipts reverted in ${hash}`);
    for (const r of batch) {
      p.receipts.delete(r.taskId & 0xffffffffffffffffn);
      p.since.delete(r.taskId & 0xffffffffffffffffn);
    }
    this.o.logger.info(
      { contractId: String(p.contractId), count: batch.length, gasUsed: String(outcome.gasUsed), tx: hash },
      'receipt batch committed',
    );
  }

  /**
   * Records from the first unreceipted task up to a head the chain has stored: the latest task (the chain's tip,
   * once this node's listener has seen it) or, while tasks keep arriving, the last checkpoint (every 32 tasks)
   * at or after the batch's end.
   */
  private async recordsFor(contractId: bigint, receipted: bigint, created: bigint, batchEnd: bigint) {
    const { book } = this.o;
    const deadline = Date.now() + 5_000;
    let known = receipted;
    let end: bigint;
    for (;;) {
      while ((await book.get((contractId << 64n) | known)) !== undefined) known++;
      const reach = known < created ? known : created;
      // A checkpoint stays put; the tip moves whenever a caller creates a task, and a record list that ends at
      // an old tip fails (TaskRecordsMismatch). Under load, prefer the checkpoint.
      const checkpoint = (reach / CHECKPOINT_INTERVAL) * CHECKPOINT_INTERVAL;
      // With tasks queued behind the batch (load), the tip is about to move: any checkpoint past the first
      // unreceipted task will do, and the batch is cut to end there. Without, the tip covers the whole batch.
      if (checkpoint > receipted && (checkpoint >= batchEnd || created > batchEnd)) {
        const head = await this.o.chain.contracts.tasks.read.checkpointOf([contractId, checkpoint]);
        if (/^0x0+$/.test(head) === false) {
          end = checkpoint;
          break;
        }
      }
      if (known >= created) {
        end = created;
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`tasks ${known}..${created - 1n} of contract ${contractId} are not known here yet`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const records = [];
    for (let seq = receipted; seq < end; seq++) {
      records.push(recordOf((await book.get((contractId << 64n) | seq))!));
    }
    return records;
  }

  /** Member side: sign a batch whose receipts all equal this node's own. */
  private async sign(req: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    let wire: WireBatch;
    try {
      wire = JSON.parse(new TextDecoder().decode(req)) as WireBatch;
    } catch {
      throw new RemoteError('receipt batch is not JSON');
    }
    const message = fromWire(wire);
    const { chain } = this.o;
    if (
      message.chainId !== chain.deployment.chainId ||
      getAddress(message.tasks) !== getAddress(chain.deployment.addresses.tasks)
    ) {
      throw new RemoteError('receipt batch is for another chain or Tasks contract');
    }
    const committee = await this.o.membership.committee(message.contractId, message.epoch);
    // The leader asks, or a member standing in for it: each signature covers only receipts equal to this
    // member's own, whoever collects them.
    if (!committee.members.some((m) => m.peerId === peer.toString()))
      throw new RemoteError('only a member of the committee asks for signatures');
    for (const receipt of message.receipts) {
      const deadline = Date.now() + 20_000;
      let entry = await this.o.book.get(receipt.taskId);
      while (!entry?.receipt && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        entry = await this.o.book.get(receipt.taskId);
      }
      if (!entry?.receipt) throw new RemoteError(`task ${receipt.taskId} is not completed here`);
      if (entry.epoch !== message.epoch)
        throw new RemoteError(`task ${receipt.taskId} is not in epoch ${message.epoch}`);
      if (!sameReceipt(toContractReceipt(entry.receipt), receipt)) {
        throw new RemoteError(`receipt of task ${receipt.taskId} differs from this member's`);
      }
    }
    return new TextEncoder().encode(await signReceiptBatch(this.o.keys.operator, message));
  }
}

export function toContractReceipt(r: StoredReceipt): TaskReceipt {
  return {
    taskId: r.taskId,
    status: r.status,
    outputHash: r.outputHash as Hex,
    publicOutput: r.publicOutput as Hex,
    stateCommitment: r.stateCommitment as Hex,
    gasUsed: r.gasUsed,
    callTarget: getAddress(r.callTarget),
    callSelector: r.callSelector as Hex,
  };
}

function sameReceipt(a: TaskReceipt, b: TaskReceipt): boolean {
  return (
    a.taskId === b.taskId &&
    a.status === b.status &&
    a.outputHash.toLowerCase() === b.outputHash.toLowerCase() &&
    a.publicOutput.toLowerCase() === b.publicOutput.toLowerCase() &&
    a.stateCommitment.toLowerCase() === b.stateCommitment.toLowerCase() &&
    a.gasUsed === b.gasUsed &&
    getAddress(a.callTarget) === getAddress(b.callTarget) &&
    a.callSelector.toLowerCase() === b.callSelector.toLowerCase()
  );
}

interface WireBatch {
  chainId: number;
  tasks: string;
  contractId: string;
  epoch: string;
  receipts: Record<keyof TaskReceipt, string | number>[];
}

function toWire(b: ReceiptBatch): unknown {
  return { ...b, contractId: b.contractId, epoch: b.epoch };
}

const HEX_QUANTITY = /^0x[0-9a-f]{1,64}$/;
const MAX_RECEIPTS = 256;

function quantity(v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !HEX_QUANTITY.test(v)) throw new RemoteError(`${what} must be a hex quantity`);
  return BigInt(v);
}

function hexBytes(v: unknown, what: string, max = 1 << 20): Hex {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v) || v.length > 2 + 2 * max) {
    throw new RemoteError(`${what} must be 0x-hex bytes`);
  }
  return v as Hex;
}

function fromWire(w: WireBatch): ReceiptBatch {
  if (typeof w !== 'object' || w === null || !Array.isArray(w.receipts) || w.receipts.length > MAX_RECEIPTS) {
    throw new RemoteError('malformed receipt batch');
  }
  if (!Number.isSafeInteger(w.chainId)) throw new RemoteError('bad chain id');
  return {
    chainId: w.chainId,
    tasks: hexBytes(w.tasks, 'tasks', 20),
    contractId: quantity(w.contractId, 'contractId'),
    epoch: quantity(w.epoch, 'epoch'),
    receipts: w.receipts.map((r) => {
      const status = Number(
        quantity(r.status === undefined ? undefined : `0x${Number(r.status).toString(16)}`, 'status'),
      );
      if (status < 1 || status > 3) throw new RemoteError('bad receipt status');
      return {
        taskId: quantity(r.taskId, 'taskId'),
        status: status as 1 | 2 | 3,
        outputHash: hexBytes(r.outputHash, 'outputHash', 32),
        publicOutput: hexBytes(r.publicOutput, 'publicOutput'),
        stateCommitment: hexBytes(r.stateCommitment, 'stateCommitment', 32),
        gasUsed: quantity(r.gasUsed, 'gasUsed'),
        callTarget: hexBytes(r.callTarget, 'callTarget', 20),
        callSelector: hexBytes(r.callSelector, 'callSelector', 4),
      };
    }),
  };
}
