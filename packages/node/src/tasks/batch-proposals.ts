/**
 * Task batches of a stateless contract (docs/task-execution.md): member 1 of the committee forms each batch and
 * tells the other members which tasks run together before it opens the session; each member checks the
 * proposal and starts the same batch in the contract's runner. A member that refuses (it does not know a task
 * yet) fails the session for all, and the tasks get Skipped receipts.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Committee } from '../chain/membership.js';
import { ChannelRequester, serveChannel } from '../p2p/channel.js';
import type { Host } from '../p2p/host.js';
import { RemoteError } from '../p2p/request-response.js';
import { MAX_BATCH_TASKS } from './contract-runner.js';
import { isFinal, type TaskBook, type TaskEntry } from './task-book.js';

/** A channel: a request is the proposal (JSON task ids); its answer one byte. */
export const TASK_BATCH_PROTOCOL = '/mosaic/task-batch/2.0.0';

const proposalSchema = z.strictObject({
  taskIds: z
    .array(z.string().regex(/^0x[0-9a-f]{1,64}$/))
    .min(1)
    .max(MAX_BATCH_TASKS),
});

type Committees = { committee(contractId: bigint, epoch: bigint): Promise<Committee> };

/** The leader's side: sends a batch's task ids to the other members. */
export class BatchProposer {
  private readonly requester: ChannelRequester;

  constructor(private readonly components: { host: Host; committees: Committees; logger: Logger }) {
    this.requester = new ChannelRequester({
      host: components.host,
      protocol: TASK_BATCH_PROTOCOL,
      maxResponseBytes: 256,
      timeoutMs: 10_000,
    });
  }

  /** Tells every other member of the committee which tasks run together (a refusal is logged, not thrown). */
  async propose(entries: readonly TaskEntry[]): Promise<void> {
    const first = entries[0];
    if (first === undefined) return;
    const committee = await this.components.committees.committee(first.contractId, first.epoch);
    const proposal = new TextEncoder().encode(
      JSON.stringify({ taskIds: entries.map((e) => `0x${e.taskId.toString(16)}`) }),
    );
    await Promise.all(
      committee.members
        .filter((m) => m.index !== 1)
        .map((m) =>
          this.requester.request(peerIdFromString(m.peerId), proposal).catch((error: unknown) => {
            this.components.logger.warn({ member: m.index, err: String(error) }, 'task batch not taken by a member');
          }),
        ),
    );
  }

  close(): void {
    this.requester.close();
  }
}

export interface BatchProposalHandlerComponents {
  host: Host;
  book: Pick<TaskBook, 'waitFor'>;
  committees: Committees;
  modules: { isStateful(contractId: bigint): Promise<boolean> };
  /** Starts the batch in the contract's runner; false if one of its tasks is already running here. */
  runners: { adopt(entries: readonly TaskEntry[]): boolean };
  logger: Logger;
}

/** A member's side: checks a proposal from member 1 and starts the batch. */
export class BatchProposalHandler {
  private unserve: (() => Promise<void> | void) | undefined;

  constructor(private readonly components: BatchProposalHandlerComponents) {}

  async start(): Promise<void> {
    this.unserve = await serveChannel(
      this.components.host,
      TASK_BATCH_PROTOCOL,
      (req, peer) => this.receive(req, peer),
      { maxRequestBytes: 16 + 70 * MAX_BATCH_TASKS, logger: this.components.logger },
    );
  }

  async stop(): Promise<void> {
    await this.unserve?.();
  }

  private async receive(message: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const { book, committees, modules, runners } = this.components;
    let ids: bigint[];
    try {
      ids = proposalSchema.parse(JSON.parse(new TextDecoder().decode(message))).taskIds.map((h) => BigInt(h));
    } catch {
      throw new RemoteError('malformed task batch proposal');
    }
    const entries = await Promise.all(ids.map((id) => book.waitFor(id, 5_000)));
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
    const committee = await committees.committee(first.contractId, first.epoch);
    if (committee.members[0]?.peerId !== peer.toString()) throw new RemoteError('only member 1 proposes task batches');
    if (await modules.isStateful(first.contractId))
      throw new RemoteError('a stateful contract runs its tasks one by one');
    if (list.some(isFinal)) throw new RemoteError('a task of the batch is finished here');
    if (!runners.adopt(list)) throw new RemoteError('a task of the batch is already running here');
    return Uint8Array.of(1);
  }
}
