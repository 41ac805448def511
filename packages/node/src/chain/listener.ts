/**
 * Follows Mosaic's contract events with a number of confirmations, delivers them in chain order to
 * subscribers, and resumes after a restart without missing or repeating one.
 *
 * How: block-range `eth_getLogs` polling up to `head - confirmations` (the reorg depth the node assumes; a
 * deeper reorg is beyond what it defends against). Each event is handed to every subscriber together with a
 * `WriteBatch`; a subscriber puts its effects into that batch, and the listener adds its cursor (the event's
 * position) and writes the batch atomically with `{ sync: true }`. So an event's effects and the cursor
 * past it are on disk together or not at all: after kill -9 the listener starts right behind the last event
 * whose batch was written. When a subscriber throws, nothing of that event is written and the listener
 * retries it (with backoff) before going on: an event is never skipped.
 */
import type { Logger } from 'pino';
import { type Address, decodeEventLog, type Log, type PublicClient } from 'viem';
import { z } from 'zod';
import type { Namespace, Store, WriteBatch } from '../db/store.js';
import {
  type AnyChainEvent,
  type ChainEvent,
  CONTRACT_ABIS,
  type ContractName,
  comparePositions,
  type EventNameOf,
  type EventPosition,
} from './events.js';

export const CURSOR_KEY = 'chain.listener.cursor';
/** logIndex of a cursor that covers its whole block. */
const WHOLE_BLOCK = Number.MAX_SAFE_INTEGER;
/** Blocks with no event for us move the durable cursor at most this often. */
const CURSOR_WRITE_INTERVAL_MS = 1_000;

const cursorSchema = z.strictObject({
  blockNumber: z.bigint().nonnegative(),
  logIndex: z.number().int().min(-1).max(WHOLE_BLOCK),
});
export type Cursor = z.infer<typeof cursorSchema>;

export type EventHandler<E> = (event: E, batch: WriteBatch) => void | Promise<void>;

export interface ChainListenerOptions {
  client: PublicClient;
  addresses: Record<ContractName, Address>;
  store: Store;
  /** First block to read when no cursor is stored (usually the deployment's block). */
  fromBlock: bigint;
  confirmations: number;
  pollIntervalMs: number;
  maxBlockRange: number;
  logger?: Logger;
  /** Called after every scanned range with the last fully processed block. */
  onProgress?: (block: bigint) => void;
}

interface Subscription {
  contract?: ContractName;
  eventName?: string;
  handler: EventHandler<AnyChainEvent>;
}

export class ChainListener {
  private readonly subscriptions = new Set<Subscription>();
  private readonly meta: Namespace<Cursor>;
  private readonly byAddress = new Map<string, ContractName>();
  private cursor: Cursor | undefined;
  private cursorWrittenAt = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly waiters = new Set<{ block: bigint; resolve: () => void }>();
  /** The last block whose every event has been delivered (undefined before the first scan). */
  height: bigint | undefined;
  /** The head the listener last saw. */
  head: bigint | undefined;
  /** Events delivered since start. */
  delivered = 0;

  constructor(private readonly options: ChainListenerOptions) {
    // The cursor lives in the `meta` namespace, under its own schema.
    this.meta = options.store.meta as Namespace<unknown> as Namespace<Cursor>;
    for (const [name, address] of Object.entries(options.addresses)) {
      this.byAddress.set(address.toLowerCase(), name as ContractName);
    }
  }

  /** Every event of `contract` named `eventName`, in order. Returns an unsubscribe function. */
  on<C extends ContractName, N extends EventNameOf<C>>(
    contract: C,
    eventName: N,
    handler: EventHandler<ChainEvent<C, N>>,
  ): () => void {
    return this.add({ contract, eventName, handler: handler as unknown as EventHandler<AnyChainEvent> });
  }

  /** Every Mosaic event, in order. */
  onAny(handler: EventHandler<AnyChainEvent>): () => void {
    return this.add({ handler });
  }

