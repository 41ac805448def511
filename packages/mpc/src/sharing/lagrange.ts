/**
 * Interpolation constants for Shamir sharing at the points 1..n: Lagrange coefficients and the matrices
 * built from them, computed once on bigints and cached as field vectors ready for the kernels.
 */
import { inv, mod, mul, sub } from '../field/prime.js';
import { type FieldVector, fromBigInts } from '../field/vector.js';

/** Coefficients c_j with f(target) = sum_j c_j f(points[j]) for every f of degree < points.length. */
export function lagrangeCoefficients(points: readonly number[], target: number): bigint[] {
  if (new Set(points).size !== points.length) throw new RangeError('interpolation points must be distinct');
  const x = BigInt(target);
  return points.map((pj, j) => {
    let num = 1n;
    let den = 1n;
    const xj = BigInt(pj);
    for (let m = 0; m < points.length; m++) {
      if (m === j) continue;
      const xm = BigInt(points[m]);
      num = mul(num, sub(x, xm));
      den = mul(den, sub(xj, xm));
    }
    return mul(num, inv(den));
  });
}

const cache = new Map<string, FieldVector>();
const CACHE_LIMIT = 4096;

function cached(key: string, make: () => bigint[]): FieldVector {
  let m = cache.get(key);
  if (!m) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    m = fromBigInts(make());
    cache.set(key, m);
  }
  return m;
}

/** Row-major matrix whose row r gives f(targets[r]) from the values at `points`. */
export function interpolationMatrix(points: readonly number[], targets: readonly number[]): FieldVector {
  return cached(`i${points.join(',')}>${targets.join(',')}`, () =>
    targets.flatMap((target) => lagrangeCoefficients(points, target)),
  );
}

/**
 * The (rows x n) Vandermonde matrix V[r][j] = (j+1)^r. Any `rows` of its columns form an invertible matrix,
 * so applying it to n dealt random values of which at least `rows` are honest yields `rows` values that are
 * uniformly random to the others (randomness extraction, Damgard-Nielsen).
 */
export function vandermonde(rows: number, n: number): FieldVector {
  return cached(`v${rows}x${n}`, () => {
    const out: bigint[] = [];
    for (let r = 0; r < rows; r++) for (let j = 1; j <= n; j++) out.push(mod(BigInt(j) ** BigInt(r)));
    return out;
  });
}

/** True when j^k < 2^32 for all points j <= n and k <= degree. */
export function smallPowers(n: number, degree: number): boolean {
  return degree * Math.log2(n) < 32;
}

/** Row-major n x (degree+1) matrix M[j-1][k] = j^k: evaluates coefficient vectors at the points 1..n. */
export function powersMatrix(n: number, degree: number): FieldVector {
  return cached(`p${n}^${degree}`, () => {
    const out: bigint[] = [];
    for (let j = 1; j <= n; j++) for (let k = 0; k <= degree; k++) out.push(mod(BigInt(j) ** BigInt(k)));
    return out;
  });
}

/** 1..n */
export function partyPoints(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
