/**
 * Vectors of F_p elements: a Uint32Array with four little-endian words per element, always canonical (< p).
 * The same bytes are the wire encoding, so framing a vector is a single copy.
 */
import * as kernels from './kernels.js';
import { mod, P } from './prime.js';

export type FieldVector = Uint32Array;

export const WORDS_PER_ELEMENT = 4;
export const BYTES_PER_ELEMENT = 16;
const MASK32 = 0xffffffffn;

/** Number of elements in a vector. */
export function size(v: FieldVector): number {
  return v.length >>> 2;
}

export function zeros(n: number): FieldVector {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid vector length ${n}`);
  return new Uint32Array(n * WORDS_PER_ELEMENT);
}

export function get(v: FieldVector, i: number): bigint {
  const o = i * 4;
  return (BigInt(v[o + 3]) << 96n) | (BigInt(v[o + 2]) << 64n) | (BigInt(v[o + 1]) << 32n) | BigInt(v[o]);
}

/** Stores x mod p at index i. */
export function set(v: FieldVector, i: number, x: bigint): void {
  const r = mod(x);
  const o = i * 4;
  v[o] = Number(r & MASK32);
  v[o + 1] = Number((r >> 32n) & MASK32);
  v[o + 2] = Number((r >> 64n) & MASK32);
  v[o + 3] = Number(r >> 96n);
}

/** Stores a small non-negative integer (below 2^53) at index i without going through bigint. */
export function setSmall(v: FieldVector, i: number, x: number): void {
  const o = i * 4;
  v[o] = x >>> 0;
  v[o + 1] = Math.floor(x / 4294967296);
  v[o + 2] = 0;
  v[o + 3] = 0;
}

export function fromBigInts(values: readonly bigint[]): FieldVector {
  const v = zeros(values.length);
  for (let i = 0; i < values.length; i++) set(v, i, values[i]);
  return v;
}

export function toBigInts(v: FieldVector): bigint[] {
  const out = new Array<bigint>(size(v));
  for (let i = 0; i < out.length; i++) out[i] = get(v, i);
  return out;
}

/** A vector of n copies of x. */
export function filled(n: number, x: bigint): FieldVector {
  const v = zeros(n);
  if (n === 0) return v;
  set(v, 0, x);
  for (let i = 1; i < n; i++) v.copyWithin(i * 4, 0, 4);
  return v;
}

/** Index of the first element that is not canonical (>= p), or -1. Used to validate untrusted bytes. */
export function firstNonCanonical(v: FieldVector): number {
  for (let o = 0; o < v.length; o += 4) {
    const top = v[o + 3];
    if (top > 0x7fffffff) return o >>> 2;
    if (top === 0x7fffffff && v[o + 2] === 0xffffffff && v[o + 1] === 0xffffffff && v[o] === 0xffffffff) return o >>> 2;
  }
  return -1;
}

/** Concatenates vectors into one. */
export function concat(parts: readonly FieldVector[]): FieldVector {
  let words = 0;
  for (const p of parts) words += p.length;
  const out = new Uint32Array(words);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Elements [start, end) as a view sharing memory with v. */
export function slice(v: FieldVector, start: number, end: number): FieldVector {
  return v.subarray(start * 4, end * 4);
}

export function equal(a: FieldVector, b: FieldVector): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const add = (a: FieldVector, b: FieldVector): FieldVector => kernels.addInto(zeros(size(a)), a, b);
export const sub = (a: FieldVector, b: FieldVector): FieldVector => kernels.subInto(zeros(size(a)), a, b);
export const mul = (a: FieldVector, b: FieldVector): FieldVector => kernels.mulInto(zeros(size(a)), a, b);
export const neg = (a: FieldVector): FieldVector => kernels.negInto(zeros(size(a)), a);
export const addInto = kernels.addInto;
export const subInto = kernels.subInto;
export const mulInto = kernels.mulInto;
export const negInto = kernels.negInto;
export const matrixApply = kernels.matrixApply;
/** sum_i 2^i inputs[i] (bits to integer). */
export const composePowersOfTwo = kernels.composePowersOfTwo;
/** Per element e, candidates[selectors[e]][e]. */
export const selectBy = kernels.selectBy;

/** a * c for a constant c. */
export function scale(a: FieldVector, c: bigint): FieldVector {
  return kernels.mulScalarInto(zeros(size(a)), a, fromBigInts([c]));
}

/** a + c for a constant c. */
export function addConstant(a: FieldVector, c: bigint): FieldVector {
  return kernels.addInto(zeros(size(a)), a, filled(size(a), c));
}

/** sum_j coeffs[j] * inputs[j] */
export function linearCombination(coeffs: readonly bigint[], inputs: readonly FieldVector[]): FieldVector {
  return kernels.matrixApply(fromBigInts(coeffs), inputs)[0];
}

/** a^(2^k) */
export function squareTimes(a: FieldVector, k: number): FieldVector {
  return kernels.squareTimesInto(zeros(size(a)), a, k);
}

/** a^(2^125 - 1) elementwise. */
export function pow2to125minus1(a: FieldVector): FieldVector {
  return kernels.pow2to125minus1Into(zeros(size(a)), a);
}

/** Elementwise inverse (a^(p-2) = (a^(2^125-1))^4 * a); zero stays zero. */
export function inverse(a: FieldVector): FieldVector {
  const e = pow2to125minus1(a);
  return mul(squareTimes(e, 2), a);
}

const RANDOM_WORDS_PER_CALL = 16384; // Web Crypto fills at most 65,536 bytes per call

/**
 * n elements drawn uniformly from F_p with the platform CSPRNG (Web Crypto). Each element takes 127 random
 * bits, uniform on [0, 2^127); the single value p itself is rejected and drawn again, so there is no bias.
 */
export function random(n: number): FieldVector {
  const v = zeros(n);
  for (let at = 0; at < v.length; at += RANDOM_WORDS_PER_CALL) {
    crypto.getRandomValues(v.subarray(at, Math.min(v.length, at + RANDOM_WORDS_PER_CALL)));
  }
  for (let o = 3; o < v.length; o += 4) v[o] &= 0x7fffffff;
  let bad = firstNonCanonical(v);
  while (bad >= 0) {
    const o = bad * 4;
    crypto.getRandomValues(v.subarray(o, o + 4));
    v[o + 3] &= 0x7fffffff;
    bad = firstNonCanonical(v);
  }
  return v;
}

/** n integers drawn uniformly from [0, 2^bits) (bits <= 126), as field elements. */
export function randomBounded(n: number, bits: number): FieldVector {
  if (!Number.isInteger(bits) || bits < 0 || bits > 126) throw new RangeError(`invalid bit bound ${bits}`);
  const v = zeros(n);
  for (let at = 0; at < v.length; at += RANDOM_WORDS_PER_CALL) {
    crypto.getRandomValues(v.subarray(at, Math.min(v.length, at + RANDOM_WORDS_PER_CALL)));
  }
  for (let w = 0; w < 4; w++) {
    const keep = Math.max(0, Math.min(32, bits - 32 * w));
    const mask = keep === 0 ? 0 : 0xffffffff >>> (32 - keep);
    for (let o = w; o < v.length; o += 4) v[o] &= mask;
  }
  return v;
}

export { P };
