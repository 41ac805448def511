/**
 * Circuits on shared bits with public operands, the building blocks of comparison and equality.
 * Vectors are bit-major: bits[i] holds bit i of every element of the batch.
 */
import {
  add,
  addConstant,
  composePowersOfTwo,
  concat,
  type FieldVector,
  selectBy,
  size,
  slice,
  sub,
  zeros,
} from '../field/vector.js';
import type { Party } from '../runtime/party.js';
import { mul as secureMul } from './multiply.js';

/** Public bit i of each element (i < 96), as 0/1 bytes. */
export function publicBitBytes(values: FieldVector, i: number): Uint8Array {
  const count = size(values);
  const out = new Uint8Array(count);
  const word = i >>> 5;
  const shift = i & 31;
  for (let e = 0; e < count; e++) out[e] = (values[e * 4 + word] >>> shift) & 1;
  return out;
}

/** Public bit i of each element, as a vector of 0/1 elements. */
export function publicBit(values: FieldVector, i: number): FieldVector {
  const bits = publicBitBytes(values, i);
  const out = zeros(bits.length);
  for (let e = 0; e < bits.length; e++) out[e * 4] = bits[e];
  return out;
}

/** The shared integer sum_i 2^i bits[i]. */
export function composeBits(bits: readonly FieldVector[]): FieldVector {
  return composePowersOfTwo(bits);
}

/** Splits a bit-major vector of m * count elements into m vectors. */
export function splitBits(all: FieldVector, m: number): FieldVector[] {
  const count = size(all) / m;
  return Array.from({ length: m }, (_, i) => slice(all, i * count, (i + 1) * count));
}

/**
 * [c < r] for public c and shared bits r (m bits each, bit-major). It is the carry out of r + ~c: with
 * x = ~c, each bit generates g = r AND x and propagates p = r XOR x, and (G, P) combine pairwise as
 * (G_hi + P_hi G_lo, P_hi P_lo) up a tree of ceil(log2 m) levels.
 *
 * The first level costs no online multiplication: for a pair of bits, G and P are, depending on the two
 * public bits, one of four linear functions of r_hi, r_lo and r_hi r_lo, and the m/2 products r_hi r_lo do
 * not depend on c. Every level above costs two multiplications per pair (one where P is never needed).
 */
export async function lessThanPublic(party: Party, c: FieldVector, r: readonly FieldVector[]): Promise<FieldVector> {
  const m = r.length;
  const count = size(r[0]);
  const x = Array.from({ length: m }, (_, i) => notBytes(publicBitBytes(c, i)));
  const zero = zeros(count);
  if (m === 1) return selectBy([zero, r[0]], x[0]);

  const pairs = m >> 1;
  const products = splitBits(
    await secureMul(
      party,
      concat(r.filter((_, i) => i % 2 === 0 && i + 1 < m)),
      concat(r.filter((_, i) => i % 2 === 1)),
    ),
    pairs,
  );
  let G: FieldVector[] = [];
  let P: (FieldVector | undefined)[] = [];
  for (let q = 0; q < pairs; q++) {
    const lo = r[2 * q];
    const hi = r[2 * q + 1];
    const rr = products[q];
    const selector = new Uint8Array(count);
    const xl = x[2 * q];
    const xh = x[2 * q + 1];
    for (let e = 0; e < count; e++) selector[e] = (xh[e] << 1) | xl[e];
    // selector = 2 x_hi + x_lo
    G.push(selectBy([zero, rr, hi, sub(add(hi, lo), rr)], selector));
    P.push(
      q === 0 ? undefined : selectBy([rr, sub(hi, rr), sub(lo, rr), addConstant(sub(rr, add(hi, lo)), 1n)], selector),
    );
  }
  if (m % 2 === 1) {
    const top = r[m - 1];
    G.push(selectBy([zero, top], x[m - 1]));
    P.push(selectBy([top, addConstant(sub(zero, top), 1n)], x[m - 1]));
  }

  while (G.length > 1) {
    const n = Math.floor(G.length / 2);
    const last = G.length === 2;
    // products: P_hi * G_lo for every pair, then P_hi * P_lo for every pair but the lowest (never needed)
    const left: FieldVector[] = [];
    const right: FieldVector[] = [];
    for (let q = 0; q < n; q++) {
      left.push(P[2 * q + 1]!);
      right.push(G[2 * q]);
    }
    if (!last) {
      for (let q = 1; q < n; q++) {
        left.push(P[2 * q + 1]!);
        right.push(P[2 * q]!);
      }
    }
    const level = splitBits(await secureMul(party, concat(left), concat(right)), left.length);
    const nextG: FieldVector[] = [];
    const nextP: (FieldVector | undefined)[] = [];
    for (let q = 0; q < n; q++) {
      nextG.push(add(G[2 * q + 1], level[q]));
      nextP.push(q === 0 || last ? undefined : level[n + q - 1]);
    }
    if (G.length % 2 === 1) {
      nextG.push(G[G.length - 1]);
      nextP.push(P[G.length - 1]);
    }
    G = nextG;
    P = nextP;
  }
  return G[0];
}

function notBytes(bits: Uint8Array): Uint8Array {
  for (let e = 0; e < bits.length; e++) bits[e] ^= 1;
  return bits;
}

/** The AND of m shared bits per element (bit-major), by a multiplication tree: m - 1 products, log2 m rounds. */
export async function andAll(party: Party, bits: readonly FieldVector[]): Promise<FieldVector> {
  let level = [...bits];
  while (level.length > 1) {
    const pairs = Math.floor(level.length / 2);
    const left = concat(level.slice(0, pairs));
    const right = concat(level.slice(pairs, 2 * pairs));
    const products = splitBits(await secureMul(party, left, right), pairs);
    if (level.length % 2 === 1) products.push(level[level.length - 1]);
    level = products;
  }
  return level[0];
}
