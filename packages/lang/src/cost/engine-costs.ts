/**
 * What one batched engine call costs one party, mirroring @mosaic/mpc's protocols step by step: rounds,
 * secure multiplications (degree reductions), opened elements and bytes sent. test/cost.test.ts holds these
 * against the Party stats of real runs (rounds exactly, bytes within a tolerance).
 *
 * Assumes the interpreter's one preprocessing round made every double sharing the call needs (it does when
 * the function needs at most 2^16 of them); random sharings (square-root bits, t > 2) are made per call.
 */
import type { ValueRange } from '@mosaic/mpc';
import type { BatchKind } from '../ir/schedule.js';
import { FIXED_FRACTION_BITS } from '../ir/types.js';

export interface Committee {
  readonly n: number;
  readonly t: number;
}

export interface CallCost {
  rounds: number;
  multiplications: number;
  /** Elements opened to every party outside multiplications (reveals, masked values). */
  openings: number;
  /** Average field elements one party sends (frames: 16 bytes each plus a 12-byte header per frame). */
  elementsSent: number;
  /** Average frames one party sends. */
  frames: number;
}

export const ELEMENT_BYTES = 16;
export const FRAME_HEADER_BYTES = 12;
/** The engine's statistical security for comparisons (bits). */
const KAPPA = 40;
/** Up to this t the engine makes random bits by XOR of dealt bits, beyond it by the square-root trick. */
const XOR_BITS_MAX_T = 2;

const zero = (): CallCost => ({ rounds: 0, multiplications: 0, openings: 0, elementsSent: 0, frames: 0 });

function plus(a: CallCost, b: CallCost): CallCost {
  return {
    rounds: a.rounds + b.rounds,
    multiplications: a.multiplications + b.multiplications,
    openings: a.openings + b.openings,
    elementsSent: a.elementsSent + b.elementsSent,
    frames: a.frames + b.frames,
  };
}

/** open(): shares to the kings, values back: two rounds. */
function open({ n }: Committee, count: number): CallCost {
  return {
    rounds: 2,
    multiplications: 0,
    openings: count,
    elementsSent: (2 * count * (n - 1)) / n,
    frames: 2 * (n - 1),
  };
}

/** mul() with pooled double sharings: one opening of the masked degree-2t products. */
function multiply(c: Committee, count: number): CallCost {
  return { ...open(c, count), openings: 0, multiplications: count };
}

/** One dealing round by the t + 1 first parties (random bits, bounded integers), averaged over the parties. */
function deal({ n, t }: Committee, count: number): CallCost {
  return {
    rounds: 1,
    multiplications: 0,
    openings: 0,
    elementsSent: ((t + 1) * (n - 1) * count) / n,
    frames: ((t + 1) * (n - 1)) / n,
  };
}

/** A round of the preprocessing pool: every party deals ceil(count / (n - t)) values per degree. */
export function poolRound({ n, t }: Committee, count: number, degrees: number): CallCost {
  const m = Math.ceil(count / (n - t));
  return { rounds: 1, multiplications: 0, openings: 0, elementsSent: degrees * m * (n - 1), frames: n - 1 };
}

function randomBits(c: Committee, count: number): CallCost {
  if (c.t > XOR_BITS_MAX_T) {
    // square-root trick: random sharings (own round), then one opening of the squares
    return plus(poolRound(c, count, 1), { ...open(c, count), openings: 0, multiplications: count });
  }
  let cost = deal(c, count);
  for (let d = 1; d <= c.t; d++) cost = plus(cost, multiply(c, count));
  return cost;
}

/** Products per level of the carry-lookahead tree of lessThanPublic on m bits (one multiplication each). */
export function carryTreeLevels(m: number): number[] {
  if (m <= 1) return [];
  const levels = [Math.floor(m / 2)];
  let g = Math.ceil(m / 2);
  while (g > 1) {
    const pairs = Math.floor(g / 2);
    levels.push(pairs + (g === 2 ? 0 : pairs - 1));
    g = pairs + (g % 2);
  }
  return levels;
}

/** lessThanZero on `count` k-bit values: m = k - 1 random bits, r'', one opening, the carry tree. */
function compare(c: Committee, count: number, k: number): CallCost {
  const m = k - 1;
  let cost = plus(plus(randomBits(c, m * count), deal(c, count)), open(c, count));
  for (const products of carryTreeLevels(m)) cost = plus(cost, multiply(c, products * count));
  return cost;
}

/** equalsZero on `count` k-bit values: k random bits, one opening, an AND tree over k bits. */
function equal(c: Committee, count: number, k: number): CallCost {
  let cost = plus(plus(randomBits(c, k * count), deal(c, count)), open(c, count));
  let level = k;
  while (level > 1) {
    const pairs = Math.floor(level / 2);
    cost = plus(cost, multiply(c, pairs * count));
    level = pairs + (level % 2);
  }
  return cost;
}

/** fixedMul: a uniform f-bit mask (XOR of dealt bits, one inner product), r'', one opening of degree 2t. */
function fixedMultiply(c: Committee, count: number): CallCost {
  const f = FIXED_FRACTION_BITS;
  let cost = deal(c, f * count);
  for (let d = 1; d < c.t; d++) cost = plus(cost, multiply(c, f * count));
  if (c.t >= 1) cost = plus(cost, multiply(c, count)); // the inner product of the last dealer's bits
  cost = plus(cost, deal(c, count));
  return plus(cost, { ...open(c, count), multiplications: count, openings: 0 });
}

/**
 * The range check of a call's secret and stored inputs (outOfRange), one vector for all of them. Booleans
 * alone: one multiplication and one opening of b (b - 1) s. Otherwise the bit decomposition: the elements'
 * random bits, r'', the opening of the masked values, lessThanPublic on the widest range's K bits (padded
 * elements multiply zeros in the same rounds), and the opening of h s.
 */
export function inputCheck(c: Committee, ranges: readonly ValueRange[]): CallCost {
  const count = ranges.length;
  if (count === 0) return zero();
  if (ranges.every((r) => r.bits === 1 && !r.signed)) return plus(multiply(c, count), open(c, count));
  const widest = Math.max(...ranges.map((r) => r.bits));
  const totalBits = ranges.reduce((s, r) => s + r.bits, 0);
  let cost = plus(plus(randomBits(c, totalBits), deal(c, count)), open(c, count));
  for (const products of carryTreeLevels(widest)) cost = plus(cost, multiply(c, products * count));
  return plus(cost, open(c, count));
}

export function batchCost(c: Committee, kind: BatchKind, count: number, k: number): CallCost {
  switch (kind) {
    case 'multiply':
      return multiply(c, count);
    case 'fixedMultiply':
      return fixedMultiply(c, count);
    case 'compare':
      return compare(c, count, k);
    case 'equal':
      return equal(c, count, k);
    case 'open':
      return open(c, count);
  }
}

/** The double sharings a batch takes from the pool (what the engine reserves for it). */
export function doubleSharingsOf(kind: BatchKind, count: number, k: number, t: number): number {
  switch (kind) {
    case 'multiply':
      return count;
    case 'fixedMultiply':
      return count * (FIXED_FRACTION_BITS * Math.max(0, t - 1) + (t >= 1 ? 1 : 0) + 1);
    case 'compare': {
      const m = k - 1;
      return count * (t * m + Math.ceil(m / 2) + m);
    }
    case 'equal':
      return count * (t * k + k);
    case 'open':
      return 0;
  }
}

export { KAPPA, plus as addCost, zero as zeroCost };
