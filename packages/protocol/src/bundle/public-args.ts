// Public arguments in the bundle: the field elements of each public input (lang's encodeArgs(...).public),
// flattened in declaration order, as 16-byte little-endian canonical field elements. The node splits them by
// the function's declared input types (elementCount of each public input).
import { vec } from '@mosaic/mpc';
import { FormatError } from '../errors.js';
import { decodeFieldElements, encodeFieldElements } from '../field.js';

export function encodePublicArgs(values: readonly (readonly bigint[])[]): Uint8Array {
  return encodeFieldElements(vec.fromBigInts(values.flat()));
}

/** Splits public argument bytes into one list per input, `sizes[i]` elements each; the total must match. */
export function decodePublicArgs(bytes: Uint8Array, sizes: readonly number[]): bigint[][] {
  const all = vec.toBigInts(decodeFieldElements(bytes, 'publicArgs'));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (all.length !== total) throw new FormatError(`publicArgs: ${all.length} elements, the function takes ${total}`);
  const out: bigint[][] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(all.slice(at, at + size));
    at += size;
  }
  return out;
}
