/**
 * One request, one response, on a fresh libp2p stream: the pattern of Mosaic's small node-to-node protocols
 * (task bundles, result envelopes, receipt signatures). Each side writes one length-prefixed message; sizes
 * are bounded both ways and both sides time out, so a silent or hostile peer costs one stream for a bounded
 * time and nothing else.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { Host } from './host.js';
import { StreamReader } from './stream-reader.js';
import { lengthPrefixed } from './wire.js';

export interface ServeOptions {
  maxRequestBytes: number;
  timeoutMs?: number;
  maxInboundStreams?: number;
  logger: Logger;
}

/** What a handler answers; a `RemoteError` it throws is sent back as an error message. */
export type RequestHandler = (request: Uint8Array, peer: PeerId) => Promise<Uint8Array>;

/** An error the remote side reported (its message is the peer's words, shown as such). */
export class RemoteError extends Error {
  override name = 'RemoteError';
}

const OK = 1;
const ERROR = 2;
const MAX_ERROR_MESSAGE = 200;

export async function serve(host: Host, protocol: string, handler: RequestHandler, options: ServeOptions) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  await host.handle(
    protocol,
    async (stream: Stream, connection: Connection) => {
      const reader = new StreamReader(stream, options.maxRequestBytes, 0);
      try {
        const request = await reader.first(timeoutMs);
        let reply: Uint8Array;
        try {
          reply = withStatus(OK, await handler(request, connection.remotePeer));
        } catch (error) {
          if (!(error instanceof RemoteError)) throw error;
          reply = withStatus(ERROR, new TextEncoder().encode(error.message.slice(0, MAX_ERROR_MESSAGE)));
        }
        stream.send(lengthPrefixed(reply));
        await stream.close();
      } catch (error) {
        options.logger.debug({ protocol, peer: connection.remotePeer.toString(), err: String(error) }, 'bad request');
        reader.fail(error instanceof Error ? error : new Error(String(error)));
      }
    },
    { maxInboundStreams: options.maxInboundStreams ?? 64 },
  );
  return () => host.unhandle(protocol);
}

export interface RequestOptions {
  maxResponseBytes: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Sends `request` to `peer` on `protocol`; resolves with the response, rejects on error, refusal or time-out. */
export async function request(
  host: Host,
  peer: PeerId,
  protocol: string,
  message: Uint8Array,
  options: RequestOptions,
): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
    : AbortSignal.timeout(timeoutMs);
  const stream = await host.dialProtocol(peer, protocol, { signal });
  const reader = new StreamReader(stream, options.maxResponseBytes + 1, 0);
  try {
    stream.send(lengthPrefixed(message));
    const reply = await reader.first(timeoutMs);
    if (reply[0] === OK) return reply.slice(1);
    if (reply[0] === ERROR) throw new RemoteError(new TextDecoder().decode(reply.subarray(1)));
    throw new Error(`malformed ${protocol} response`);
  } finally {
    await stream.close().catch(() => stream.abort(new Error('close failed')));
  }
}

function withStatus(status: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = status;
  out.set(body, 1);
  return out;
}
