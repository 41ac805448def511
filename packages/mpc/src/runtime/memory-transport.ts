/**
 * An in-memory network of n parties in one JavaScript process, for tests, benchmarks and demos.
 * It can silence a party (its frames are dropped) to exercise time-outs.
 */
import { TransportClosedError } from './errors.js';
import type { Transport } from './transport.js';

interface Waiter {
  resolve(frame: Uint8Array): void;
  reject(error: unknown): void;
}

class Queue {
  readonly frames: Uint8Array[] = [];
  head = 0;
  waiter: Waiter | undefined;
}

export class MemoryNetwork {
  readonly parties: number;
  /** queues[to][from] */
  private readonly queues: Queue[][];
  private readonly silenced = new Set<number>();
  private closed = false;

  constructor(parties: number) {
    if (!Number.isInteger(parties) || parties < 1) throw new RangeError(`invalid number of parties ${parties}`);
    this.parties = parties;
    this.queues = Array.from({ length: parties + 1 }, () => Array.from({ length: parties + 1 }, () => new Queue()));
  }

  /** The transport of party `id` (1..parties). */
  transport(id: number): Transport {
    this.checkId(id);
    return new MemoryTransport(this, id);
  }

  /** All transports, index i for party i + 1. */
  transports(): Transport[] {
    return Array.from({ length: this.parties }, (_, i) => this.transport(i + 1));
  }

  /** From now on, frames sent by `id` are dropped: the party appears to stop answering. */
  silence(id: number): void {
    this.checkId(id);
    this.silenced.add(id);
  }

  /** Delivers a raw frame as if `from` had sent it (for tests of malformed input). */
  inject(from: number, to: number, frame: Uint8Array): void {
    this.deliver(from, to, frame);
  }

  close(): void {
    this.closed = true;
    for (const row of this.queues) {
      for (const q of row) {
        q.waiter?.reject(new TransportClosedError('transport closed'));
        q.waiter = undefined;
      }
    }
  }

  deliver(from: number, to: number, frame: Uint8Array): void {
    this.checkId(from);
    this.checkId(to);
    if (this.closed) throw new TransportClosedError('transport closed');
    if (this.silenced.has(from)) return;
    const q = this.queues[to][from];
    if (q.waiter) {
      const w = q.waiter;
      q.waiter = undefined;
      w.resolve(frame);
    } else {
      q.frames.push(frame);
    }
  }

  take(to: number, from: number, signal?: AbortSignal): Promise<Uint8Array> {
    this.checkId(from);
    if (this.closed) return Promise.reject(new TransportClosedError('transport closed'));
    const q = this.queues[to][from];
    if (q.head < q.frames.length) {
      const frame = q.frames[q.head];
      q.frames[q.head++] = EMPTY;
      if (q.head === q.frames.length) {
        q.frames.length = 0;
        q.head = 0;
      }
      return Promise.resolve(frame);
    }
    if (q.waiter) return Promise.reject(new Error(`party ${to} is already waiting for party ${from}`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => {
        if (q.waiter === waiter) q.waiter = undefined;
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: (frame) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(frame);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      q.waiter = waiter;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 1 || id > this.parties) {
      throw new RangeError(`party id ${id} is not in 1..${this.parties}`);
    }
  }
}

const EMPTY = new Uint8Array(0);

class MemoryTransport implements Transport {
  constructor(
    private readonly network: MemoryNetwork,
    readonly self: number,
  ) {}

  get parties(): number {
    return this.network.parties;
  }

  send(to: number, frame: Uint8Array): undefined {
    this.network.deliver(this.self, to, frame);
    return undefined;
  }

  receive(from: number, signal?: AbortSignal): Promise<Uint8Array> {
    return this.network.take(this.self, from, signal);
  }

  close(): void {}
}
