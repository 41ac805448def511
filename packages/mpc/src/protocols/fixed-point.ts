/**
 * Fixed-point numbers: x is held as the integer round(x * 2^f), f fractional bits (16 by default), in a
 * signed k-bit range (40 bits by default: |x| < 2^23). A product has 2k bits and is brought back to f
 * fractional bits by probabilistic truncation (Catrina and de Hoogh): the result is floor(x*y) or one unit in
 * the last place above it, with probability equal to the discarded fraction. The field must hold
 * 2^(2k) masked by 2^KAPPA with room for t + 1 dealers: 2k + KAPPA + log2(t+1) + 1 < 127.
 */
import { inv } from '../field/prime.js';
import { add, addConstant, type FieldVector, mul, scale, size, sub } from '../field/vector.js';
import { MpcError } from '../runtime/errors.js';
import type { Party } from '../runtime/party.js';
import { KAPPA, lowBits } from './compare.js';
import { open } from './open.js';
import { dealtBounded, uniformBounded } from './randomness.js';

export interface FixedPointFormat {
  /** Fractional bits. */
  f: number;
  /** Total bits of the signed integer representation. */
  k: number;
}

export const DEFAULT_FIXED: FixedPointFormat = { f: 16, k: 40 };

export function checkFormat(party: Party, format: FixedPointFormat): void {
  const { f, k } = format;
  if (!Number.isInteger(f) || !Number.isInteger(k) || f < 1 || k <= f) {
    throw new MpcError(`invalid fixed-point format f=${f}, k=${k}`);
  }
  if (2 * k + KAPPA + Math.ceil(Math.log2(party.t + 1)) + 1 >= 127) {
    throw new MpcError(`fixed-point products of ${k}-bit numbers do not fit the field for t=${party.t}`);
  }
}

/** Encodes a JS number as a fixed-point integer (round to nearest). */
export function encodeFixed(x: number, format: FixedPointFormat = DEFAULT_FIXED): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`cannot encode ${x} as fixed point`);
  const scaled = Math.round(x * 2 ** format.f);
  const bound = 2 ** (format.k - 1);
  if (scaled >= bound || scaled < -bound) throw new RangeError(`${x} is outside the ${format.k}-bit fixed-point range`);
  return BigInt(scaled);
}

/** Decodes a signed fixed-point integer into a JS number. */
export function decodeFixed(x: bigint, format: FixedPointFormat = DEFAULT_FIXED): number {
  return Number(x) / 2 ** format.f;
}

/**
 * x * y for shared fixed-point x, y, in one opening: the local product has degree 2t; it is masked by
 * 2^(K-1) + r' + 2^f r'' and a random degree-2t sharing of zero, opened as c, and the truncated result is
 * (c - (c mod 2^f)) / 2^f - 2^(K-1-f) - r'', which needs only r'' shared with degree t.
 */
export async function fixedMul(
  party: Party,
  x: FieldVector,
  y: FieldVector,
  format: FixedPointFormat = DEFAULT_FIXED,
): Promise<FieldVector> {
  checkFormat(party, format);
  if (x.length !== y.length) throw new MpcError('fixed-point multiply: vectors differ in length');
  const count = size(x);
  const K = 2 * format.k;
  const { f } = format;
  const r1 = await uniformBounded(party, count, f);
  const r2 = await dealtBounded(party, count, K + KAPPA - f);
  const { low, high } = await party.pre.doubleSharings(count);
  const zero = sub(high, low);
  const masked = add(add(add(addConstant(mul(x, y), 1n << BigInt(K - 1)), scale(r2, 1n << BigInt(f))), r1), zero);
  const c = await open(party, masked, { degree: 2 * party.t, step: 'fixed-point multiply' });
  const quotient = scale(sub(c, lowBits(c, f)), inv(1n << BigInt(f)));
  return sub(addConstant(quotient, -(1n << BigInt(K - 1 - f))), r2);
}

/** Probabilistic truncation of shared a (K-bit signed) by m bits: floor(a / 2^m) or one more. */
export async function truncate(party: Party, a: FieldVector, K: number, m: number): Promise<FieldVector> {
  if (K + KAPPA + Math.ceil(Math.log2(party.t + 1)) + 1 >= 127 || m < 1 || m >= K) {
    throw new MpcError(`cannot truncate ${K}-bit values by ${m} bits in this field`);
  }
  const count = size(a);
  const r1 = await uniformBounded(party, count, m);
  const r2 = await dealtBounded(party, count, K + KAPPA - m);
  const masked = add(add(addConstant(a, 1n << BigInt(K - 1)), scale(r2, 1n << BigInt(m))), r1);
  const c = await open(party, masked, { step: 'truncate' });
  const quotient = scale(sub(c, lowBits(c, m)), inv(1n << BigInt(m)));
  return sub(addConstant(quotient, -(1n << BigInt(K - 1 - m))), r2);
}
