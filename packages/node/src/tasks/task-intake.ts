/**
 * Follows Tasks' events into the task book (docs/task-execution.md, step 1): a TaskCreated becomes an entry with
 * its epoch and this node's seat in that epoch's committee, a TaskReceipted or TaskRefunded settles it. An
 * EpochAdvanced plans the contract-state handovers of the new epoch. Each contract whose queue grew is kicked
 * once the listener's batch is written.
 */
import type { PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { AnyChainEvent, ChainEvent } from '../chain/events.js';
import type { Committee } from '../chain/membership.js';
import { isRevert } from '../chain/revert.js';
import type { WriteBatch } from '../db/store.js';
import type { TaskBook, TaskEntry } from './task-book.js';

/** The contract-state handovers, as an epoch change plans them (epoch/contract-state-handovers.ts). */
export interface HandoverPlanner {
  /** Records the handovers to `toEpoch` this node takes part in, in `batch`; returns their contracts. */
  plan(toEpoch: bigint, block: bigint, batch: WriteBatch): Promise<bigint[]>;
}

export interface TaskIntakeComponents {
  book: Pick<TaskBook, 'get' | 'put' | 'update' | 'useBundle'>;
  committees: { committee(contractId: bigint, epoch: bigint): Promise<Committee> };
  /** The epoch current at a block (Epochs.currentEpoch at that block). */
  epochAtBlock: (block: bigint) => Promise<bigint>;
  handovers: HandoverPlanner;
  runners: { kick(contractId: bigint): void };
  self: PeerId;
  logger: Logger;
}

export class TaskIntake {
  /** Epochs whose first block the listener has seen, in order (see epochAt). */
  private readonly epochStarts: { epoch: bigint; startBlock: bigint }[] = [];

  constructor(private readonly components: TaskIntakeComponents) {}

  /** A chain event, in chain order, with the listener's batch it writes in (ChainListener.onAny). */
  async onEvent(event: AnyChainEvent, batch: WriteBatch): Promise<void> {
    if (event.contract === 'epochs' && event.eventName === 'EpochAdvanced') {
      const { epoch, startBlock } = (event as ChainEvent<'epochs', 'EpochAdvanced'>).args;
      this.epochFrom(epoch, startBlock);
      const planned = await this.components.handovers.plan(epoch, event.blockNumber, batch);
      for (const contractId of planned) batch.onWritten(() => this.components.runners.kick(contractId));
      return;
    }
    if (event.contract !== 'tasks') return;
    const e = event as ChainEvent<'tasks'>;
    if (e.eventName === 'TaskCreated') {
      await this.created(e as ChainEvent<'tasks', 'TaskCreated'>, batch);
    } else if (e.eventName === 'TaskReceipted') {
      const a = (e as ChainEvent<'tasks', 'TaskReceipted'>).args;
      const status = a.status === 1 ? 'success' : a.status === 2 ? 'failure' : 'skipped';
      await this.components.book.update(
        a.taskId,
        {
          status: 'receipted',
          receiptStatus: status,
          onChain: { outputHash: a.outputHash, publicOutput: a.publicOutput, gasUsed: a.gasUsed },
        },
        batch,
      );
    } else if (e.eventName === 'TaskRefunded') {
      await this.components.book.update(
        (e as ChainEvent<'tasks', 'TaskRefunded'>).args.taskId,
        { status: 'failed', error: 'refunded: not receipted in time' },
        batch,
      );
    }
  }

  private async created(event: ChainEvent<'tasks', 'TaskCreated'>, batch: WriteBatch): Promise<void> {
    const { book, committees, logger } = this.components;
    const a = event.args;
    const existing = await book.get(a.taskId);
    if (existing) return;
    // The task's epoch is the one current at its block; its committee is that epoch's.
    const epoch = await this.epochAt(event.blockNumber);
    const self = this.components.self.toString();
    // A committee the chain cannot form (fewer nodes than seats: committeeOf reverts) has no member here;
    // the task is kept for queries and will be refunded. Retrying would stall the listener for good.
    const committee = await committees.committee(a.contractId, epoch).catch((error: unknown) => {
      if (!isRevert(error)) throw error; // chain unreachable: the listener retries the event
      logger.warn({ contractId: String(a.contractId), err: String(error) }, 'no committee for a task');
      return undefined;
    });
    const seat = committee?.members.find((m) => m.peerId === self);
    // Every node sees the same events in the same order, so every member agrees on which task came first.
    const replayOf = await book.useBundle(a.bundleHash, a.caller, a.taskId, batch);
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
      ...(replayOf !== undefined ? { replayOf } : {}),
      updatedAt: Date.now(),
    };
    book.put(entry, batch);
    if (entry.member > 0) batch.onWritten(() => this.components.runners.kick(entry.contractId));
    logger.info(
      { taskId: String(a.taskId), contractId: String(a.contractId), epoch: String(epoch), member: entry.member },
      'task created',
    );
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
    const epoch = await this.components.epochAtBlock(block);
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
}
