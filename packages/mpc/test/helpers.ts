/** Test helpers: plaintext references and sharing of test inputs outside the parties. */
import { type FieldVector, field, share, vec } from '../src/index.js';

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

/** Signed 64-bit edge values every comparison test includes. */
export const INT64_EDGES = [0n, 1n, -1n, 2n, -2n, INT64_MAX, INT64_MIN, INT64_MAX - 1n, INT64_MIN + 1n, 1n << 32n];

export function encode(values: readonly bigint[]): FieldVector {
  return vec.fromBigInts(values.map(field.fromSigned));
}

export function decode(v: FieldVector): bigint[] {
  return vec.toBigInts(v).map(field.toSigned);
}

/** Shares of `values` for parties 1..n (index id - 1). */
export function shareValues(values: readonly bigint[], n: number, t: number): FieldVector[] {
  return share(encode(values), n, t);
}

export function thresholdFor(n: number): number {
  return (n - 1) >> 1;
}
