/**
 * Comparison and equality of shared signed integers (Catrina and de Hoogh, "Improved primitives for secure
 * multiparty integer computation", 2010), with statistical security KAPPA = 40 bits.
 *
 * A k-bit signed input a is masked by a random r = r' + 2^m r'' whose low m bits r' are known as shared bits;
 * the masked value is opened; its low bits compared with r' give a mod 2^m exactly, and from it the sign.
 * p = 2^127 - 1 leaves room for k = 65 (the difference of two 64-bit integers) with 40 bits of masking.
 */
import { inv } from '../field/prime.js';
import { add, addConstant, type FieldVector, mul as mulLocal, scale, size, sub, subInto } from '../field/vector.js';
import { MpcError } from '../runtime/errors.js';
import type { Party } from '../runtime/party.js';
import { andAll, composeBits, lessThanPublic, publicBit, splitBits } from './bitwise.js';
import { open } from './open.js';
import { dealtBounded, randomBits } from './randomness.js';

export const KAPPA = 40;
/** Bit length of the integers the comparisons take: signed 64-bit. */
export const INT_BITS = 64;

function checkBits(party: Party, k: number): void {
  // the opened value 2^(k-1) + a + r' + 2^m r'' must stay below p, with r'' < (t+1) 2^(k+KAPPA-m)
  if (!Number.isInteger(k) || k < 2 || k + KAPPA + Math.ceil(Math.log2(party.t + 2)) + 1 >= 127) {
    throw new MpcError(`comparison of ${k}-bit integers does not fit the field with ${KAPPA}-bit masking`);
  }
}

/** [a < 0] for a in [-2^(k-1), 2^(k-1)). */
export async function lessThanZero(party: Party, a: FieldVector, k = INT_BITS + 1): Promise<FieldVector> {
  checkBits(party, k);
  const count = size(a);
  const m = k - 1;
  // bits (t per bit when XORed), pair products (m/2), carry tree (< m): all reserved in one round
  await party.pre.reserveDoubleSharings(count * (party.t * m + Math.ceil(m / 2) + m));
  const bits = splitBits(await randomBits(party, m * count), m);
  const low = composeBits(bits); // r'
  const high = await dealtBounded(party, count, k + KAPPA - m); // r''
  const masked = add(add(addConstant(a, 1n << BigInt(k - 1)), scale(high, 1n << BigInt(m))), low);
  const c = await open(party, masked, { step: 'compare: open masked value' });
  const cLow = lowBits(c, m);
  const u = await lessThanPublic(party, cLow, bits);
  // a mod 2^m = c' - r' + 2^m u ; then [a < 0] = (a mod 2^m - a) / 2^m
  const aMod = add(subInto(low, cLow, low), scale(u, 1n << BigInt(m)));
  return scale(sub(aMod, a), inv(1n << BigInt(m)));
}

/** [a < b] for signed 64-bit a, b. */
export function lessThan(party: Party, a: FieldVector, b: FieldVector): Promise<FieldVector> {
  return lessThanZero(party, sub(a, b));
}

/** [a > b] */
export function greaterThan(party: Party, a: FieldVector, b: FieldVector): Promise<FieldVector> {
  return lessThanZero(party, sub(b, a));
}

/** [a <= b] = 1 - [b < a] */
export async function lessOrEqual(party: Party, a: FieldVector, b: FieldVector): Promise<FieldVector> {
  return not(await lessThanZero(party, sub(b, a)));
}

/** [a >= b] = 1 - [a < b] */
export async function greaterOrEqual(party: Party, a: FieldVector, b: FieldVector): Promise<FieldVector> {
  return not(await lessThanZero(party, sub(a, b)));
}

/** [a == 0] for a in [-2^(k-1), 2^(k-1)). */
export async function equalsZero(party: Party, a: FieldVector, k = INT_BITS + 1): Promise<FieldVector> {
  checkBits(party, k);
  const count = size(a);
  await party.pre.reserveDoubleSharings(count * (party.t * k + k));
  const bits = splitBits(await randomBits(party, k * count), k);
  const low = composeBits(bits);
  const high = await dealtBounded(party, count, KAPPA);
  const masked = add(add(addConstant(a, 1n << BigInt(k - 1)), scale(high, 1n << BigInt(k))), low);
  const c = await open(party, masked, { step: 'equality: open masked value' });
  // (c - 2^(k-1)) mod 2^k = (a + r') mod 2^k, which equals r' exactly when a = 0; subtracting 2^(k-1)
  // modulo 2^k flips bit k-1.
  const same: FieldVector[] = bits.map((r, i) => {
    let ci = publicBit(c, i);
    if (i === k - 1) ci = sub(onesOf(count), ci);
    // [r_i == c_i] = c_i ? r_i : 1 - r_i = 1 - r_i - c_i + 2 r_i c_i  (local: c public)
    const rc = mulLocal(r, ci);
    return add(sub(sub(onesOf(count), r), ci), add(rc, rc));
  });
  return andAll(party, same);
}

/** [a == b] for signed 64-bit a, b. */
export function equals(party: Party, a: FieldVector, b: FieldVector): Promise<FieldVector> {
  return equalsZero(party, sub(a, b));
}

/** 1 - bit */
export function not(bit: FieldVector): FieldVector {
  return sub(onesOf(size(bit)), bit);
}

function onesOf(count: number): FieldVector {
  return addConstant(new Uint32Array(count * 4), 1n);
}

/** The low m bits (m <= 96) of each element of a public vector, as elements. */
export function lowBits(values: FieldVector, m: number): FieldVector {
  const out = new Uint32Array(values.length);
  for (let o = 0; o < values.length; o += 4) {
    for (let w = 0; w < 3; w++) {
      const keep = Math.max(0, Math.min(32, m - 32 * w));
      out[o + w] = keep === 0 ? 0 : values[o + w] & (0xffffffff >>> (32 - keep));
    }
  }
  return out;
}
