// Element layouts: how a payload becomes field elements, segment by segment, and a share vector's wire bytes.
import { type FieldVector, vec } from '@mosaic/mpc';
import { FormatError } from '../errors.js';
import {
  DATA_ENCODINGS,
  ELEMENT_DATA_BYTES,
  PAYLOAD_HEADER_BYTES,
  SEGMENT_BYTES,
  SEGMENT_ELEMENTS,
} from './payload.js';

/** Whether this runtime stores typed-array words little-endian (then share bytes are views, not copies). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * How a payload is laid out in field elements. `packed` (0): 15 payload bytes per element, for bytes, text and
 * json. `int64` (1): the 18 header bytes packed (2 elements), then one element per value (v mod p, negative v
 * as p - |v|), so that a secret contract can compute on stored values directly (unpacking a packed element in
 * MPC would need a bit decomposition). The layout is public: it is in the owner's signed StoreShares message
 * and in each member's at-rest header, and it fixes the element count of each segment.
 */
export const DATA_LAYOUTS = { packed: 0, int64: 1 } as const;
export type DataLayout = (typeof DATA_LAYOUTS)[keyof typeof DATA_LAYOUTS];
/** Elements the packed 18-byte header takes in the int64 layout. */
export const INT64_HEADER_ELEMENTS = Math.ceil(PAYLOAD_HEADER_BYTES / ELEMENT_DATA_BYTES);

/** The layout a payload is stored in: int64 data one element per value, everything else packed. */
export function layoutOf(payload: Uint8Array): DataLayout {
  return payload[1] === DATA_ENCODINGS.int64 ? DATA_LAYOUTS.int64 : DATA_LAYOUTS.packed;
}

export function checkLayout(layout: unknown): asserts layout is DataLayout {
  if (layout !== DATA_LAYOUTS.packed && layout !== DATA_LAYOUTS.int64) {
    throw new FormatError(`unknown data layout ${String(layout)}`);
  }
}

/** Field elements of a whole payload of `size` bytes in `layout`; throws when the size does not fit it. */
export function layoutElements(size: number, layout: DataLayout = DATA_LAYOUTS.packed): number {
  if (layout === DATA_LAYOUTS.packed) return Math.ceil(size / ELEMENT_DATA_BYTES);
  if (size < PAYLOAD_HEADER_BYTES || (size - PAYLOAD_HEADER_BYTES) % 8 !== 0) {
    throw new FormatError(`a payload of ${size} bytes is not an int64 payload (18 + 8 per value)`);
  }
  return INT64_HEADER_ELEMENTS + (size - PAYLOAD_HEADER_BYTES) / 8;
}

/** Values of an int64-layout payload of `size` bytes. */
export function int64ValueCount(size: number): number {
  return layoutElements(size, DATA_LAYOUTS.int64) - INT64_HEADER_ELEMENTS;
}

export function segmentCount(size: number, layout: DataLayout = DATA_LAYOUTS.packed): number {
  if (layout === DATA_LAYOUTS.packed) return Math.ceil(size / SEGMENT_BYTES);
  return Math.ceil(layoutElements(size, layout) / SEGMENT_ELEMENTS);
}

/** Field elements in segment `segment` of a payload of `size` bytes. */
export function segmentElements(size: number, segment: number, layout: DataLayout = DATA_LAYOUTS.packed): number {
  if (layout === DATA_LAYOUTS.packed) {
    const start = segment * SEGMENT_BYTES;
    const bytes = Math.min(SEGMENT_BYTES, size - start);
    if (!Number.isInteger(segment) || segment < 0 || bytes <= 0) throw new FormatError(`no segment ${segment}`);
    return Math.ceil(bytes / ELEMENT_DATA_BYTES);
  }
  const count = Math.min(SEGMENT_ELEMENTS, layoutElements(size, layout) - segment * SEGMENT_ELEMENTS);
  if (!Number.isInteger(segment) || segment < 0 || count <= 0) throw new FormatError(`no segment ${segment}`);
  return count;
}

const P = (1n << 127n) - 1n;
const MASK32 = 0xffffffffn;

/** The field elements of segment `segment` of `payload` in `layout` (what the client secret-shares). */
export function payloadSegmentElements(payload: Uint8Array, segment: number, layout: DataLayout): FieldVector {
  if (layout === DATA_LAYOUTS.packed) {
    return bytesToElements(payload.subarray(segment * SEGMENT_BYTES, (segment + 1) * SEGMENT_BYTES));
  }
  const count = segmentElements(payload.length, segment, layout);
  const out = new Uint32Array(4 * count);
  const first = segment * SEGMENT_ELEMENTS;
  if (first === 0) out.set(bytesToElements(payload.subarray(0, PAYLOAD_HEADER_BYTES)));
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let k = Math.max(0, INT64_HEADER_ELEMENTS - first); k < count; k++) {
    const v = view.getBigInt64(PAYLOAD_HEADER_BYTES + 8 * (first + k - INT64_HEADER_ELEMENTS), true);
    const e = v < 0n ? P + v : v;
    for (let w = 0; w < 4; w++) out[4 * k + w] = Number((e >> BigInt(32 * w)) & MASK32);
  }
  return out;
}

