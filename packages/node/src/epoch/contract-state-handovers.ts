/**
 * The contract-state epoch handovers this node takes part in (docs/task-execution.md, "Epoch handover"): planned
 * when an epoch begins, run by the contract's runner at their place in its queue, then recorded done or failed.
 * The task side reaches this service through its own narrow interface (tasks/contract-runner.ts), so this
 * folder does not depend on the task folder: the state shares and the contract's layout come in as components.
 */
import type { PeerId } from '@libp2p/interface';
import type { ValidatedModule } from '@mosaic/lang';
import { type FieldVector, Party, type Transport } from '@mosaic/mpc';
import type { Logger } from 'pino';
import type { Committee } from '../chain/membership.js';
import { sessionIdFor } from '../chain/membership.js';
import { isRevert } from '../chain/revert.js';
import type { SecretContractRecord } from '../chain/secret-contracts.js';
import type { Store, WriteBatch } from '../db/store.js';
import type { PeerSessionOptions } from '../sessions/committee-sessions.js';
import { errorMessage } from '../util/error-message.js';
import { HandoverBook, type HandoverRecord } from './contract-handover.js';
import { handOver } from './resharing.js';

/** A contract's state shares at this node (tasks/state-store.ts). */
export interface StateShares {
  get(contractId: bigint): Promise<{ version: bigint; epoch: bigint; shares: FieldVector[] } | undefined>;
  put(batch: WriteBatch, contractId: bigint, state: { version: bigint; epoch: bigint; shares: FieldVector[] }): void;
  delete(batch: WriteBatch, contractId: bigint): void;
}

export interface ContractStateHandoversComponents {
  store: Store;
  state: StateShares;
  committees: { committee(contractId: bigint, epoch: bigint): Promise<Committee> };
  secretContracts: { all(): Promise<readonly SecretContractRecord[]> };
  /** The contract's state layout (its validated IR). */
  modules: { moduleOf(contractId: bigint): Promise<Pick<ValidatedModule, 'state'>> };
  /** The number of the contract's tasks created up to `block` (Tasks.queueOf at that block). */
  tasksCreatedAt: (contractId: bigint, block: bigint) => Promise<bigint>;
  sessions: { openAmong(options: PeerSessionOptions): Transport };
  self: PeerId;
  logger: Logger;
  /** How long a handover waits for both committees (default 120 s). */
  timeoutMs?: number;
}

export class ContractStateHandovers {
  private readonly book: HandoverBook;

  constructor(private readonly components: ContractStateHandoversComponents) {
    this.book = new HandoverBook(components.store);
  }

  /**
   * Epoch `toEpoch` began after block `block`: every contract with tasks so far hands its state from the old
   * committee to the new one. Records (in `batch`) the handovers this node takes part in, as old or new member;
   * each runs in its contract's queue, after the tasks created up to `block`. Returns their contracts.
   */
  async plan(toEpoch: bigint, block: bigint, batch: WriteBatch): Promise<bigint[]> {
    const { committees, logger } = this.components;
    if (toEpoch === 0n) return [];
    const self = this.components.self.toString();
    const planned: bigint[] = [];
    for (const record of await this.components.secretContracts.all()) {
      if ((await this.book.get(record.id, toEpoch)) !== undefined) continue;
      const created = await this.components.tasksCreatedAt(record.id, block);
      if (created === 0n) continue; // no task yet: the state is still the public initial value
      let before: Committee;
      let after: Committee;
      try {
        [before, after] = await Promise.all([
          committees.committee(record.id, toEpoch - 1n),
          committees.committee(record.id, toEpoch),
        ]);
      } catch (error) {
        if (!isRevert(error)) throw error;
        // No committee can be formed (fewer nodes than seats): nothing to hand over to; the listener moves on.
        logger.warn({ contractId: String(record.id), err: String(error) }, 'no handover: no committee');
        continue;
      }
      const involved = [...before.members, ...after.members].some((m) => m.peerId === self);
      if (!involved) continue;
      this.book.put(
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
      planned.push(record.id);
      logger.info(
        { contractId: String(record.id), toEpoch: String(toEpoch), version: String(created) },
        'epoch handover planned',
      );
    }
    return planned;
  }

  /** The contract's first pending handover (they run in epoch order). */
  nextPending(contractId: bigint): Promise<HandoverRecord | undefined> {
    return this.book.nextPending(contractId);
  }

  /** Contracts with a handover still to run here (to resume after a restart). */
  async *pendingContracts(): AsyncGenerator<bigint> {
    for await (const record of this.book.pending()) yield record.contractId;
  }

  /** Runs this node's part of a handover and stores (or deletes) its state share in one batch. */
  async run(record: HandoverRecord): Promise<void> {
    const { store, state, committees, logger } = this.components;
    const { contractId } = record;
    const batch = store.batch();
    logger.debug({ contractId: String(contractId), toEpoch: String(record.toEpoch) }, 'epoch handover starting');
    const module = await this.components.modules.moduleOf(contractId);
    if (module.state.length === 0) {
      this.book.update(record, { status: 'done' }, batch);
      await batch.write();
      return;
    }
    const [before, after] = await Promise.all([
      committees.committee(contractId, record.fromEpoch),
      committees.committee(contractId, record.toEpoch),
    ]);
    const peers = before.members.map((m) => m.peerId);
    for (const m of after.members) if (!peers.includes(m.peerId)) peers.push(m.peerId);
    const self = this.components.self.toString();
    const newSeat = after.members.find((m) => m.peerId === self);
    const stored = await state.get(contractId);
    const holds =
      before.members.some((m) => m.peerId === self) &&
      stored !== undefined &&
      stored.version === record.version &&
      stored.epoch === record.fromEpoch;
    logger.info(
      { contractId: String(contractId), toEpoch: String(record.toEpoch), holds, receives: newSeat !== undefined },
      'epoch handover running',
    );
    const timeoutMs = this.components.timeoutMs ?? 120_000;
    const transport = this.components.sessions.openAmong({
      sessionId: sessionIdFor(contractId, record.toEpoch, 'handover'),
      peers,
      self: this.components.self,
      openTimeoutMs: timeoutMs,
    });
    let shares: FieldVector[] | undefined;
    let party: Party | undefined;
    try {
      party = new Party({ transport, t: before.t, timeoutMs });
      shares = await handOver(
        party,
        { oldN: before.n, oldT: before.t, to: after.members.map((m) => peers.indexOf(m.peerId) + 1), newT: after.t },
        module.state.map((v) => v.initial.length),
        holds ? stored.shares : undefined,
      );
    } catch (error) {
      party?.abort(errorMessage(error));
      throw error;
    } finally {
      transport.close();
    }
    if (newSeat && shares) {
      state.put(batch, contractId, { version: record.version, epoch: record.toEpoch, shares });
    } else {
      // The old share goes: a node outside the new committee keeps nothing of the state.
      state.delete(batch, contractId);
    }
    this.book.update(record, { status: 'done' }, batch);
    await batch.write();
    logger.info(
      { contractId: String(contractId), toEpoch: String(record.toEpoch), deleted: !(newSeat && shares) },
      'epoch handover done',
    );
  }

  /** Marks a handover failed (its error is not secret: who held what, or a time-out). */
  async fail(record: HandoverRecord, error: unknown): Promise<void> {
    const batch = this.components.store.batch();
    this.book.update(
      record,
      { status: 'failed', error: String((error as Error).message ?? error).slice(0, 400) },
      batch,
    );
    await batch.write();
  }
}
