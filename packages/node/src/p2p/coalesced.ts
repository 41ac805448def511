/**
 * Many small requests to one peer on one protocol, coalesced into few streams. While `concurrency` messages to a
 * peer are in flight, further items queue, and the next message carries all that queued (up to `maxItems`): an
 * idle node sends an item at once (no added latency), a loaded one pays one stream for k items instead of k.
 * Under load a task's bundle and its result envelopes would otherwise cost one stream per member each (measured:
 * libp2p and socket writes were half the nodes' CPU in the e2e benchmark).
 *
 * Wire format of both directions (bounded, checked before use):
 *   request  = u32le count, then per item: u32le length, bytes
 *   response = u32le count (= the request's), then per item: u8 status (1 ok, 2 error), u32le length, bytes
 *              (an error's bytes are its UTF-8 message, at most 200 bytes)
 */
import type { PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { Host } from './host.js';
import { RemoteError, request, serve } from './request-response.js';

const OK = 1;
const ERROR = 2;
const MAX_ERROR_MESSAGE = 200;

/** Encodes a list of byte items (the request and response bodies above). */
export function encodeItems(items: readonly Uint8Array[], statuses?: readonly number[]): Uint8Array {
  const header = statuses ? 5 : 4;
  let size = 4;
  for (const item of items) size += header + item.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, items.length, true);
  let at = 4;
  items.forEach((item, i) => {
    if (statuses) out[at++] = statuses[i]!;
    view.setUint32(at, item.length, true);
    out.set(item, at + 4);
    at += 4 + item.length;
  });
  return out;
}

/** Decodes a list; throws RemoteError on a malformed or oversized one (a peer's bytes are never trusted). */
export function decodeItems(
  bytes: Uint8Array,
  options: { maxItems: number; withStatus?: boolean },
): { items: Uint8Array[]; statuses: number[] } {
  if (bytes.length < 4) throw new RemoteError('item list too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  if (count < 1 || count > options.maxItems)
    throw new RemoteError(`item list of ${count} items (1..${options.maxItems})`);
  const items: Uint8Array[] = [];
  const statuses: number[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (options.withStatus) {
      if (at >= bytes.length) throw new RemoteError('item list truncated');
      const status = bytes[at++]!;
      if (status !== OK && status !== ERROR) throw new RemoteError(`item status ${status}`);
      statuses.push(status);
    }
    if (at + 4 > bytes.length) throw new RemoteError('item list truncated');
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > bytes.length) throw new RemoteError('item list truncated');
    items.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new RemoteError('trailing bytes after the item list');
  return { items, statuses };
}

export interface CoalescedServeOptions {
  maxItems: number;
  maxRequestBytes: number;
  timeoutMs?: number;
  logger: Logger;
}

/**
 * Serves a coalesced protocol: `handler` answers one item; items of one message are handled concurrently, and
 * a RemoteError it throws becomes that item's error (the others are unaffected).
 */
export function serveCoalesced(
  host: Host,
  protocol: string,
  handler: (item: Uint8Array, peer: PeerId) => Promise<Uint8Array>,
  options: CoalescedServeOptions,
): Promise<() => Promise<void>> {
  return serve(
    host,
    protocol,
    async (message, peer) => {
      const { items } = decodeItems(message, { maxItems: options.maxItems });
      const answers = await Promise.all(
        items.map(async (item): Promise<[number, Uint8Array]> => {
          try {
            return [OK, await handler(item, peer)];
          } catch (error) {
            if (!(error instanceof RemoteError)) throw error;
            return [ERROR, new TextEncoder().encode(error.message.slice(0, MAX_ERROR_MESSAGE))];
          }
        }),
      );
      return encodeItems(
        answers.map((a) => a[1]),
        answers.map((a) => a[0]),
      );
    },
    {
      maxRequestBytes: options.maxRequestBytes,
      logger: options.logger,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    },
  );
}

export interface CoalescedRequesterOptions {
  host: Host;
  protocol: string;
  /** Items per message at most (the server's maxItems). */
  maxItems: number;
  /** Bytes per message at most (the server's maxRequestBytes): a queue is cut before it would exceed them. */
  maxRequestBytes: number;
  maxResponseBytes: number;
  timeoutMs: number;
  /** Messages in flight to one peer before items queue (default 2). */
  concurrency?: number;
}

interface Queued {
  item: Uint8Array;
  resolve: (answer: Uint8Array) => void;
  reject: (error: Error) => void;
}

interface PeerQueue {
  peer: PeerId;
  waiting: Queued[];
  inFlight: number;
}

export class CoalescedRequester {
  private readonly peers = new Map<string, PeerQueue>();

  constructor(private readonly o: CoalescedRequesterOptions) {}

  /** Sends `item` to `peer` (alone or with others queued for it); resolves with its answer, rejects with its error. */
  call(peer: PeerId, item: Uint8Array): Promise<Uint8Array> {
    const key = peer.toString();
    let queue = this.peers.get(key);
    if (!queue) {
      queue = { peer, waiting: [], inFlight: 0 };
      this.peers.set(key, queue);
    }
    const q = queue;
    return new Promise((resolve, reject) => {
      q.waiting.push({ item, resolve, reject });
      this.pump(key, q);
    });
  }

  private pump(key: string, queue: PeerQueue): void {
    while (queue.waiting.length > 0 && queue.inFlight < (this.o.concurrency ?? 2)) {
      const batch: Queued[] = [];
      let bytes = 4;
      while (queue.waiting.length > 0 && batch.length < this.o.maxItems) {
        const next = queue.waiting[0]!;
        if (batch.length > 0 && bytes + 4 + next.item.length > this.o.maxRequestBytes) break;
        bytes += 4 + next.item.length;
        batch.push(queue.waiting.shift()!);
      }
      queue.inFlight++;
      void this.send(queue.peer, batch).finally(() => {
        queue.inFlight--;
        if (queue.waiting.length > 0) this.pump(key, queue);
        else if (queue.inFlight === 0) this.peers.delete(key);
      });
    }
  }

  private async send(peer: PeerId, batch: readonly Queued[]): Promise<void> {
    try {
      const reply = await request(this.o.host, peer, this.o.protocol, encodeItems(batch.map((q) => q.item)), {
        maxResponseBytes: this.o.maxResponseBytes,
        timeoutMs: this.o.timeoutMs,
      });
      const { items, statuses } = decodeItems(reply, { maxItems: batch.length, withStatus: true });
      if (items.length !== batch.length) throw new RemoteError(`${items.length} answers to ${batch.length} items`);
      batch.forEach((q, i) => {
        if (statuses[i] === OK) q.resolve(items[i]!.slice());
        else q.reject(new RemoteError(new TextDecoder().decode(items[i]!)));
      });
    } catch (error) {
      for (const q of batch) q.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
