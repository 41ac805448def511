/**
 * The task executor: follows Tasks' events into the task book, takes bundles (RPC and from other nodes), runs
 * each contract's tasks in ledger order in MPC sessions with the rest of the committee, keeps the results for
 * the caller, and hands receipts to the batcher. One runner per contract; contracts run in parallel.
 * docs/task-execution.md is the protocol; this is its wiring.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { decodeModule, type ValidatedModule } from '@mosaic/lang';
import { type FieldVector, field, Party, vec } from '@mosaic/mpc';
import type { Logger } from 'pino';
import { bytesToHex, type Hex, hexToBytes, keccak256 } from 'viem';
import { z } from 'zod';
import type { ChainClients } from '../chain/deployment.js';
import type { AnyChainEvent, ChainEvent } from '../chain/events.js';
import type { ChainListener } from '../chain/listener.js';
import { type ChainMembership, type Committee, sessionIdFor } from '../chain/membership.js';
import type { SecretContractIndex } from '../chain/secret-contracts.js';
import type { CodeService } from '../content/code.js';
import { jsonCodec } from '../db/codecs.js';
import type { Namespace, Store, WriteBatch } from '../db/store.js';
import { HandoverBook, type HandoverRecord } from '../epoch/contract-handover.js';
import { handOver } from '../epoch/resharing.js';
import type { NodeKeys } from '../keys/keystore.js';
import { ChannelRequester, serveChannel } from '../p2p/channel.js';
import type { Host } from '../p2p/host.js';
import { RemoteError } from '../p2p/request-response.js';
import type { MpcStreams } from '../sessions/libp2p-transport.js';
import { ContractRunner, isFinal, MAX_BATCH_TASKS } from './contract-runner.js';
import { ReceiptBatcher } from './receipt-batcher.js';
import { receiptOf, runTask, runTaskBatch, STATUS, type TaskBatchCommon } from './run-task.js';
import { StateStore } from './state-store.js';
import type { StoredInputFetcher } from './stored-inputs.js';
import { TaskBook, type TaskEntry, taskKey } from './task-book.js';

/** A channel (p2p/channel.ts): a request is a 32-byte task id and the bundle; its answer one byte. */
export const TASK_BUNDLE_PROTOCOL = '/mosaic/task-bundle/2.0.0';
/** A channel: a request is a 32-byte task id; its answer the member's result envelope as JSON. */
export const TASK_RESULT_PROTOCOL = '/mosaic/task-result/2.0.0';
/** A channel: a request is the proposal (JSON task ids); its answer one byte. */
export const TASK_BATCH_PROTOCOL = '/mosaic/task-batch/2.0.0';
/**
 * How long a task session waits for every member to join. Generous: at an epoch change a new member joins only
 * once it holds the handed-over state, and the old committee may still be finishing its last tasks.
 */
const SESSION_OPEN_MS = 60_000;

const proposalSchema = z.strictObject({
  taskIds: z
    .array(z.string().regex(/^0x[0-9a-f]{1,64}$/))
    .min(1)
    .max(MAX_BATCH_TASKS),
});
const MAX_BUNDLE_BYTES = 64 << 20;
/** The largest result envelope answered (as JSON). */
const MAX_RESULT_BYTES = 32 << 20;

export interface TaskExecutorOptions {
  host: Host;
  store: Store;
  chain: ChainClients;
  listener: ChainListener;
  membership: ChainMembership;
  secretContracts: SecretContractIndex;
  code: CodeService;
  streams: MpcStreams;
  keys: NodeKeys;
  logger: Logger;
  /** How long a member waits for a task's bundle before running it as "no input" (skipped). Default 20 s. */
  bundleTimeoutMs?: number;
  /** Round time-out in task sessions (default 20 s). */
  roundTimeoutMs?: number;
  maxBatch?: number;
  maxBatchDelayMs?: number;
  /** Batches (sessions) of one stateless contract run at once at most (default 2); a stateful contract runs one task at a time. */
  maxConcurrent?: number;
  /** How long an epoch handover waits for both committees (default 120 s). */
  handoverTimeoutMs?: number;
  /** Tasks of one function of a stateless contract run in one session at most (default 32). */
  maxBatchTasks?: number;
}

const resultSchema = z.object({
  member: z.number().int().min(1).max(64),
  operator: z.string(),
  envelope: z.string(),
  signature: z.string(),
});
export type StoredResult = z.infer<typeof resultSchema>;

