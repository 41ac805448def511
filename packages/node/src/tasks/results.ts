/**
 * Result envelopes (docs/task-execution.md, step 7): each member keeps the envelope it sealed to the caller,
 * serves it to the other nodes, and any node gathers every member's envelope for mosaic_getTaskResult.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { bytesToHex, hexToBytes } from 'viem';
import { z } from 'zod';
import type { Committee } from '../chain/membership.js';
import { jsonCodec } from '../db/codecs.js';
import type { Namespace, Store, WriteBatch } from '../db/store.js';
import { ChannelRequester, serveChannel } from '../p2p/channel.js';
import type { Host } from '../p2p/host.js';
import { RemoteError } from '../p2p/request-response.js';
import { isFinal, type TaskBook, type TaskEntry, taskKey } from './task-book.js';

/** A channel: a request is a 32-byte task id; its answer the member's result envelope as JSON. */
export const TASK_RESULT_PROTOCOL = '/mosaic/task-result/2.0.0';
/** The largest result envelope answered (as JSON). */
const MAX_RESULT_BYTES = 32 << 20;

const resultSchema = z.object({
  member: z.number().int().min(1).max(64),
  operator: z.string(),
  envelope: z.string(),
  signature: z.string(),
});
export type StoredResult = z.infer<typeof resultSchema>;

export interface TaskResultsComponents {
  host: Host;
  store: Store;
  book: Pick<TaskBook, 'get' | 'onUpdate'>;
  committees: { committee(contractId: bigint, epoch: bigint): Promise<Committee> };
  self: PeerId;
  logger: Logger;
}

export class TaskResults {
  private readonly results: Namespace<StoredResult>;
  private readonly recent = new Map<string, StoredResult>();
  private readonly fetcher: ChannelRequester;
  private unserve: (() => Promise<void> | void) | undefined;

  constructor(private readonly components: TaskResultsComponents) {
    this.results = components.store.namespace('task-results', jsonCodec(resultSchema));
    this.fetcher = new ChannelRequester({
      host: components.host,
      protocol: TASK_RESULT_PROTOCOL,
      maxResponseBytes: MAX_RESULT_BYTES,
      timeoutMs: 10_000,
    });
  }

  async start(): Promise<void> {
    this.unserve = await serveChannel(this.components.host, TASK_RESULT_PROTOCOL, (req) => this.serve(req), {
      maxRequestBytes: 32,
      logger: this.components.logger,
    });
  }

  async stop(): Promise<void> {
    this.fetcher.close();
    await this.unserve?.();
  }

  /** Writes this member's result envelope of `entry` in `batch`, and keeps it in memory once written. */
  put(batch: WriteBatch, entry: TaskEntry, result: StoredResult): void {
    const key = taskKey(entry.contractId, entry.sequence);
    batch.put(this.results, key, result).onWritten(() => {
      this.recent.set(key, result);
      if (this.recent.size > 1024) this.recent.delete(this.recent.keys().next().value as string);
    });
  }

  /** Every member's result envelope this node can gather (its own, then the others' over the network). */
  async gather(entry: TaskEntry): Promise<StoredResult[]> {
    const committee = await this.components.committees.committee(entry.contractId, entry.epoch);
    const self = this.components.self.toString();
    const key = taskKey(entry.contractId, entry.sequence);
    const request32 = hexToBytes(`0x${entry.taskId.toString(16).padStart(64, '0')}`);
    const found = await Promise.all(
      committee.members.map(async (m): Promise<StoredResult | undefined> => {
        if (m.peerId === self) return this.resultOf(key);
        try {
          const reply = await this.fetcher.request(peerIdFromString(m.peerId), request32);
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

  private async resultOf(key: string): Promise<StoredResult | undefined> {
    return this.recent.get(key) ?? (await this.results.get(key));
  }

  private async serve(req: Uint8Array): Promise<Uint8Array> {
    if (req.length !== 32) throw new RemoteError('result request is a 32-byte task id');
    const taskId = BigInt(bytesToHex(req));
    let entry = await this.components.book.get(taskId);
    // The members finish a task within moments of each other: one still writing its result is waited for.
    if (entry && entry.member > 0 && !isFinal(entry)) entry = await this.untilFinal(taskId, 5_000);
    const result = entry ? await this.resultOf(taskKey(entry.contractId, entry.sequence)) : undefined;
    if (!result) throw new RemoteError('no result here');
    return new TextEncoder().encode(JSON.stringify(result));
  }

  /** The task's entry once it is final here, or as it stands after `ms`. */
  private async untilFinal(taskId: bigint, ms: number): Promise<TaskEntry | undefined> {
    const { book } = this.components;
    let stop: (() => void) | undefined;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const off = book.onUpdate((e) => {
        if (e.taskId === taskId && isFinal(e)) resolve();
      });
      stop = () => {
        clearTimeout(timer);
        off();
      };
    });
    const now = await book.get(taskId);
    if (!now || !isFinal(now)) await done;
    stop?.();
    return book.get(taskId);
  }
}
