// Field elements of F_p (p = 2^127 - 1) on the wire: 16 bytes each, little-endian, canonical (< p).
// Decoding rejects non-canonical values, so every element has exactly one encoding.
import { type FieldVector, vec } from '@mosaic/mpc';
import { FormatError } from './errors.js';

export const FIELD_ELEMENT_BYTES = 16;

export function encodeFieldElements(values: FieldVector): Uint8Array {
  if (!(values instanceof Uint32Array) || values.length % 4 !== 0) {
    throw new FormatError('field elements must be a FieldVector (Uint32Array of 4 words per element)');
  }
  if (vec.firstNonCanonical(values) >= 0) throw new FormatError('field vector holds a non-canonical element');
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint32(4 * i, values[i]!, true);
  return out;
}

export function decodeFieldElements(bytes: Uint8Array, what: string): FieldVector {
  if (bytes.length % FIELD_ELEMENT_BYTES !== 0) {
    throw new FormatError(`${what}: ${bytes.length} bytes is not a whole number of 16-byte field elements`);
  }
  const values = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getUint32(4 * i, true);
  const bad = vec.firstNonCanonical(values);
  if (bad >= 0) throw new FormatError(`${what}: element ${bad} is not canonical (>= p)`);
  return values;
}

/** A field element (< p) from 32 bytes of key material; the bias of reducing 256 bits mod a 127-bit p is < 2^-128. */
export function fieldElementFromBytes(bytes: Uint8Array): bigint {
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x % ((1n << 127n) - 1n);
}