/**
 * Writes segment `segment`'s reconstructed elements into `payload` (the inverse of payloadSegmentElements);
 * throws when an element is not a valid element of the layout (the pointer check then fails anyway).
 */
export function placeSegmentElements(
  payload: Uint8Array,
  segment: number,
  layout: DataLayout,
  elements: FieldVector,
): void {
  if (layout === DATA_LAYOUTS.packed) {
    const length = Math.min(SEGMENT_BYTES, payload.length - segment * SEGMENT_BYTES);
    payload.set(elementsToBytes(elements, length), segment * SEGMENT_BYTES);
    return;
  }
  const count = segmentElements(payload.length, segment, layout);
  if (vec.size(elements) !== count) throw new FormatError('element count does not match the layout');
  const first = segment * SEGMENT_ELEMENTS;
  if (first === 0) {
    payload.set(elementsToBytes(elements.subarray(0, 4 * INT64_HEADER_ELEMENTS), PAYLOAD_HEADER_BYTES), 0);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let k = Math.max(0, INT64_HEADER_ELEMENTS - first); k < count; k++) {
    let e = 0n;
    for (let w = 3; w >= 0; w--) e = (e << 32n) | BigInt(elements[4 * k + w]!);
    const v = e < 1n << 63n ? e : e >= P - (1n << 63n) ? e - P : undefined;
    if (v === undefined) throw new FormatError(`element ${first + k} is not an int64 value`);
    view.setBigInt64(PAYLOAD_HEADER_BYTES + 8 * (first + k - INT64_HEADER_ELEMENTS), v, true);
  }
}

/** The field elements of `bytes` (at most one segment): 15 bytes each, little-endian, zero-padded. */
export function bytesToElements(bytes: Uint8Array): FieldVector {
  const count = Math.ceil(bytes.length / ELEMENT_DATA_BYTES);
  const out = new Uint32Array(4 * count);
  if (LITTLE_ENDIAN) {
    const view = new Uint8Array(out.buffer);
    for (let i = 0; i < count; i++) {
      view.set(bytes.subarray(i * ELEMENT_DATA_BYTES, (i + 1) * ELEMENT_DATA_BYTES), 16 * i);
    }
  } else {
    for (let i = 0; i < bytes.length; i++) {
      const e = Math.floor(i / ELEMENT_DATA_BYTES);
      const b = i % ELEMENT_DATA_BYTES;
      out[4 * e + (b >> 2)]! |= bytes[i]! << (8 * (b & 3));
    }
  }
  return out;
}

/** The inverse of bytesToElements: `length` bytes; throws when an element holds more than 120 bits. */
export function elementsToBytes(elements: FieldVector, length: number): Uint8Array {
  const count = vec.size(elements);
  if (length > count * ELEMENT_DATA_BYTES || length <= (count - 1) * ELEMENT_DATA_BYTES) {
    throw new FormatError('element count does not match the length');
  }
  const out = new Uint8Array(count * ELEMENT_DATA_BYTES);
  for (let i = 0; i < count; i++) {
    if (elements[4 * i + 3]! >>> 24 !== 0) throw new FormatError(`element ${i} holds more than 120 bits`);
  }
  if (LITTLE_ENDIAN) {
    const view = new Uint8Array(elements.buffer, elements.byteOffset, elements.byteLength);
    for (let i = 0; i < count; i++) out.set(view.subarray(16 * i, 16 * i + ELEMENT_DATA_BYTES), i * ELEMENT_DATA_BYTES);
  } else {
    for (let i = 0; i < out.length; i++) {
      const e = Math.floor(i / ELEMENT_DATA_BYTES);
      const b = i % ELEMENT_DATA_BYTES;
      out[i] = (elements[4 * e + (b >> 2)]! >>> (8 * (b & 3))) & 0xff;
    }
  }
  return out.subarray(0, length);
}

/** A share vector's wire bytes (16 per element, little-endian words). */
export function shareToBytes(share: FieldVector): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(share.buffer, share.byteOffset, share.byteLength);
  const out = new Uint8Array(share.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < share.length; i++) view.setUint32(4 * i, share[i]!, true);
  return out;
}

/** A share vector from wire bytes: whole 16-byte elements, each canonical (< p). */
export function shareFromBytes(bytes: Uint8Array, what: string): FieldVector {
  if (bytes.length % 16 !== 0) throw new FormatError(`${what}: not a whole number of 16-byte field elements`);
  let out: Uint32Array;
  if (LITTLE_ENDIAN) {
    out = new Uint32Array(bytes.length / 4);
    new Uint8Array(out.buffer).set(bytes);
  } else {
    out = new Uint32Array(bytes.length / 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, true);
  }
  const bad = vec.firstNonCanonical(out);
  if (bad >= 0) throw new FormatError(`${what}: element ${bad} is not canonical (>= p)`);
  return out;
}
