/**
 * The binary frame that carries one vector of field elements from one party to another in one round.
 *
 *   offset 0  u8[2]  magic "MP"
 *   offset 2  u8     version (1)
 *   offset 3  u8     kind (1 = field elements, 2 = abort)
 *   offset 4  u32le  round number (both sides count rounds; a mismatch means the parties lost step)
 *   offset 8  u32le  element count
 *   offset 12 16-byte little-endian elements, each canonical (< p)
 *
 * An abort frame (kind 2) is a party's last word before it leaves a session that failed at its end: the round
 * and count fields are zero and the payload is a short UTF-8 reason, so that the others report the first
 * cause instead of "party j closed its stream". The reason is plain text from the engine's own errors (never a
 * share); a receiver keeps only printable characters of it.
 *
 * Decoding validates everything before trusting it: a malformed frame is an error, never a crash.
 */
import { BYTES_PER_ELEMENT, type FieldVector, firstNonCanonical } from '../field/vector.js';
import { FrameError, PartyAbortedError } from './errors.js';

export const FRAME_HEADER_BYTES = 12;
const MAGIC0 = 0x4d;
const MAGIC1 = 0x50;
const VERSION = 1;
const KIND_ELEMENTS = 1;
const KIND_ABORT = 2;
/** Longest reason an abort frame carries, in bytes. */
export const MAX_ABORT_REASON_BYTES = 300;
/** Default bound on the elements in one frame (64 MiB of payload). */
export const DEFAULT_MAX_FRAME_ELEMENTS = 1 << 22;

export function encodeFrame(round: number, elements: FieldVector): Uint8Array {
  const payload = elements.length * 4;
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload);
  const view = new DataView(frame.buffer);
  frame[0] = MAGIC0;
  frame[1] = MAGIC1;
  frame[2] = VERSION;
  frame[3] = KIND_ELEMENTS;
  view.setUint32(4, round >>> 0, true);
  view.setUint32(8, elements.length / 4, true);
  new Uint32Array(frame.buffer, FRAME_HEADER_BYTES, elements.length).set(elements);
  return frame;
}

/** The frame a party sends every other party when it gives up, with why (cut to MAX_ABORT_REASON_BYTES). */
export function encodeAbortFrame(reason: string): Uint8Array {
  let text = new TextEncoder().encode(reason);
  if (text.length > MAX_ABORT_REASON_BYTES) text = text.subarray(0, MAX_ABORT_REASON_BYTES);
  const frame = new Uint8Array(FRAME_HEADER_BYTES + text.length);
  frame.set([MAGIC0, MAGIC1, VERSION, KIND_ABORT]);
  frame.set(text, FRAME_HEADER_BYTES);
  return frame;
}

function abortReason(frame: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(
    frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + MAX_ABORT_REASON_BYTES),
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim() || 'no reason given';
}

export interface FrameExpectation {
  from: number;
  round: number;
  /** Exact element count expected, when the protocol knows it. */
  count?: number;
  maxElements: number;
}

export function decodeFrame(frame: Uint8Array, expect: FrameExpectation): FieldVector {
  const fail = (reason: string): never => {
    throw new FrameError(expect.from, reason);
  };
  if (!(frame instanceof Uint8Array)) fail('not a byte array');
  if (frame.length < FRAME_HEADER_BYTES)
    fail(`${frame.length} bytes is shorter than the ${FRAME_HEADER_BYTES}-byte header`);
  if (frame[0] !== MAGIC0 || frame[1] !== MAGIC1) fail('wrong magic bytes');
  if (frame[2] !== VERSION) fail(`unsupported version ${frame[2]}`);
  if (frame[3] === KIND_ABORT) throw new PartyAbortedError(expect.from, abortReason(frame));
  if (frame[3] !== KIND_ELEMENTS) fail(`unknown kind ${frame[3]}`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const round = view.getUint32(4, true);
  const count = view.getUint32(8, true);
  if (round !== expect.round >>> 0) fail(`round ${round} where round ${expect.round} was expected`);
  if (count > expect.maxElements) fail(`${count} elements exceed the limit of ${expect.maxElements}`);
  if (frame.length !== FRAME_HEADER_BYTES + count * BYTES_PER_ELEMENT) {
    fail(`length ${frame.length} does not match ${count} elements`);
  }
  if (expect.count !== undefined && count !== expect.count) {
    fail(`${count} elements where ${expect.count} were expected`);
  }
  const start = frame.byteOffset + FRAME_HEADER_BYTES;
  // Aligned frames are viewed in place; others (e.g. sliced out of a network buffer) are copied once.
  const elements =
    start % 4 === 0
      ? new Uint32Array(frame.buffer, start, count * 4)
      : new Uint32Array(frame.slice(FRAME_HEADER_BYTES).buffer, 0, count * 4);
  const bad = firstNonCanonical(elements);
  if (bad >= 0) fail(`element ${bad} is not a canonical field element`);
  return elements;
}
