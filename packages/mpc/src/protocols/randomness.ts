/**
 * Shared randomness beyond the uniform sharings of preprocessing.ts:
 * - random bits. For small t, each of t + 1 dealers deals random bits and the bits are XORed (x + y - 2xy):
 *   t multiplications per bit. For larger t, the square-root trick (p = 3 mod 4): open r^2 for a random shared
 *   r; r / sqrt(r^2) is +-1 with a uniform, unknown sign, so (r / sqrt(r^2) + 1) / 2 is a random bit. It costs
 *   one opening and one exponentiation (125 squarings) by a king, whatever t.
 * - bounded random integers, dealt by t + 1 parties (so at least one dealer is honest).
 * - uniform random integers in [0, 2^f) without their bits, for truncation masks.
 * Semi-honest security: an active dealer could deal a non-bit; the checks for that belong to active security.
 */
import { inv } from '../field/prime.js';
import {
  add,
  addConstant,
  composePowersOfTwo,
  type FieldVector,
  mul,
  pow2to125minus1,
  randomBounded,
  scale,
  slice,
  sub,
  zeros,
} from '../field/vector.js';
import type { Party } from '../runtime/party.js';
import { share } from '../sharing/shamir.js';
import { reduceDegree, mul as secureMul } from './multiply.js';
import { open } from './open.js';

const INV2 = inv(2n);
/** Up to this threshold, XOR of dealt bits (t multiplications per bit) beats the square-root trick. */
const XOR_BITS_MAX_T = 2;

/** The parties that deal: 1..t+1, so that at least one of them is honest. */
function dealers(party: Party): number[] {
  return Array.from({ length: party.t + 1 }, (_, i) => i + 1);
}

/**
 * One round in which each dealer shares `count` values it draws with `draw`; returns each dealer's sharing
 * (this party's shares), in dealer order.
 */
export async function dealFrom(
  party: Party,
  from: readonly number[],
  count: number,
  draw: (count: number) => FieldVector,
  step: string,
): Promise<FieldVector[]> {
  const outgoing = new Map<number, FieldVector>();
  let own: FieldVector | undefined;
  if (from.includes(party.id)) {
    const shares = share(draw(count), party.n, party.t);
    for (const j of party.others()) outgoing.set(j, shares[j - 1]);
    own = shares[party.id - 1];
  }
  const incoming = new Map<number, number>();
  for (const d of from) if (d !== party.id) incoming.set(d, count);
  const received = await party.exchange(step, outgoing, incoming);
  return from.map((d) => (d === party.id ? own! : received.get(d)!));
}

/** `count` uniformly random bits as field elements 0/1, drawn locally. */
export function localRandomBits(count: number): FieldVector {
  const out = zeros(count);
  const bytes = new Uint8Array(Math.ceil(count / 8));
  for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  for (let e = 0; e < count; e++) out[e * 4] = (bytes[e >>> 3] >>> (e & 7)) & 1;
  return out;
}

/** XOR of shared bits: x + y - 2xy. */
async function xor(party: Party, x: FieldVector, y: FieldVector): Promise<FieldVector> {
  const xy = await secureMul(party, x, y);
  return sub(add(x, y), add(xy, xy));
}

/** `count` uniformly random shared bits (values 0 or 1). */
export async function randomBits(party: Party, count: number): Promise<FieldVector> {
  if (count === 0) return zeros(0);
  if (party.t > XOR_BITS_MAX_T) return squareRootBits(party, count);
  const dealt = await dealFrom(party, dealers(party), count, localRandomBits, 'random bits: deal');
  let bits = dealt[0];
  for (let d = 1; d < dealt.length; d++) bits = await xor(party, bits, dealt[d]);
  return bits;
}

/** Random bits by the square-root trick; see the module comment. */
export async function squareRootBits(party: Party, count: number): Promise<FieldVector> {
  if (count === 0) return zeros(0);
  const r = await party.pre.randomSharings(count);
  const { low, high } = await party.pre.doubleSharings(count);
  // r^2 has degree 2t; adding high - low (a random degree-2t sharing of zero) makes the opened shares a
  // uniformly random polynomial with constant term r^2, so they reveal nothing beyond r^2 itself.
  const masked = add(mul(r, r), sub(high, low));
  // The king turns s = r^2 into s^(2^125 - 1) = +-1/r directly: one exponentiation, no separate inversion.
  const inverseRoot = await open(party, masked, {
    degree: 2 * party.t,
    step: 'random bits',
    transform: pow2to125minus1,
  });
  const bits = scale(addConstant(mul(r, inverseRoot), 1n), INV2);
  const failed = zeroIndices(inverseRoot);
  if (failed.length) {
    // r = 0 (probability 2^-127 per bit): those positions are drawn again, by every party alike.
    const again = await squareRootBits(party, failed.length);
    failed.forEach((index, i) => {
      bits.set(again.subarray(i * 4, i * 4 + 4), index * 4);
    });
  }
  return bits;
}

function zeroIndices(v: FieldVector): number[] {
  const out: number[] = [];
  for (let o = 0; o < v.length; o += 4) if ((v[o] | v[o + 1] | v[o + 2] | v[o + 3]) === 0) out.push(o >>> 2);
  return out;
}

/**
 * Shares of `count` random integers, each the sum of t + 1 dealers' uniform draws from [0, 2^bits): the sum
 * lies in [0, (t+1) 2^bits) and is statistically hiding as a mask of anything 2^40 times smaller.
 */
export async function dealtBounded(party: Party, count: number, bits: number): Promise<FieldVector> {
  const dealt = await dealFrom(party, dealers(party), count, (c) => randomBounded(c, bits), 'bounded random integers');
  return dealt.reduce((sum, v) => add(sum, v));
}

/**
 * Shares of `count` integers uniform on [0, 2^bits), for truncation masks, without shared bits: the XOR of the
 * dealers' random `bits`-bit integers. With dealt bit vectors X (XOR of all but the last dealer) and Y (the
 * last dealer), X xor Y = X + Y - 2 sum_i 2^i X_i Y_i, and that sum of products is an inner product: one
 * degree reduction for all the bits, instead of one multiplication per bit.
 */
export async function uniformBounded(party: Party, count: number, bits: number): Promise<FieldVector> {
  const from = dealers(party);
  const total = bits * count;
  const dealt = await dealFrom(party, from, total, localRandomBits, 'uniform masks: deal');
  let x = dealt[0];
  for (let d = 1; d < dealt.length - 1; d++) x = await xor(party, x, dealt[d]);
  const xs = bitMajor(x, bits, count);
  if (dealt.length === 1) return composePowersOfTwo(xs);
  const ys = bitMajor(dealt[dealt.length - 1], bits, count);
  const products = composePowersOfTwo(xs.map((xi, i) => mul(xi, ys[i])));
  const both = await reduceDegree(party, products, 'uniform masks: inner product');
  return sub(add(composePowersOfTwo(xs), composePowersOfTwo(ys)), add(both, both));
}

function bitMajor(all: FieldVector, bits: number, count: number): FieldVector[] {
  return Array.from({ length: bits }, (_, i) => slice(all, i * count, (i + 1) * count));
}
