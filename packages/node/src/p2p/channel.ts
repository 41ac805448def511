/**
 * Request/response over one long-lived libp2p stream per (peer, protocol): a node's small per-task exchanges
 * (a task's bundle to each member, each member's result envelope) go as frames on a stream that stays open,
 * instead of a fresh stream each. In libp2p 3 every new stream costs protocol negotiation and a peer-store
 * update on both sides; profiled under the e2e load, per-task streams were the largest single cost of the nodes.
 *
 * Wire (each message length-prefixed as in ../mpc/wire.ts, u32le length then bytes):
 *   opener's first message   u8 version (1)
 *   request                  u32le id, payload
 *   response                 u32le id, u8 status (1 ok, 2 error), payload (an error's UTF-8 message, <= 200 bytes)
 * Ids are the opener's; responses may come in any order. A peer that breaks the format gets its stream reset;
 * requests time out on their own, and a lost stream fails its pending requests (the next request opens anew).
 * A peer over its request rate gets errors, not answers, until it slows down.
 */
import type { PeerId, Stream } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { Host } from './host.js';
import { RemoteError } from './request-response.js';
import { TokenBuckets } from './token-buckets.js';
import { lengthPrefixed, MessageDecoder, WireError } from './wire.js';

const VERSION = 1;
const OK = 1;
const ERROR = 2;
const MAX_ERROR_MESSAGE = 200;

export interface ChannelServeOptions {
  /** Largest request payload. */
  maxRequestBytes: number;
  /** Requests of one stream handled at once; more is a protocol violation (the stream is reset). */
  maxInFlight?: number;
  /**
   * Requests one peer may make per second on this protocol after a burst of four times as many (default 512):
   * beyond, a request is answered with an error and its handler does not run (so no check, no chain read).
   */
  requestsPerSecond?: number;
  logger: Logger;
}

/** Serves `protocol` on long-lived streams: each request frame is answered by `handler` (RemoteError = its error). */
export async function serveChannel(
  host: Host,
  protocol: string,
  handler: (request: Uint8Array, peer: PeerId) => Promise<Uint8Array>,
  options: ChannelServeOptions,
): Promise<() => Promise<void>> {
  const maxInFlight = options.maxInFlight ?? 256;
  const rate = options.requestsPerSecond ?? 512;
  const requests = new TokenBuckets({ capacity: 4 * rate, refillPerSecond: rate });
  await host.handle(
    protocol,
    (stream, connection) => {
      const peer = connection.remotePeer;
      const decoder = new MessageDecoder(options.maxRequestBytes + 4);
      const writer = new FrameWriter(stream);
      let opened = false;
      let inFlight = 0;
      const fail = (error: Error) => {
        options.logger.debug({ protocol, peer: peer.toString(), err: String(error) }, 'channel reset');
        abortQuietly(stream, error);
      };
      // The opener closed its side: answer what is pending, then close ours.
      stream.addEventListener('remoteCloseWrite', () => {
        void writer.idle().then(() => closeQuietly(stream));
      });
      stream.addEventListener('message', (event) => {
        let messages: Uint8Array[];
        try {
          messages = decoder.push(event.data);
        } catch (error) {
          fail(error as Error);
          return;
        }
        for (const message of messages) {
          if (!opened) {
            if (message.length !== 1 || message[0] !== VERSION) return fail(new WireError('unknown channel version'));
            opened = true;
            continue;
          }
          if (message.length < 4) return fail(new WireError('request frame shorter than its id'));
          if (++inFlight > maxInFlight) return fail(new WireError(`more than ${maxInFlight} requests in flight`));
          const id = message.subarray(0, 4);
          const run = requests.take(peer.toString()) ? handler : rateExceeded;
          void answer(run, message.subarray(4), peer).then((reply) => {
            inFlight--;
            const frame = new Uint8Array(5 + reply.body.length);
            frame.set(id, 0);
            frame[4] = reply.status;
            frame.set(reply.body, 5);
            writer.write(frame).catch(() => {});
          });
        }
      });
    },
    // One long-lived stream per peer is the design; a few more cover a stream being replaced after a loss.
    { maxInboundStreams: 8 },
  );
  return () => host.unhandle(protocol);
}

async function answer(
  handler: (request: Uint8Array, peer: PeerId) => Promise<Uint8Array>,
  request: Uint8Array,
  peer: PeerId,
): Promise<{ status: number; body: Uint8Array }> {
  try {
    return { status: OK, body: await handler(request, peer) };
  } catch (error) {
    // A handler's own failure is not the peer's business beyond "failed"; a RemoteError is meant for it.
    const message = error instanceof RemoteError ? error.message : 'the request failed at the peer';
    return { status: ERROR, body: new TextEncoder().encode(message.slice(0, MAX_ERROR_MESSAGE)) };
  }
}

async function rateExceeded(): Promise<Uint8Array> {
  throw new RemoteError('request rate exceeded: slow down');
}

/** Closes a stream, or resets it when it cannot close; never throws (a peer may be gone already). */
function closeQuietly(stream: Stream): void {
  try {
    stream.close().catch(() => abortQuietly(stream, new Error('close failed')));
  } catch {
    abortQuietly(stream, new Error('close failed'));
  }
}

