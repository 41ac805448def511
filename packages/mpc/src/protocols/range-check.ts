/**
 * Range checks of shared values: whether each element lies in its declared range, with one public bit per
 * element and nothing else revealed. Anyone who shares an input (a caller, a data owner) can share any field
 * element; the protocols that assume a range (comparison, truncation, select) must only ever see values in it.
 *
 * A range is k bits wide, signed ([-2^(k-1), 2^(k-1))) or not ([0, 2^k)). With a' = a + 2^(k-1) when signed
 * and a' = a when not, a is in range iff a' lies in [0, 2^k).
 *
 * The check (bit decomposition with the masking of Catrina and de Hoogh, "Improved primitives for secure
 * multiparty integer computation", 2010, as in compare.ts): draw k shared random bits r'_i (r' = sum 2^i r'_i)
 * and a shared r'' < (t+1) 2^KAPPA, open c = a' + r' + 2^k r'', and compute u = [c mod 2^k < r'] from the public
 * bits of c and the shared bits of r' (lessThanPublic). Then
 *
 *     h = floor(c / 2^k) - r'' - u   is 0   iff   a' lies in [0, 2^k),   exactly (not statistically).
 *
 * Write c = 2^k c_hi + c_lo with c_lo = c mod 2^k. In F_p, a' = c - r' - 2^k r'' = 2^k h + d with
 * d = c_lo - r' + 2^k u, and d lies in [0, 2^k) as an integer: when c_lo >= r', u = 0 and d = c_lo - r'; when
 * c_lo < r', u = 1 and d = c_lo - r' + 2^k, in [1, 2^k). So h = 0 gives a' = d, in range, whatever a' was (even
 * one that made c wrap modulo p). Conversely, for a' in [0, 2^k) the sum a' + r' + 2^k r'' stays below p (the
 * field bound checked below), so c is that integer and c_hi = r'' + [a' + r' >= 2^k]; and a' + r' >= 2^k exactly
 * when c_lo = a' + r' - 2^k < r', that is when u = 1. So h = 0.
 *
 * h is tested without being revealed: the parties open h s for a fresh random shared s, which is 0 when h = 0
 * and a uniformly random non-zero element otherwise. h s is a local product of degree 2t; a random degree-2t
 * sharing of zero is added, so the opened shares are a uniform polynomial with that constant term (as in
 * squareRootBits).
 *
 * What is opened besides: c, whose low k bits are uniform (r') and whose high part is r'' plus one carry bit,
 * hidden statistically (2^-KAPPA) while a' is in range. Out of range, c may tell something about the bad value
 * itself, never about another input.
 *
 * Booleans (1 bit, unsigned) alone take a cheaper test: b (b - 1) is 0 iff b is 0 or 1; open b (b - 1) s, which
 * costs one multiplication (of b - 1 by s) and one opening. Mixed with wider ranges, booleans go through the
 * bit decomposition with k = 1 (one random bit each, no extra round).
 *
 * Cost, for m elements of widths k_e, K the widest, t <= 2: sum k_e random bits (a dealing round and t
 * multiplication rounds), a dealing round for r'', one opening of m elements, lessThanPublic on K bits (one
 * round of K/2 products, then ceil(log2 K) - 1 levels of at most K products per element), one opening of m
 * products: 2t + 2 ceil(log2 K) + 6 rounds for the whole vector, about t k_e + 1.5 K multiplications per element.
 * Booleans alone: 4 rounds, one multiplication per element. Semi-honest, like every protocol here.
 */
import {
  add,
  addConstant,
  composePowersOfTwo,
  type FieldVector,
  fromBigInts,
  mul as mulLocal,
  size,
  slice,
  sub,
  toBigInts,
  zeros,
} from '../field/vector.js';
import { MpcError } from '../runtime/errors.js';
import type { Party } from '../runtime/party.js';
import { lessThanPublic } from './bitwise.js';
import { KAPPA } from './compare.js';
import { mul } from './multiply.js';
import { open } from './open.js';
import { dealtBounded, randomBits } from './randomness.js';

/** The range of a k-bit value: [-2^(k-1), 2^(k-1)) when signed, [0, 2^k) when not. */
export interface ValueRange {
  readonly bits: number;
  readonly signed: boolean;
}

export const BOOLEAN_RANGE: ValueRange = { bits: 1, signed: false };

/**
 * For each element of `values` (shared, degree t), whether it lies outside `ranges[e]`: a public vector, the
 * same at every party. All elements are checked in one set of rounds.
 */
