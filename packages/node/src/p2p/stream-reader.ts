/**
 * Reads length-prefixed messages from a libp2p stream. The first message (the handshake) is handed to
 * `first()`; later messages are held until `forward()` names where they go, so that frames arriving right
 * behind a handshake are neither lost nor delivered before the handshake has been checked.
 */
import type { Stream } from '@libp2p/interface';
import { type Deferred, deferred } from '../util/deferred.js';
import { MessageDecoder, WireError } from './wire.js';

export class StreamReader {
  private readonly decoder: MessageDecoder;
  private handshake: Deferred<Uint8Array> | undefined = deferred<Uint8Array>();
  private held: Uint8Array[] = [];
  private sink: ((message: Uint8Array) => void) | undefined;
  private endHandler: ((error?: Error) => void) | undefined;
  private ended: { error?: Error } | undefined;

  constructor(
    readonly stream: Stream,
    maxBytes: number,
    /** Messages allowed to wait behind the handshake before `forward()` (beyond: a protocol violation). */
    private readonly maxHeld: number,
    /** Largest handshake (default `maxBytes`): a longer one resets the stream before it is read. */
    maxHandshakeBytes = maxBytes,
  ) {
    this.decoder = new MessageDecoder(maxBytes, maxHandshakeBytes);
    // A rejected handshake that nobody awaits any more must not become an unhandled rejection.
    this.handshake?.promise.catch(() => {});
    stream.addEventListener('message', (event) => {
      let messages: Uint8Array[];
      try {
        messages = this.decoder.push(event.data);
      } catch (error) {
        this.fail(error instanceof Error ? error : new WireError(String(error)));
        return;
      }
      for (const m of messages) this.dispatch(m);
    });
    stream.addEventListener('remoteCloseWrite', () => {
      this.end(this.decoder.idle ? undefined : new WireError('stream ended inside a message'));
    });
    stream.addEventListener('close', (event) => {
      this.end(event.error ?? new WireError('stream closed'));
    });
  }

  /** The handshake message; rejects if the stream ends first or after `timeoutMs`. */
  first(timeoutMs: number): Promise<Uint8Array> {
    const h = this.handshake;
    if (h === undefined) return Promise.reject(new WireError('handshake already read'));
    const timer = setTimeout(() => h.reject(new WireError(`no handshake within ${timeoutMs} ms`)), timeoutMs);
    return h.promise.finally(() => clearTimeout(timer));
  }

  /** From now on every message goes to `sink` (held ones first), and the end of the stream to `onEnd`. */
  forward(sink: (message: Uint8Array) => void, onEnd: (error?: Error) => void): void {
    this.sink = sink;
    this.endHandler = onEnd;
    const held = this.held;
    this.held = [];
    for (const m of held) sink(m);
    if (this.ended) onEnd(this.ended.error);
  }

  /** Resets the stream with `error` (what the remote sees is a reset; the error is logged locally). */
  fail(error: Error): void {
    this.stream.abort(error);
    this.end(error);
  }

  private dispatch(message: Uint8Array): void {
    if (this.handshake) {
      const h = this.handshake;
      this.handshake = undefined;
      h.resolve(message);
    } else if (this.sink) {
      this.sink(message);
    } else if (this.held.length < this.maxHeld) {
      this.held.push(message);
    } else {
      this.fail(new WireError('frames sent before the handshake was answered'));
    }
  }

  private end(error?: Error): void {
    if (this.ended) return;
    this.ended = error ? { error } : {};
    this.handshake?.reject(error ?? new WireError('stream ended before the handshake'));
    this.handshake = undefined;
    this.endHandler?.(error);
  }
}
