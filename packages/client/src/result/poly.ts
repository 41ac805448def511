// Polynomials over F_p (bigint coefficients, lowest degree first) for decoding output shares: Lagrange
// evaluation and Berlekamp-Welch, which recovers a degree-t polynomial from m points of which at most
// floor((m - t - 1) / 2) are wrong, and so tells which points are wrong.
import { field } from '@mosaic/mpc';

const { add, sub, mul, inv } = field;

/** The value at `x` of the degree-(points.length - 1) polynomial through (points[k], values[k]). */
export function lagrangeAt(points: readonly number[], values: readonly bigint[], x: number): bigint {
  let result = 0n;
  const X = BigInt(x);
  for (let k = 0; k < points.length; k++) {
    let numerator = 1n;
    let denominator = 1n;
    const xk = BigInt(points[k]!);
    for (let j = 0; j < points.length; j++) {
      if (j === k) continue;
      const xj = BigInt(points[j]!);
      numerator = mul(numerator, sub(X, xj));
      denominator = mul(denominator, sub(xk, xj));
    }
    result = add(result, mul(values[k]!, mul(numerator, inv(denominator))));
  }
  return result;
}

export function evaluate(coefficients: readonly bigint[], x: number): bigint {
  const X = BigInt(x);
  let result = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) result = add(mul(result, X), coefficients[k]!);
  return result;
}

/** Solves A u = b mod p (any solution, free variables 0), or undefined when the system has none. */
function solve(matrix: bigint[][], rhs: bigint[]): bigint[] | undefined {
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  const a = matrix.map((row, i) => [...row, rhs[i]!]);
  const pivotCols: number[] = [];
  let r = 0;
  for (let c = 0; c < cols && r < rows; c++) {
    let pivot = -1;
    for (let i = r; i < rows; i++) {
      if (a[i]![c] !== 0n) {
        pivot = i;
        break;
      }
    }
    if (pivot < 0) continue;
    [a[r], a[pivot]] = [a[pivot]!, a[r]!];
    const scale = inv(a[r]![c]!);
    for (let k = c; k <= cols; k++) a[r]![k] = mul(a[r]![k]!, scale);
    for (let i = 0; i < rows; i++) {
      if (i === r || a[i]![c] === 0n) continue;
      const factor = a[i]![c]!;
      for (let k = c; k <= cols; k++) a[i]![k] = sub(a[i]![k]!, mul(factor, a[r]![k]!));
    }
    pivotCols.push(c);
    r++;
  }
  for (let i = r; i < rows; i++) if (a[i]![cols] !== 0n) return undefined;
  const u = new Array<bigint>(cols).fill(0n);
  pivotCols.forEach((c, i) => {
    u[c] = a[i]![cols]!;
  });
  return u;
}

/** Quotient and remainder of numerator / denominator (denominator monic or not; leading coefficient nonzero). */
function divide(
  numerator: readonly bigint[],
  denominator: readonly bigint[],
): { quotient: bigint[]; remainder: bigint[] } {
  const rest = [...numerator];
  const d = denominator.length - 1;
  const leadInverse = inv(denominator[d]!);
  const quotient = new Array<bigint>(Math.max(rest.length - d, 1)).fill(0n);
  for (let k = rest.length - 1; k >= d; k--) {
    const coefficient = mul(rest[k]!, leadInverse);
    quotient[k - d] = coefficient;
    if (coefficient === 0n) continue;
    for (let j = 0; j <= d; j++) rest[k - d + j] = sub(rest[k - d + j]!, mul(coefficient, denominator[j]!));
  }
  return { quotient, remainder: rest.slice(0, d) };
}

/**
 * Berlekamp-Welch: the coefficients of the degree-<=t polynomial that agrees with all but at most
 * floor((m - t - 1) / 2) of the m points, or undefined when no such polynomial exists.
 */
export function berlekampWelch(points: readonly number[], values: readonly bigint[], t: number): bigint[] | undefined {
  const m = points.length;
  const e = Math.floor((m - t - 1) / 2);
  if (e < 0) return undefined;
  const matrix: bigint[][] = [];
  const rhs: bigint[] = [];
  for (let i = 0; i < m; i++) {
    const x = BigInt(points[i]!);
    const y = values[i]!;
    const row: bigint[] = [];
    let power = 1n;
    const powers: bigint[] = [];
    for (let k = 0; k <= e + t; k++) {
      powers.push(power);
      power = mul(power, x);
    }
    for (let k = 0; k <= e + t; k++) row.push(powers[k]!);
    for (let k = 0; k < e; k++) row.push(sub(0n, mul(y, powers[k]!)));
    matrix.push(row);
    rhs.push(mul(y, powers[e]!));
  }
  const u = solve(matrix, rhs);
  if (u === undefined) return undefined;
  const q = u.slice(0, e + t + 1);
  const errorLocator = [...u.slice(e + t + 1), 1n];
  const { quotient, remainder } = divide(q, errorLocator);
  if (remainder.some((c) => c !== 0n)) return undefined;
  if (quotient.slice(t + 1).some((c) => c !== 0n)) return undefined;
  const p = quotient.slice(0, t + 1);
  while (p.length < t + 1) p.push(0n);
  let wrong = 0;
  for (let i = 0; i < m; i++) if (evaluate(p, points[i]!) !== values[i]) wrong++;
  return wrong <= e ? p : undefined;
}