export class TaskExecutor {
  readonly book: TaskBook;
  readonly batcher: ReceiptBatcher;
  readonly handovers: HandoverBook;
  private readonly state: StateStore;
  private readonly results: Namespace<StoredResult>;
  private readonly recentResults = new Map<string, StoredResult>();
  private readonly runners = new Map<bigint, ContractRunner>();
  private readonly modules = new Map<string, ValidatedModule>();
  private readonly x25519PublicKey: Uint8Array;
  /** Bundles to the other members and result requests to them, on one long-lived stream per member. */
  private readonly bundleSender: ChannelRequester;
  private readonly resultFetcher: ChannelRequester;
  private readonly proposals: ChannelRequester;
  /** Epochs whose first block the listener has seen, in order (see epochAt). */
  private readonly epochStarts: { epoch: bigint; startBlock: bigint }[] = [];
  private readonly cleanups: (() => unknown)[] = [];
  private stopped = false;

  constructor(readonly o: TaskExecutorOptions) {
    this.book = new TaskBook(o.store);
    this.handovers = new HandoverBook(o.store);
    this.state = new StateStore(o.store, o.keys.x25519SecretKey);
    this.x25519PublicKey = hexToBytes(o.keys.x25519PublicKey);
    this.results = o.store.namespace('task-results', jsonCodec(resultSchema));
    this.bundleSender = new ChannelRequester({
      host: o.host,
      protocol: TASK_BUNDLE_PROTOCOL,
      maxResponseBytes: 256,
      timeoutMs: 15_000,
    });
    this.proposals = new ChannelRequester({
      host: o.host,
      protocol: TASK_BATCH_PROTOCOL,
      maxResponseBytes: 256,
      timeoutMs: 10_000,
    });
    this.resultFetcher = new ChannelRequester({
      host: o.host,
      protocol: TASK_RESULT_PROTOCOL,
      maxResponseBytes: MAX_RESULT_BYTES,
      timeoutMs: 10_000,
    });
    this.batcher = new ReceiptBatcher({
      host: o.host,
      book: this.book,
      chain: o.chain,
      membership: o.membership,
      keys: o.keys,
      logger: o.logger,
      ...(o.maxBatch === undefined ? {} : { maxBatch: o.maxBatch }),
      ...(o.maxBatchDelayMs === undefined ? {} : { maxDelayMs: o.maxBatchDelayMs }),
    });
  }

  /** Subscribes to chain events; call before the listener starts so that no TaskCreated is missed. */
  attach(): void {
    this.cleanups.push(this.o.listener.onAny((event, batch) => this.onEvent(event, batch)));
  }

