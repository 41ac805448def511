/**
 * Shamir secret sharing over F_p at the points 1..n, vectorised: a "sharing" of a vector of secrets is one
 * vector of shares per party.
 */
import { equal, type FieldVector, matrixApply, random, size, slice } from '../field/vector.js';
import { InconsistentSharesError } from '../runtime/errors.js';
import { interpolationMatrix, partyPoints, powersMatrix, smallPowers } from './lagrange.js';

export function checkThreshold(n: number, degree: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`invalid number of parties ${n}`);
  if (!Number.isInteger(degree) || degree < 0 || degree >= n) {
    throw new RangeError(`degree ${degree} needs 0 <= degree < n = ${n}`);
  }
}

/**
 * Shares each secret with a fresh random polynomial of the given degree; returns shares[j] for party j+1.
 * The polynomial is fixed by the secret at 0 and uniformly random values at 1..degree; the remaining
 * shares are interpolated from those, which costs (n - degree) * (degree + 1) multiply-adds per secret.
 */
export function share(secrets: FieldVector, n: number, degree: number): FieldVector[] {
  checkThreshold(n, degree);
  const count = size(secrets);
  if (degree > 0 && smallPowers(n, degree)) {
    // Coefficient form: f(j) = s + a_1 j + ... + a_d j^d, where every j^k fits 32 bits and the kernel
    // multiplies by it with 4 partial products: cheaper than interpolating from random values.
    const coefficients: FieldVector[] = [secrets];
    for (let k = 0; k < degree; k++) coefficients.push(random(count));
    return matrixApply(powersMatrix(n, degree), coefficients);
  }
  const known: FieldVector[] = [secrets];
  for (let j = 0; j < degree; j++) known.push(random(count));
  const points = [0, ...partyPoints(degree)];
  const rest = partyPoints(n).slice(degree);
  const derived = rest.length ? matrixApply(interpolationMatrix(points, rest), known) : [];
  return [...known.slice(1), ...derived];
}

/**
 * Reconstructs the secrets from the shares held at `points` (any degree+1 or more of 1..n). When more than
 * degree+1 shares are given, it checks that all of them lie on one polynomial of that degree and throws
 * InconsistentSharesError naming the points that disagree.
 */
export function reconstruct(points: readonly number[], shares: readonly FieldVector[], degree: number): FieldVector {
  if (points.length !== shares.length) throw new RangeError('one share vector per point is needed');
  if (points.length < degree + 1) {
    throw new RangeError(`${points.length} shares cannot determine a polynomial of degree ${degree}`);
  }
  const count = size(shares[0]);
  for (const s of shares) if (size(s) !== count) throw new RangeError('share vectors differ in length');
  const base = points.slice(0, degree + 1);
  const baseShares = shares.slice(0, degree + 1);
  if (points.length > degree + 1)
    checkConsistency(base, baseShares, points.slice(degree + 1), shares.slice(degree + 1));
  return matrixApply(interpolationMatrix(base, [0]), baseShares)[0];
}

function checkConsistency(
  base: readonly number[],
  baseShares: readonly FieldVector[],
  others: readonly number[],
  otherShares: readonly FieldVector[],
): void {
  const expected = matrixApply(interpolationMatrix(base, others), baseShares);
  const bad: number[] = [];
  let element = -1;
  for (let j = 0; j < others.length; j++) {
    if (equal(expected[j], otherShares[j])) continue;
    bad.push(others[j]);
    if (element < 0) element = firstDifference(expected[j], otherShares[j]);
  }
  if (bad.length) throw new InconsistentSharesError(bad, element);
}

function firstDifference(a: FieldVector, b: FieldVector): number {
  for (let i = 0; i < size(a); i++) if (!equal(slice(a, i, i + 1), slice(b, i, i + 1))) return i;
  return -1;
}
