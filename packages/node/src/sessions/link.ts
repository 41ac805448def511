/**
 * One party's end of the stream to one other party in one session: a FIFO of received frames with at most
 * one waiting receive (the Transport contract), ordered sends that respect the stream's back-pressure, and
 * read-side back-pressure (the stream is paused while too many bytes wait unread).
 */
import type { Stream } from '@libp2p/interface';
import { TransportClosedError } from '@mosaic/mpc';
import { lengthPrefixed } from '../p2p/wire.js';
import { type Deferred, deferred } from '../util/deferred.js';

interface Waiter {
  resolve(frame: Uint8Array): void;
  reject(error: unknown): void;
}

/** Unread bytes above which the stream is paused, and below which it resumes. */
const PAUSE_BYTES = 64 * 1024 * 1024;
const RESUME_BYTES = 16 * 1024 * 1024;

export class Link {
  private stream: Stream | undefined;
  private readonly opened: Deferred<void> = deferred<void>();
  /** Sends waiting for the stream; later sends queue behind them to keep the order. */
  private backlog = 0;
  private readonly frames: Uint8Array[] = [];
  private head = 0;
  private queuedBytes = 0;
  private paused = false;
  private waiter: Waiter | undefined;
  private failure: Error | undefined;
  /** The remote closed its side: no more frames will come. */
  private ended = false;

  constructor(readonly party: number) {
    this.opened.promise.catch(() => {});
  }

  get isOpen(): boolean {
    return this.stream !== undefined && this.failure === undefined;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** The accepted stream for this party: queued sends flush into it. */
  attach(stream: Stream): void {
    if (this.failure) {
      stream.abort(this.failure);
      return;
    }
    this.stream = stream;
    this.opened.resolve();
  }

  send(frame: Uint8Array): undefined | Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.stream && this.backlog === 0) return this.write(frame);
    this.backlog++;
    return this.opened.promise.then(
      () => {
        this.backlog--;
        return this.write(frame);
      },
      (error) => {
        this.backlog--;
        throw error;
      },
    );
  }

  private write(frame: Uint8Array): undefined | Promise<void> {
    const stream = this.stream!;
    if (this.failure) return Promise.reject(this.failure);
    try {
      if (stream.send(lengthPrefixed(frame))) return undefined;
    } catch (error) {
      return Promise.reject(this.closedError(error));
    }
    // The stream's buffer is full: the caller waits until it drains, which is how back-pressure reaches
    // the protocol.
    return stream.onDrain().catch((error: unknown) => {
      throw this.closedError(error);
    });
  }

  /** A frame read from the stream. */
  deliver(frame: Uint8Array): void {
    if (this.failure) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(frame);
      return;
    }
    this.frames.push(frame);
    this.queuedBytes += frame.length;
    if (!this.paused && this.queuedBytes > PAUSE_BYTES && this.stream) {
      this.paused = true;
      this.stream.pause();
    }
  }

  receive(signal?: AbortSignal): Promise<Uint8Array> {
    if (this.head < this.frames.length) {
      const frame = this.frames[this.head];
      this.frames[this.head++] = EMPTY;
      this.queuedBytes -= frame.length;
      if (this.head === this.frames.length) {
        this.frames.length = 0;
        this.head = 0;
      }
      if (this.paused && this.queuedBytes < RESUME_BYTES) {
        this.paused = false;
        this.stream?.resume();
      }
      return Promise.resolve(frame);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new TransportClosedError(`party ${this.party} closed its stream`));
    if (this.waiter) return Promise.reject(new Error(`already waiting for party ${this.party}`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => {
        if (this.waiter === waiter) this.waiter = undefined;
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
      this.waiter = waiter;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The remote finished writing (cleanly, or with `error`). Frames already read stay readable. */
  end(error?: Error): void {
    if (error) {
      this.fail(new TransportClosedError(`stream of party ${this.party} failed: ${error.message}`));
      return;
    }
    this.ended = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(new TransportClosedError(`party ${this.party} closed its stream`));
    }
  }

  /** Fails the link: pending and later sends and receives reject with `error`. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.opened.reject(error);
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(error);
  }

  /** Closes the local side: the remote's reads end cleanly once what we sent has gone out. */
  close(): void {
    this.fail(new TransportClosedError('transport closed'));
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      stream.close().catch((error: unknown) => stream.abort(error instanceof Error ? error : new Error(String(error))));
    }
  }

  private closedError(error: unknown): Error {
    const reason = error instanceof Error ? error.message : String(error);
    const closed = new TransportClosedError(`stream to party ${this.party} failed: ${reason}`);
    this.fail(closed);
    return closed;
  }
}

const EMPTY = new Uint8Array(0);