function abortQuietly(stream: Stream, error: Error): void {
  try {
    stream.abort(error);
  } catch {
    // already closed
  }
}

/** Ordered frame writes that wait for the stream to drain when its buffer is full. */
class FrameWriter {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly stream: Stream) {}

  /** Resolves once every write so far is done (or failed). */
  idle(): Promise<void> {
    return this.tail;
  }

  write(frame: Uint8Array): Promise<void> {
    const next = this.tail.then(async () => {
      if (!this.stream.send(lengthPrefixed(frame))) await this.stream.onDrain();
    });
    this.tail = next.catch(() => {});
    return next;
  }
}

export interface ChannelRequesterOptions {
  host: Host;
  protocol: string;
  /** Largest response payload. */
  maxResponseBytes: number;
  /** Default time limit of one request. */
  timeoutMs: number;
}

interface Pending {
  resolve(reply: Uint8Array): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Channel {
  ready: Promise<{ stream: Stream; writer: FrameWriter }>;
  pending: Map<number, Pending>;
}

export class ChannelRequester {
  private readonly channels = new Map<string, Channel>();
  private nextId = 1;

  constructor(private readonly o: ChannelRequesterOptions) {}

  /** Sends `payload` to `peer`; resolves with its answer, rejects with its error, a lost stream or a time-out. */
  async request(peer: PeerId, payload: Uint8Array, timeoutMs = this.o.timeoutMs): Promise<Uint8Array> {
    const channel = this.channelTo(peer);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        channel.pending.delete(id);
        reject(new Error(`no answer on ${this.o.protocol} within ${timeoutMs} ms`));
      }, timeoutMs);
      channel.pending.set(id, { resolve, reject, timer });
    });
    // When opening or writing fails, that error is what the caller gets; the channel may reject `reply` too
    // (it fails every pending request when it is lost), which must not surface as an unhandled rejection.
    reply.catch(() => {});
    try {
      const { writer } = await channel.ready;
      const frame = new Uint8Array(4 + payload.length);
      new DataView(frame.buffer).setUint32(0, id, true);
      frame.set(payload, 4);
      await writer.write(frame);
    } catch (error) {
      const waiting = channel.pending.get(id);
      channel.pending.delete(id);
      if (waiting) clearTimeout(waiting.timer);
      throw error;
    }
    return reply;
  }

  /** Closes every channel (their pending requests fail). */
  close(): void {
    for (const [key, channel] of this.channels) {
      this.drop(key, channel, new Error('channel closed'));
      channel.ready.then(
        ({ stream }) => closeQuietly(stream),
        () => {},
      );
    }
  }

  private channelTo(peer: PeerId): Channel {
    const key = peer.toString();
    const existing = this.channels.get(key);
    if (existing) return existing;
    const channel: Channel = { ready: undefined as never, pending: new Map() };
    channel.ready = this.open(peer, key, channel);
    // A failed open fails the requests that wait for it (each awaits `ready`) and is forgotten.
    channel.ready.catch((error: unknown) => this.drop(key, channel, error as Error));
    this.channels.set(key, channel);
    return channel;
  }

  private async open(peer: PeerId, key: string, channel: Channel): Promise<{ stream: Stream; writer: FrameWriter }> {
    const stream = await this.o.host.dialProtocol(peer, this.o.protocol, {
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    const decoder = new MessageDecoder(this.o.maxResponseBytes + 5);
    const lost = (error: Error) => this.drop(key, channel, error);
    stream.addEventListener('message', (event) => {
      let messages: Uint8Array[];
      try {
        messages = decoder.push(event.data);
      } catch (error) {
        abortQuietly(stream, error as Error);
        lost(error as Error);
        return;
      }
      for (const message of messages) {
        if (message.length < 5 || (message[4] !== OK && message[4] !== ERROR)) {
          const error = new WireError(`malformed ${this.o.protocol} response`);
          abortQuietly(stream, error);
          return lost(error);
        }
        const id = new DataView(message.buffer, message.byteOffset, 4).getUint32(0, true);
        const waiting = channel.pending.get(id);
        if (!waiting) continue; // timed out meanwhile
        channel.pending.delete(id);
        clearTimeout(waiting.timer);
        if (message[4] === OK) waiting.resolve(message.subarray(5));
        else waiting.reject(new RemoteError(new TextDecoder().decode(message.subarray(5))));
      }
    });
    stream.addEventListener('remoteCloseWrite', () => lost(new Error(`${this.o.protocol} channel closed by the peer`)));
    stream.addEventListener('close', (event) => lost(event.error ?? new Error(`${this.o.protocol} channel closed`)));
    const writer = new FrameWriter(stream);
    await writer.write(Uint8Array.of(VERSION));
    return { stream, writer };
  }

  private drop(key: string, channel: Channel, error: Error): void {
    if (this.channels.get(key) === channel) this.channels.delete(key);
    for (const [id, waiting] of channel.pending) {
      channel.pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }
}