export async function outOfRange(party: Party, values: FieldVector, ranges: readonly ValueRange[]): Promise<boolean[]> {
  const count = size(values);
  if (ranges.length !== count) throw new MpcError(`range check: ${count} values, ${ranges.length} ranges`);
  if (count === 0) return [];
  for (const range of ranges) checkRange(party, range);
  await party.pre.reserveDoubleSharings(rangeCheckDoubleSharings(ranges, party.t));
  const products = ranges.every(isBoolean)
    ? await booleanTest(party, values)
    : await decompositionTest(party, values, ranges);
  return toBigInts(products).map((x) => x !== 0n);
}

function isBoolean(range: ValueRange): boolean {
  return range.bits === 1 && !range.signed;
}

function checkRange(party: Party, { bits }: ValueRange): void {
  // c = a' + r' + 2^k r'' < 2^k (2 + (t+1) 2^KAPPA) must stay below p for a' in range
  if (!Number.isInteger(bits) || bits < 1 || bits + KAPPA + Math.ceil(Math.log2(party.t + 2)) + 1 >= 127) {
    throw new MpcError(`range check of ${bits}-bit values does not fit the field with ${KAPPA}-bit masking`);
  }
}

/** b (b - 1) s + [0]_2t, opened: one multiplication, one opening. */
async function booleanTest(party: Party, b: FieldVector): Promise<FieldVector> {
  const count = size(b);
  const { s, zero } = await testRandomness(party, count);
  const scaled = await mul(party, addConstant(b, -1n), s);
  return open(party, add(mulLocal(b, scaled), zero), { degree: 2 * party.t, step: 'range check: open b(b-1)s' });
}

/** h s + [0]_2t, opened, with h = floor(c / 2^k) - r'' - u as in the module comment. */
async function decompositionTest(party: Party, a: FieldVector, ranges: readonly ValueRange[]): Promise<FieldVector> {
  const count = size(a);
  const widths = ranges.map((r) => r.bits);
  const widest = Math.max(...widths);
  const totalBits = widths.reduce((s, k) => s + k, 0);

  // k_e random bits per element, laid out bit-major over K = widest bits; bits at or above k_e are zero, so
  // that r'_e < 2^(k_e) and lessThanPublic on K bits compares the low k_e bits only.
  const drawn = await randomBits(party, totalBits);
  const bits = Array.from({ length: widest }, () => zeros(count));
  let at = 0;
  widths.forEach((k, e) => {
    for (let i = 0; i < k; i++) bits[i]!.set(slice(drawn, at + i, at + i + 1), e * 4);
    at += k;
  });
  const low = composePowersOfTwo(bits); // r'
  const high = await dealtBounded(party, count, KAPPA); // r''

  const offsets = fromBigInts(ranges.map((r) => (r.signed ? 1n << BigInt(r.bits - 1) : 0n)));
  const scales = fromBigInts(widths.map((k) => 1n << BigInt(k)));
  const masked = add(add(add(a, offsets), low), mulLocal(high, scales));
  const c = toBigInts(await open(party, masked, { step: 'range check: open masked value' }));
  const cLow = fromBigInts(c.map((x, e) => x & ((1n << BigInt(widths[e]!)) - 1n)));
  const cHigh = fromBigInts(c.map((x, e) => x >> BigInt(widths[e]!)));
  const u = await lessThanPublic(party, cLow, bits);
  const h = sub(sub(cHigh, high), u);

  const { s, zero } = await testRandomness(party, count);
  return open(party, add(mulLocal(h, s), zero), { degree: 2 * party.t, step: 'range check: open hs' });
}

/** A random degree-t sharing s and a random degree-2t sharing of zero, from two double sharings per element. */
async function testRandomness(party: Party, count: number): Promise<{ s: FieldVector; zero: FieldVector }> {
  const { low, high } = await party.pre.doubleSharings(2 * count);
  return {
    s: slice(low, 0, count),
    zero: sub(slice(high, count, 2 * count), slice(low, count, 2 * count)),
  };
}

/** The double sharings a range check of elements with these ranges takes (what it reserves). */
export function rangeCheckDoubleSharings(ranges: readonly ValueRange[], t: number): number {
  const count = ranges.length;
  if (count === 0) return 0;
  // booleans alone: the multiplication, s and the zero sharing
  if (ranges.every(isBoolean)) return 3 * count;
  const widest = Math.max(...ranges.map((r) => r.bits));
  const totalBits = ranges.reduce((s, r) => s + r.bits, 0);
  // random bits (t per bit when XORed), pair products (K/2), carry tree (< K), s and the zero sharing (2)
  return t * totalBits + count * (Math.ceil(widest / 2) + widest + 2);
}