  private add(subscription: Subscription): () => void {
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.cursor = await this.readCursor();
    this.height = this.cursor.logIndex === WHOLE_BLOCK ? this.cursor.blockNumber : this.cursor.blockNumber - 1n;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Resolves once every event up to and including `block` has been delivered. */
  waitForBlock(block: bigint, signal?: AbortSignal): Promise<void> {
    if (this.height !== undefined && this.height >= block) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        block,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** The stored cursor (where a restart resumes). */
  async readCursor(): Promise<Cursor> {
    const raw = await this.meta.get(CURSOR_KEY);
    if (raw === undefined) return { blockNumber: this.options.fromBlock, logIndex: -1 };
    const parsed = cursorSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`the stored listener cursor is malformed: ${parsed.error.message}`);
    return parsed.data;
  }

  private async run(): Promise<void> {
    let backoff = this.options.pollIntervalMs;
    while (this.running) {
      let caughtUp = false;
      try {
        caughtUp = await this.step();
        backoff = this.options.pollIntervalMs;
      } catch (error) {
        this.options.logger?.warn({ err: errorText(error) }, 'chain listener step failed; retrying');
        backoff = Math.min(backoff * 2, 30_000);
        caughtUp = true;
      }
      if (caughtUp && this.running) await this.sleep(backoff);
    }
  }

  /** Scans one block range; returns true when the listener has caught up with the confirmed head. */
  private async step(): Promise<boolean> {
    const cursor = this.cursor as Cursor;
    const head = await this.options.client.getBlockNumber({ cacheTime: 0 });
    this.head = head;
    const safe = head - BigInt(this.options.confirmations);
    const from = cursor.logIndex === WHOLE_BLOCK ? cursor.blockNumber + 1n : cursor.blockNumber;
    if (safe < from) return true;
    const last = from + BigInt(this.options.maxBlockRange) - 1n;
    const to = last < safe ? last : safe;
    const logs = await this.options.client.getLogs({
      address: [...this.byAddress.keys()] as Address[],
      fromBlock: from,
      toBlock: to,
    });
    const events = logs
      .map((log) => this.decode(log))
      .filter((event): event is AnyChainEvent => event !== undefined)
      .filter((event) => comparePositions(event, cursor) > 0)
      .sort(comparePositions);
    for (const event of events) {
      if (!this.running) return true;
      await this.deliver(event);
    }
    if (!this.running) return true;
    const whole: Cursor = { blockNumber: to, logIndex: WHOLE_BLOCK };
    // The durable cursor need not move past blocks that held nothing for us after the last event written: a
    // restart scans them again and finds nothing to deliver. So when the range ended with an event, or the
    // cursor was written less than a second ago, it moves in memory only (one fsync less per block; under
    // load every block holds a task).
    const endedWithEvent = events.at(-1)?.blockNumber === to;
    if (endedWithEvent || Date.now() - this.cursorWrittenAt < CURSOR_WRITE_INTERVAL_MS) this.cursor = whole;
    else await this.commit(whole, this.options.store.batch());
    this.height = to;
    this.options.onProgress?.(to);
    for (const waiter of [...this.waiters]) {
      if (waiter.block <= to) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
    return to >= safe;
  }

  private async deliver(event: AnyChainEvent): Promise<void> {
    let delay = 100;
    for (;;) {
      const batch = this.options.store.batch();
      try {
        for (const subscription of this.subscriptions) {
          if (subscription.contract !== undefined && subscription.contract !== event.contract) continue;
          if (subscription.eventName !== undefined && subscription.eventName !== event.eventName) continue;
          await subscription.handler(event, batch);
        }
        await this.commit({ blockNumber: event.blockNumber, logIndex: event.logIndex }, batch);
        this.delivered++;
        return;
      } catch (error) {
        this.options.logger?.error(
          { err: errorText(error), event: `${event.contract}.${event.eventName}`, block: String(event.blockNumber) },
          'a subscriber failed on a chain event; retrying it',
        );
        if (!this.running) throw error;
        await this.sleep(delay);
        delay = Math.min(delay * 2, 10_000);
        if (!this.running) throw error;
      }
    }
  }

  private async commit(cursor: Cursor, batch: WriteBatch): Promise<void> {
    batch.put(this.meta, CURSOR_KEY, cursor);
    await batch.write();
    this.cursor = cursor;
    this.cursorWrittenAt = Date.now();
  }

  private decode(log: Log): AnyChainEvent | undefined {
    const contract = this.byAddress.get(log.address.toLowerCase());
    if (contract === undefined || log.blockNumber === null || log.logIndex === null) return undefined;
    if (log.removed) return undefined;
    try {
      const decoded = decodeEventLog({ abi: CONTRACT_ABIS[contract], data: log.data, topics: log.topics });
      return {
        contract,
        address: log.address,
        eventName: decoded.eventName,
        args: decoded.args,
        blockNumber: log.blockNumber,
        logIndex: log.logIndex,
        blockHash: log.blockHash as `0x${string}`,
        transactionHash: log.transactionHash as `0x${string}`,
      } as unknown as AnyChainEvent;
    } catch (error) {
      // A log our ABI does not know (chain data is input too): reported, not fatal.
      this.options.logger?.warn({ address: log.address, err: errorText(error) }, 'undecodable log skipped');
      return undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** The position just behind a cursor, for tests and diagnostics. */
export function cursorPosition(cursor: Cursor): EventPosition {
  return { blockNumber: cursor.blockNumber, logIndex: cursor.logIndex };
}

function errorText(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error && typeof error.shortMessage === 'string') {
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