  async start(): Promise<void> {
    await this.batcher.start();
    this.cleanups.push(
      await serveChannel(this.o.host, TASK_BUNDLE_PROTOCOL, (req) => this.receiveBundle(req), {
        maxRequestBytes: MAX_BUNDLE_BYTES + 32,
        logger: this.o.logger,
      }),
    );
    this.cleanups.push(
      await serveChannel(this.o.host, TASK_BATCH_PROTOCOL, (req, peer) => this.receiveProposal(req, peer.toString()), {
        maxRequestBytes: 16 + 70 * MAX_BATCH_TASKS,
        logger: this.o.logger,
      }),
    );
    this.cleanups.push(
      await serveChannel(this.o.host, TASK_RESULT_PROTOCOL, (req) => this.serveResult(req), {
        maxRequestBytes: 32,
        logger: this.o.logger,
      }),
    );
    // Resume: every contract with a task this node must still run.
    for await (const [, entry] of this.book.entries.entries()) {
      if (entry.member > 0 && !isFinal(entry)) this.runnerOf(entry.contractId).kick();
    }
    for await (const record of this.handovers.pending()) this.runnerOf(record.contractId).kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const runner of this.runners.values()) runner.stop();
    await this.batcher.stop();
    this.bundleSender.close();
    this.resultFetcher.close();
    this.proposals.close();
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    await Promise.allSettled([...this.runners.values()].map((r) => r.idle()));
  }

  /** Called for every chain event (node.onChainEvent), before its batch is written. */
  afterEvent(event: AnyChainEvent): void {
    if (event.contract === 'epochs' && event.eventName === 'EpochAdvanced') this.batcher.flushAll();
  }

  private async onEvent(event: AnyChainEvent, batch: WriteBatch): Promise<void> {
    if (event.contract === 'epochs' && event.eventName === 'EpochAdvanced') {
      const { epoch, startBlock } = (event as ChainEvent<'epochs', 'EpochAdvanced'>).args;
      this.epochFrom(epoch, startBlock);
      await this.planHandovers(epoch, event.blockNumber, batch);
      return;
    }
    if (event.contract !== 'tasks') return;
    const e = event as ChainEvent<'tasks'>;
    if (e.eventName === 'TaskCreated') {
      const a = (e as ChainEvent<'tasks', 'TaskCreated'>).args;
      const existing = await this.book.get(a.taskId);
      if (existing) return;
      // The task's epoch is the one current at its block; its committee is that epoch's.
      const epoch = await this.epochAt(event.blockNumber);
      const self = this.o.keys.peerId.toString();
      // A committee the chain cannot form (fewer nodes than seats: committeeOf reverts) has no member here;
      // the task is kept for queries and will be refunded. Retrying would stall the listener for good.
      const committee = await this.o.membership.committee(a.contractId, epoch).catch((error: unknown) => {
        if (!isRevert(error)) throw error; // chain unreachable: the listener retries the event
        this.o.logger.warn({ contractId: String(a.contractId), err: String(error) }, 'no committee for a task');
        return undefined;
      });
      const seat = committee?.members.find((m) => m.peerId === self);
      const entry: TaskEntry = {
        taskId: a.taskId,
        contractId: a.contractId,
        sequence: a.taskId & 0xffffffffffffffffn,
        caller: a.caller,
        selector: a.fn,
        bundleHash: a.bundleHash,
        gasLimit: a.gasLimit,
        gasPrice: a.gasPrice,
        createdBlock: event.blockNumber,
        epoch,
        member: seat?.index ?? 0,
        status: 'created',
        updatedAt: Date.now(),
      };
      this.book.put(entry, batch);
      if (entry.member > 0) batch.onWritten(() => this.runnerOf(entry.contractId).kick());
      this.o.logger.info(
        { taskId: String(a.taskId), contractId: String(a.contractId), epoch: String(epoch), member: entry.member },
        'task created',
      );
    } else if (e.eventName === 'TaskReceipted') {
      const a = (e as ChainEvent<'tasks', 'TaskReceipted'>).args;
      const status = a.status === 1 ? 'success' : a.status === 2 ? 'failure' : 'skipped';
      await this.book.update(
        a.taskId,
        {
          status: 'receipted',
          receiptStatus: status,
          onChain: { outputHash: a.outputHash, publicOutput: a.publicOutput, gasUsed: a.gasUsed },
        },
        batch,
      );
    } else if (e.eventName === 'TaskRefunded') {
      await this.book.update(
        (e as ChainEvent<'tasks', 'TaskRefunded'>).args.taskId,
        { status: 'failed', error: 'refunded: not receipted in time' },
        batch,
      );
    }
  }

  /**
   * Epoch `toEpoch` began after block `block`: every contract with tasks so far hands its state from the old
   * committee to the new one. This node records the handovers it takes part in (as old or new member); each
   * runs in its contract's queue, after the tasks created up to `block`.
   */
  private async planHandovers(toEpoch: bigint, block: bigint, batch: WriteBatch): Promise<void> {
    if (toEpoch === 0n) return;
    const self = this.o.keys.peerId.toString();
    for (const record of await this.o.secretContracts.all()) {
      if ((await this.handovers.get(record.id, toEpoch)) !== undefined) continue;
      const [created] = await this.o.chain.contracts.tasks.read.queueOf([record.id], { blockNumber: block });
      if (created === 0n) continue; // no task yet: the state is still the public initial value
      let before: Committee;
      let after: Committee;
      try {
        [before, after] = await Promise.all([
          this.o.membership.committee(record.id, toEpoch - 1n),
          this.o.membership.committee(record.id, toEpoch),
        ]);
      } catch (error) {
        if (!isRevert(error)) throw error;
        // No committee can be formed (fewer nodes than seats): nothing to hand over to; the listener moves on.
        this.o.logger.warn({ contractId: String(record.id), err: String(error) }, 'no handover: no committee');
        continue;
      }
      const involved = [...before.members, ...after.members].some((m) => m.peerId === self);
      if (!involved) continue;
      this.handovers.put(
        {
          contractId: record.id,
          fromEpoch: toEpoch - 1n,
          toEpoch,
          boundaryBlock: block,
          version: created,
          status: 'pending',
          updatedAt: Date.now(),
        },
        batch,
      );
      batch.onWritten(() => this.runnerOf(record.id).kick());
      this.o.logger.info(
        { contractId: String(record.id), toEpoch: String(toEpoch), version: String(created) },
        'epoch handover planned',
      );
    }
  }

  /**
   * The epoch current at `block`, for an event the listener is delivering. Events come in chain order, and an
   * epoch begins the block after the EpochAdvanced that starts it, so every epoch that began by `block` is known
   * here once one is; the chain is asked only for a block before the first epoch this node saw begin.
   */
  private async epochAt(block: bigint): Promise<bigint> {
    for (let i = this.epochStarts.length - 1; i >= 0; i--) {
      const known = this.epochStarts[i]!;
      if (known.startBlock <= block) return known.epoch;
    }
    const epoch = await this.o.chain.contracts.epochs.read.currentEpoch({ blockNumber: block });
    // From `block` on (until the next EpochAdvanced) the epoch is this one.
    if (this.epochStarts.length === 0) this.epochFrom(epoch, block);
    return epoch;
  }

  private epochFrom(epoch: bigint, startBlock: bigint): void {
    const last = this.epochStarts.at(-1);
    if (last && last.epoch >= epoch) return; // delivered again (a retried batch)
    this.epochStarts.push({ epoch, startBlock });
    if (this.epochStarts.length > 64) this.epochStarts.shift();
  }

  /** @internal Runs this node's part of a handover and stores (or deletes) its state share in one batch. */
  async runHandover(record: HandoverRecord): Promise<void> {
    const { o } = this;
    const { contractId } = record;
    const batch = o.store.batch();
    o.logger.debug({ contractId: String(contractId), toEpoch: String(record.toEpoch) }, 'epoch handover starting');
    const module = await this.moduleOf(contractId);
    if (module.state.length === 0) {
      this.handovers.update(record, { status: 'done' }, batch);
      await batch.write();
      return;
    }
    const [before, after] = await Promise.all([
      o.membership.committee(contractId, record.fromEpoch),
      o.membership.committee(contractId, record.toEpoch),
    ]);
    const peers = before.members.map((m) => m.peerId);
    for (const m of after.members) if (!peers.includes(m.peerId)) peers.push(m.peerId);
    const self = o.keys.peerId.toString();
    const newSeat = after.members.find((m) => m.peerId === self);
    const stored = await this.state.get(contractId);
    const holds =
      before.members.some((m) => m.peerId === self) &&
      stored !== undefined &&
      stored.version === record.version &&
      stored.epoch === record.fromEpoch;
    o.logger.info(
      { contractId: String(contractId), toEpoch: String(record.toEpoch), holds, receives: newSeat !== undefined },
      'epoch handover running',
    );
    const timeoutMs = o.handoverTimeoutMs ?? 120_000;
    const transport = o.membership.openSessionAmong(o.streams, {
      sessionId: sessionIdFor(contractId, record.toEpoch, 'handover'),
      peers,
      self: o.keys.peerId,
      openTimeoutMs: timeoutMs,
    });
    let shares: FieldVector[] | undefined;
    try {
      const party = new Party({ transport, t: before.t, timeoutMs });
      shares = await handOver(
        party,
        { oldN: before.n, oldT: before.t, to: after.members.map((m) => peers.indexOf(m.peerId) + 1), newT: after.t },
        module.state.map((v) => v.initial.length),
        holds ? stored.shares : undefined,
      );
    } finally {
      transport.close();
    }
    if (newSeat && shares) {
      this.state.put(batch, contractId, { version: record.version, epoch: record.toEpoch, shares });
    } else {
      // The old share goes: a node outside the new committee keeps nothing of the state.
      this.state.delete(batch, contractId);
    }
    this.handovers.update(record, { status: 'done' }, batch);
    await batch.write();
    o.logger.info(
      { contractId: String(contractId), toEpoch: String(record.toEpoch), deleted: !(newSeat && shares) },
      'epoch handover done',
    );
  }

  /**
   * @internal A task that could not run at this member (a peer did not connect, a round timed out, the state is
   * not here). It gets a Skipped receipt — no fee, the caller's escrow goes back with the batch — so that the
   * contract's queue moves on instead of waiting for a refund time-out. A session fails for all its members
   * alike, so they reach the same receipt. The state version moves past the task, as for any skip.
   */
  async settleFailed(entry: TaskEntry, error: unknown): Promise<void> {
    const reason = String((error as Error).message ?? error).slice(0, 400);
    const receipt = receiptOf(entry, STATUS.skipped, 0n);
    const batch = this.o.store.batch();
    const done = await this.book.update(
      entry.taskId,
      { status: 'completed', receipt, receiptStatus: 'skipped', error: reason },
      batch,
    );
    const stateful = await this.isStateful(entry.contractId).catch(() => false);
    if (stateful) {
      const stored = await this.state.get(entry.contractId).catch(() => undefined);
      if (stored && stored.version === entry.sequence && stored.epoch === entry.epoch) {
        this.state.put(batch, entry.contractId, { ...stored, version: entry.sequence + 1n });
      }
    }
    await batch.write();
    if (done) this.batcher.completed(done, receipt);
  }

  /** @internal Marks a handover failed (its error is not secret: who held what, or a time-out). */
  async failHandover(record: HandoverRecord, error: unknown): Promise<void> {
    const batch = this.o.store.batch();
    this.handovers.update(
      record,
      { status: 'failed', error: String((error as Error).message ?? error).slice(0, 400) },
      batch,
    );
    await batch.write();
  }

  /** @internal */
  async isStateful(contractId: bigint): Promise<boolean> {
    return (await this.moduleOf(contractId)).state.length > 0;
  }

  // ----- bundles -----

  /** mosaic_submitTask: check the bundle against the record, keep it if a member, pass it to the committee. */
  async submitBundle(taskId: bigint, bundle: Uint8Array): Promise<{ accepted: boolean; bundleHash: Hex }> {
    // The caller has the createTask receipt; this node's listener may still be a few blocks behind.
    const entry = await this.book.waitFor(taskId, 10_000);
    if (!entry) throw new TaskNotFoundError(taskId);
    const hash = keccak256(bundle);
    if (hash !== entry.bundleHash.toLowerCase()) throw new BundleMismatchError(taskId);
    const accepted = await this.keepBundle(entry, bundle);
    const committee = await this.o.membership.committee(entry.contractId, entry.epoch);
    const self = this.o.keys.peerId.toString();
    const message = new Uint8Array(32 + bundle.length);
    message.set(hexToBytes(`0x${taskId.toString(16).padStart(64, '0')}`), 0);
    message.set(bundle, 32);
    // The caller need not wait for the other members: each checks the bundle against its own record, and a
    // member that does not get it skips the task (the caller sees that in the task's status).
    void Promise.allSettled(
      committee.members
        .filter((m) => m.peerId !== self)
        .map((m) =>
          this.bundleSender.request(peerIdFromString(m.peerId), message).catch((error: unknown) => {
            this.o.logger.warn({ taskId: String(taskId), member: m.index, err: String(error) }, 'bundle not delivered');
          }),
        ),
    );
    return { accepted, bundleHash: hash };
  }

  private async receiveBundle(message: Uint8Array): Promise<Uint8Array> {
    if (message.length <= 32) throw new RemoteError('bundle message too short');
    const taskId = BigInt(bytesToHex(message.subarray(0, 32)));
    const bundle = message.slice(32);
    const entry = await this.book.waitFor(taskId, 10_000);
    if (!entry) throw new RemoteError(`task ${taskId} is not known here`);
    if (keccak256(bundle) !== entry.bundleHash.toLowerCase()) throw new RemoteError('bundle does not match the record');
    await this.keepBundle(entry, bundle);
    return Uint8Array.of(1);
  }

  private async keepBundle(entry: TaskEntry, bundle: Uint8Array): Promise<boolean> {
    if (entry.member === 0) return false;
    if (!(await this.book.storeBundle(entry, bundle))) return false;
    const runner = this.runnerOf(entry.contractId);
    runner.bundleArrived(entry.sequence);
    // A batch leader waits for bundles before it proposes their tasks.
    if (entry.member === 1) runner.kick();
    return true;
  }

  // ----- results -----

  private async serveResult(req: Uint8Array): Promise<Uint8Array> {
    if (req.length !== 32) throw new RemoteError('result request is a 32-byte task id');
    const taskId = BigInt(bytesToHex(req));
    let entry = await this.book.get(taskId);
    // The members finish a task within moments of each other: one still writing its result is waited for.
    if (entry && entry.member > 0 && !isFinal(entry)) entry = await this.untilFinal(taskId, 5_000);
    const result = entry ? await this.resultOf(taskKey(entry.contractId, entry.sequence)) : undefined;
    if (!result) throw new RemoteError('no result here');
    return new TextEncoder().encode(JSON.stringify(result));
  }

  /** The task's entry once it is final here, or as it stands after `ms`. */
  private async untilFinal(taskId: bigint, ms: number): Promise<TaskEntry | undefined> {
    let stop: (() => void) | undefined;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const off = this.book.onUpdate((e) => {
        if (e.taskId === taskId && isFinal(e)) resolve();
      });
      stop = () => {
        clearTimeout(timer);
        off();
      };
    });
    const now = await this.book.get(taskId);
    if (!now || !isFinal(now)) await done;
    stop?.();
    return this.book.get(taskId);
  }

  /** A task's outcome at this member, in `batch`: its status and receipt, and its result envelope if any. */
  private async writeOutcome(
    batch: WriteBatch,
    entry: TaskEntry,
    outcome: Awaited<ReturnType<typeof runTask>>,
  ): Promise<TaskEntry | undefined> {
    if (outcome.envelope && outcome.signature) {
      this.putResult(batch, taskKey(entry.contractId, entry.sequence), {
        member: entry.member,
        operator: this.o.keys.operator.address,
        envelope: bytesToHex(outcome.envelope),
        signature: outcome.signature,
      });
    }
    return this.book.update(
      entry.taskId,
      {
        status: 'completed',
        receipt: outcome.receipt,
        receiptStatus: outcome.receiptStatus,
        ...(outcome.error ? { error: outcome.error } : {}),
      },
      batch,
    );
  }

  /** Writes this member's result envelope in `batch`, and keeps it in memory once written (it is served soon). */
  private putResult(batch: WriteBatch, key: string, result: StoredResult): void {
    batch.put(this.results, key, result).onWritten(() => {
      this.recentResults.set(key, result);
      if (this.recentResults.size > 1024) this.recentResults.delete(this.recentResults.keys().next().value as string);
    });
  }

  private async resultOf(key: string): Promise<StoredResult | undefined> {
    return this.recentResults.get(key) ?? (await this.results.get(key));
  }

  /** Every member's result envelope this node can gather (its own, then the others' over the network). */
  async gatherResults(entry: TaskEntry): Promise<StoredResult[]> {
    const committee = await this.o.membership.committee(entry.contractId, entry.epoch);
    const self = this.o.keys.peerId.toString();
    const key = taskKey(entry.contractId, entry.sequence);
    const request32 = hexToBytes(`0x${entry.taskId.toString(16).padStart(64, '0')}`);
    const found = await Promise.all(
      committee.members.map(async (m): Promise<StoredResult | undefined> => {
        if (m.peerId === self) return this.resultOf(key);
        try {
          const reply = await this.resultFetcher.request(peerIdFromString(m.peerId), request32);
          const parsed = resultSchema.safeParse(JSON.parse(new TextDecoder().decode(reply)));
          // The member index must be the seat asked; the client verifies the operator's signature.
          return parsed.success && parsed.data.member === m.index ? parsed.data : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return found.filter((r): r is StoredResult => r !== undefined);
  }

  // ----- running -----

  private runnerOf(contractId: bigint): ContractRunner {
    let runner = this.runners.get(contractId);
    if (!runner) {
      runner = new ContractRunner(contractId, this);
      this.runners.set(contractId, runner);
    }
    return runner;
  }

  /** @internal Runs one task at this member and writes everything it produced in one batch. */
  async runOne(entry: TaskEntry): Promise<void> {
    const { o } = this;
    const committee = await o.membership.committee(entry.contractId, entry.epoch);
    const module = await this.moduleOf(entry.contractId);
    const started = performance.now();
    const bundle = await this.waitBundle(entry);
    const bundleAt = performance.now();
    const stored = await this.state.get(entry.contractId);
    const stateful = module.state.length > 0;
    if (stateful && (stored?.version ?? 0n) !== entry.sequence) {
      // The state this task reads is not here (an epoch handover this node has not received).
      throw new Error(
        `contract ${entry.contractId} state is at version ${stored?.version ?? 0n}, task ${entry.sequence} needs ${entry.sequence}`,
      );
    }
    if (stateful && stored !== undefined && stored.epoch !== entry.epoch) {
      throw new Error(
        `contract ${entry.contractId} state shares belong to epoch ${stored.epoch}'s committee, the task runs in epoch ${entry.epoch}`,
      );
    }
    await this.book.update(entry.taskId, { status: 'running' });
    o.logger.info({ taskId: String(entry.taskId), bundle: bundle !== undefined }, 'task running');
    const session = await o.membership.openSession(o.streams, {
      contractId: entry.contractId,
      epoch: entry.epoch,
      sessionId: sessionIdFor(entry.contractId, entry.epoch, `task:${entry.taskId}`),
      self: o.keys.peerId,
      openTimeoutMs: SESSION_OPEN_MS,
    });
    let outcome: Awaited<ReturnType<typeof runTask>>;
    const runAt = performance.now();
    let rounds = 0;
    try {
      const party = new Party({ transport: session.transport, t: committee.t, timeoutMs: o.roundTimeoutMs ?? 20_000 });
      outcome = await runTask({
        entry,
        committee,
        module,
        bundle,
        state: stateful ? stored?.shares : undefined,
        chainId: BigInt(o.chain.deployment.chainId),
        tasks: o.chain.deployment.addresses.tasks,
        operator: o.keys.operator,
        x25519SecretKey: o.keys.x25519SecretKey,
        x25519PublicKey: this.x25519PublicKey,
        party,
        ...this.storedInputsHook(),
      });
      rounds = party.stats.rounds;
    } finally {
      session.transport.close();
    }
    const doneAt = performance.now();
    const batch = o.store.batch();
    const done = await this.writeOutcome(batch, entry, outcome);
    if (stateful) {
      this.state.put(batch, entry.contractId, {
        version: entry.sequence + 1n,
        epoch: entry.epoch,
        shares: (outcome.newState ?? initialShares(module)) as FieldVector[],
      });
    }
    await batch.write();
    o.logger.info(
      {
        taskId: String(entry.taskId),
        receiptStatus: outcome.receiptStatus,
        ...(outcome.error ? { reason: outcome.error } : {}),
        // Where the time went (ms): waiting for the bundle, the MPC session (connect + rounds), storing.
        ms: {
          bundle: Math.round(bundleAt - started),
          session: Math.round(doneAt - runAt),
          store: Math.round(performance.now() - doneAt),
        },
        rounds,
      },
      'task completed',
    );
    if (done) this.batcher.completed(done, outcome.receipt);
  }

  /**
   * @internal The batch leader (member 1) of a stateless contract: tells the other members which tasks run
   * together, then runs them. A member that refuses (it does not know a task yet) fails the session for all,
   * and the tasks get Skipped receipts.
   */
  async leadBatch(entries: readonly TaskEntry[]): Promise<void> {
    const first = entries[0]!;
    const committee = await this.o.membership.committee(first.contractId, first.epoch);
    const proposal = new TextEncoder().encode(
      JSON.stringify({ taskIds: entries.map((e) => `0x${e.taskId.toString(16)}`) }),
    );
    await Promise.all(
      committee.members
        .filter((m) => m.index !== 1)
        .map((m) =>
          this.proposals.request(peerIdFromString(m.peerId), proposal).catch((error: unknown) => {
            this.o.logger.warn({ member: m.index, err: String(error) }, 'task batch not taken by a member');
          }),
        ),
    );
    await this.runBatch(entries);
  }

  /** A member's side of a proposal: checks it, and starts the batch in the contract's runner. */
  private async receiveProposal(message: Uint8Array, peer: string): Promise<Uint8Array> {
    let ids: bigint[];
    try {
      ids = proposalSchema.parse(JSON.parse(new TextDecoder().decode(message))).taskIds.map((h) => BigInt(h));
    } catch {
      throw new RemoteError('malformed task batch proposal');
    }
    const entries = await Promise.all(ids.map((id) => this.book.waitFor(id, 5_000)));
    const missing = ids.find((_, k) => entries[k] === undefined);
    if (missing !== undefined) throw new RemoteError(`task ${missing} is not known here`);
    const list = entries as TaskEntry[];
    const first = list[0]!;
    const same = list.every(
      (e) =>
        e.contractId === first.contractId &&
        e.epoch === first.epoch &&
        e.selector.toLowerCase() === first.selector.toLowerCase() &&
        e.member > 0,
    );
    if (!same || new Set(ids).size !== ids.length) {
      throw new RemoteError('a batch holds distinct tasks of one function and epoch, of which this node is a member');
    }
    const committee = await this.o.membership.committee(first.contractId, first.epoch);
    if (committee.members[0]?.peerId !== peer) throw new RemoteError('only member 1 proposes task batches');
    if (await this.isStateful(first.contractId)) throw new RemoteError('a stateful contract runs its tasks one by one');
    if (list.some(isFinal)) throw new RemoteError('a task of the batch is finished here');
    if (!this.runnerOf(first.contractId).adopt(list, () => this.runBatch(list))) {
      throw new RemoteError('a task of the batch is already running here');
    }
    return Uint8Array.of(1);
  }

  /** @internal Runs a batch of tasks of one function at this member and writes their outcomes in one batch. */
  async runBatch(entries: readonly TaskEntry[]): Promise<void> {
    const { o } = this;
    const first = entries[0]!;
    const committee = await o.membership.committee(first.contractId, first.epoch);
    const module = await this.moduleOf(first.contractId);
    if (module.state.length > 0) throw new Error('a stateful contract runs its tasks one by one');
    const started = performance.now();
    const bundles = await Promise.all(entries.map((e) => this.waitBundle(e)));
    const bundleAt = performance.now();
    const running = o.store.batch();
    for (const e of entries) await this.book.update(e.taskId, { status: 'running' }, running);
    await running.write();
    const session = await o.membership.openSession(o.streams, {
      contractId: first.contractId,
      epoch: first.epoch,
      sessionId: sessionIdFor(first.contractId, first.epoch, `batch:${first.taskId}:${entries.length}`),
      self: o.keys.peerId,
      openTimeoutMs: SESSION_OPEN_MS,
    });
    let outcomes: Awaited<ReturnType<typeof runTaskBatch>>;
    let rounds = 0;
    const runAt = performance.now();
    try {
      const party = new Party({ transport: session.transport, t: committee.t, timeoutMs: o.roundTimeoutMs ?? 20_000 });
      outcomes = await runTaskBatch(
        {
          committee,
          module,
          state: undefined,
          chainId: BigInt(o.chain.deployment.chainId),
          tasks: o.chain.deployment.addresses.tasks,
          operator: o.keys.operator,
          x25519SecretKey: o.keys.x25519SecretKey,
          x25519PublicKey: this.x25519PublicKey,
          party,
          ...this.storedInputsHook(),
        },
        entries.map((entry, k) => ({ entry, bundle: bundles[k] })),
      );
      rounds = party.stats.rounds;
    } finally {
      session.transport.close();
    }
    const doneAt = performance.now();
    const batch = o.store.batch();
    const done: [TaskEntry, (typeof outcomes)[number]][] = [];
    for (const [k, entry] of entries.entries()) {
      const outcome = outcomes[k]!;
      const updated = await this.writeOutcome(batch, entry, outcome);
      if (updated) done.push([updated, outcome]);
    }
    await batch.write();
    o.logger.info(
      {
        contractId: String(first.contractId),
        firstTaskId: String(first.taskId),
        tasks: entries.length,
        skipped: outcomes.filter((x) => x.receiptStatus !== 'success').length,
        ms: {
          bundle: Math.round(bundleAt - started),
          session: Math.round(doneAt - runAt),
          store: Math.round(performance.now() - doneAt),
        },
        rounds,
      },
      'task batch completed',
    );
    for (const [entry, outcome] of done) this.batcher.completed(entry, outcome.receipt);
  }

  private async waitBundle(entry: TaskEntry): Promise<Uint8Array | undefined> {
    const key = taskKey(entry.contractId, entry.sequence);
    const deadline = Date.now() + (this.o.bundleTimeoutMs ?? 20_000);
    const runner = this.runnerOf(entry.contractId);
    for (;;) {
      const bundle = await this.book.bundleOf(key);
      if (bundle || Date.now() >= deadline || this.stopped) return bundle;
      await runner.bundleSignal(deadline - Date.now());
    }
  }

  /** Where a task's stored inputs come from (set by the node once its storage service runs). */
  storedInputs: StoredInputFetcher | undefined;

  private storedInputsHook(): Pick<TaskBatchCommon, 'storedInputs'> {
    const stored = this.storedInputs;
    return stored
      ? { storedInputs: (entry, committee, f, raw, bundle) => stored.fetch(entry, committee, f, raw, bundle) }
      : {};
  }

  /** @internal The validated IR of a contract (fetched and checked against its code hash once). */
  async moduleOf(contractId: bigint): Promise<ValidatedModule> {
    const records = await this.o.secretContracts.all();
    let record = records.find((r) => r.id === contractId);
    if (!record) {
      await this.o.secretContracts.refresh();
      record = (await this.o.secretContracts.all()).find((r) => r.id === contractId);
    }
    if (!record) throw new Error(`secret contract ${contractId} is not on chain`);
    const cached = this.modules.get(record.codeHash);
    if (cached) return cached;
    const code = await this.o.code.get(record.codeHash);
    if (!code) throw new Error(`code of contract ${contractId} (${record.codeHash}) is not available`);
    const module = decodeModule(code);
    this.modules.set(record.codeHash, module);
    return module;
  }

  /** @internal */
  get isStopped(): boolean {
    return this.stopped;
  }
}

/** Whether a chain read failed because the call reverted (as opposed to the chain being unreachable). */
function isRevert(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { name?: string }).name === 'ContractFunctionRevertedError') return true;
  }
  return false;
}

function initialShares(module: ValidatedModule): FieldVector[] {
  // A share of a public constant is the constant itself at every point.
  return module.state.map((s) => vec.fromBigInts(s.initial.map((x) => field.fromSigned(x))));
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
