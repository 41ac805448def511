/**
 * What travels on a `/mosaic/mpc/1.0.0` stream: a sequence of length-prefixed messages.
 *
 *   u32le length, then `length` bytes (1 <= length <= MAX_MESSAGE_BYTES)
 *
 * The first message in each direction is a handshake binding the stream to one session and one party:
 *
 *   offset 0  u8      version (1)
 *   offset 1  u8[32]  session id
 *   offset 33 u32le   the sender's party index in that session
 *
 * Every later message is one MPC frame, passed to the party unchanged (the MPC engine validates its content).
 * Everything read here is checked before it is trusted: a violation is a WireError, and the caller resets
 * the stream.
 */
import { Uint8ArrayList } from 'uint8arraylist';

export const PROTOCOL = '/mosaic/mpc/1.0.0';
export const SESSION_ID_BYTES = 32;
export const HANDSHAKE_BYTES = 1 + SESSION_ID_BYTES + 4;
const HANDSHAKE_VERSION = 1;
/** An MPC frame of 2^22 elements (64 MiB) plus headers, with room to spare. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024 + 1024;

export class WireError extends Error {
  override name = 'WireError';
}

export interface Handshake {
  sessionId: Uint8Array;
  party: number;
}

export function encodeHandshake(h: Handshake): Uint8Array {
  if (h.sessionId.length !== SESSION_ID_BYTES) throw new RangeError('session id must be 32 bytes');
  const out = new Uint8Array(HANDSHAKE_BYTES);
  out[0] = HANDSHAKE_VERSION;
  out.set(h.sessionId, 1);
  new DataView(out.buffer).setUint32(1 + SESSION_ID_BYTES, h.party, true);
  return out;
}

export function decodeHandshake(bytes: Uint8Array): Handshake {
  if (bytes.length !== HANDSHAKE_BYTES)
    throw new WireError(`handshake of ${bytes.length} bytes, ${HANDSHAKE_BYTES} expected`);
  if (bytes[0] !== HANDSHAKE_VERSION) throw new WireError(`handshake version ${bytes[0]} is not supported`);
  const party = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1 + SESSION_ID_BYTES, true);
  if (party < 1) throw new WireError('party index 0 in handshake');
  return { sessionId: bytes.slice(1, 1 + SESSION_ID_BYTES), party };
}

/** The length prefix and the message, as one list so the message bytes are not copied. */
export function lengthPrefixed(message: Uint8Array): Uint8ArrayList {
  if (message.length < 1 || message.length > MAX_MESSAGE_BYTES) {
    throw new RangeError(`message of ${message.length} bytes is outside 1..${MAX_MESSAGE_BYTES}`);
  }
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, message.length, true);
  return new Uint8ArrayList(prefix, message);
}

/**
 * Splits incoming chunks into messages. A message's buffer is allocated once its length is known (and
 * checked), then filled from the chunks, so a large frame costs one copy. The first message may have a
 * tighter limit of its own (`maxFirstBytes`, a handshake's size): a peer cannot make the node allocate or read
 * more than that before its handshake has been checked.
 */
export class MessageDecoder {
  private readonly prefix = new Uint8Array(4);
  private prefixFill = 0;
  private body: Uint8Array | undefined;
  private bodyFill = 0;
  private decoded = 0;

  constructor(
    private readonly maxBytes = MAX_MESSAGE_BYTES,
    private readonly maxFirstBytes = maxBytes,
  ) {}

  /** Feeds one chunk; returns the messages it completed. Throws WireError on a bad length. */
  push(chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    const out: Uint8Array[] = [];
    const parts = chunk instanceof Uint8Array ? [chunk] : [...chunk];
    for (const part of parts) {
      let at = 0;
      while (at < part.length) {
        if (this.body === undefined) {
          const take = Math.min(4 - this.prefixFill, part.length - at);
          this.prefix.set(part.subarray(at, at + take), this.prefixFill);
          this.prefixFill += take;
          at += take;
          if (this.prefixFill < 4) break;
          const length = new DataView(this.prefix.buffer).getUint32(0, true);
          const max = this.decoded === 0 ? this.maxFirstBytes : this.maxBytes;
          if (length < 1 || length > max) {
            throw new WireError(`message length ${length} is outside 1..${max}`);
          }
          this.body = new Uint8Array(length);
          this.bodyFill = 0;
          this.prefixFill = 0;
        }
        const take = Math.min(this.body.length - this.bodyFill, part.length - at);
        this.body.set(part.subarray(at, at + take), this.bodyFill);
        this.bodyFill += take;
        at += take;
        if (this.bodyFill === this.body.length) {
          out.push(this.body);
          this.body = undefined;
          this.decoded++;
        }
      }
    }
    return out;
  }

  /** True when no message is partly received (a clean place for the stream to end). */
  get idle(): boolean {
    return this.body === undefined && this.prefixFill === 0;
  }
}
