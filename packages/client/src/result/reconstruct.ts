// Reconstruction of private outputs from the members' result shares, with a consistency check over all of them.
//
// Shares are points of degree-t polynomials (one per output element). When they all lie on one polynomial the
// result is its value at 0. Otherwise the decoder looks for the members whose shares are wrong and names them:
//  1. Berlekamp-Welch per element: unique while at most floor((m - t - 1) / 2) of the m shares are wrong.
//  2. With MAC shares (shares of alpha * y, alpha known only to the caller), any t+1 members whose values and
//     MACs interpolate to y, alpha * y are right except with probability 1/p; trying subsets names wrong members
//     even where decoding alone cannot (n = 3, t = 1 with one wrong share).
// The result is returned with the wrong members listed whenever at least t+1 consistent (and, with MACs,
// authenticated) shares remain; otherwise InconsistentResultError names the members that could be identified.
import { type FieldVector, field, vec } from '@mosaic/mpc';
import type { Hex, ResultShares } from '@mosaic/protocol';
import { InconsistentResultError } from '../errors.js';
import { berlekampWelch, evaluate } from './poly.js';

const { add, sub, mul, inv } = field;

export interface MemberResult {
  /** 1-based member index (Shamir point). */
  member: number;
  operator: Hex;
  /** The opened shares; absent when the member's envelope was missing or unusable. */
  shares?: ResultShares;
  /** Why the envelope is unusable (missing, bad signature, failed authentication, malformed). */
  failure?: string;
}

export interface BadMember {
  member: number;
  operator: Hex;
  reason: string;
}

export interface Reconstruction {
  outputs: FieldVector;
  /** Members whose result was missing, unusable or wrong; the result stands without them. */
  badMembers: BadMember[];
  warnings: string[];
  /** True when the outputs passed the MAC check (alpha * y). */
  authenticated: boolean;
}

export interface ReconstructOptions {
  t: number;
  /** alpha; when given, MAC shares are required from every member whose share is used, and checked. */
  outputMacKey?: bigint;
  /** Number of output elements the function returns (from the compiled contract), when known. */
  expectedCount?: number;
  /** Most (t+1)-subsets tried by the MAC search. */
  maxSubsets?: number;
}

interface Usable {
  member: number;
  operator: Hex;
  values: bigint[];
  macs?: bigint[];
}

interface Candidate {
  outputs: bigint[];
  agreeing: Set<number>;
  macOk: boolean;
}

function lagrangeCoefficients(points: readonly number[], x: number): bigint[] {
  const X = BigInt(x);
  return points.map((pk, k) => {
    let numerator = 1n;
    let denominator = 1n;
    for (let j = 0; j < points.length; j++) {
      if (j === k) continue;
      numerator = mul(numerator, sub(X, BigInt(points[j]!)));
      denominator = mul(denominator, sub(BigInt(pk), BigInt(points[j]!)));
    }
    return mul(numerator, inv(denominator));
  });
}

function combine(coefficients: readonly bigint[], values: readonly bigint[]): bigint {
  let sum = 0n;
  for (let k = 0; k < coefficients.length; k++) sum = add(sum, mul(coefficients[k]!, values[k]!));
  return sum;
}

/** The candidate defined by the shares of the members at `base` (t+1 of them). */
function candidateFromBase(usable: readonly Usable[], base: readonly number[], alpha: bigint | undefined): Candidate {
  const basePoints = base.map((i) => usable[i]!.member);
  const count = usable[0]!.values.length;
  const column = (i: number, j: number, macs: boolean) => (macs ? usable[i]!.macs![j]! : usable[i]!.values[j]!);
  const atZero = lagrangeCoefficients(basePoints, 0);
  const outputs: bigint[] = [];
  const macOutputs: bigint[] = [];
  for (let j = 0; j < count; j++) {
    outputs.push(
      combine(
        atZero,
        base.map((i) => column(i, j, false)),
      ),
    );
    if (alpha !== undefined)
      macOutputs.push(
        combine(
          atZero,
          base.map((i) => column(i, j, true)),
        ),
      );
  }
  const agreeing = new Set<number>();
  usable.forEach((entry, i) => {
    const at = lagrangeCoefficients(basePoints, entry.member);
    for (let j = 0; j < count; j++) {
      if (
        combine(
          at,
          base.map((b) => column(b, j, false)),
        ) !== entry.values[j]
      )
        return;
      if (
        alpha !== undefined &&
        combine(
          at,
          base.map((b) => column(b, j, true)),
        ) !== entry.macs![j]
      )
        return;
    }
    agreeing.add(i);
  });
  const macOk = alpha !== undefined && outputs.every((y, j) => mul(alpha, y) === macOutputs[j]);
  return { outputs, agreeing, macOk };
}

/** Berlekamp-Welch on every element (values, then MACs); undefined when any element cannot be decoded. */
function decodeByBerlekampWelch(
  usable: readonly Usable[],
  t: number,
  alpha: bigint | undefined,
): Candidate | undefined {
  const points = usable.map((u) => u.member);
  const count = usable[0]!.values.length;
  const outputs: bigint[] = [];
  const agreeing = new Set(usable.map((_, i) => i));
  let macOk = alpha !== undefined;
  for (let j = 0; j < count; j++) {
    const p = berlekampWelch(
      points,
      usable.map((u) => u.values[j]!),
      t,
    );
    if (!p) return undefined;
    usable.forEach((u, i) => {
      if (evaluate(p, u.member) !== u.values[j]) agreeing.delete(i);
    });
    outputs.push(p[0]!);
    if (alpha !== undefined) {
      const q = berlekampWelch(
        points,
        usable.map((u) => u.macs![j]!),
        t,
      );
      if (!q) return undefined;
      usable.forEach((u, i) => {
        if (evaluate(q, u.member) !== u.macs![j]) agreeing.delete(i);
      });
      if (mul(alpha, p[0]!) !== q[0]) macOk = false;
    }
  }
  return { outputs, agreeing, macOk };
}

function* subsets(size: number, k: number): Generator<number[]> {
  const chosen = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield [...chosen];
    let i = k - 1;
    while (i >= 0 && chosen[i] === size - k + i) i--;
    if (i < 0) return;
    chosen[i]!++;
    for (let j = i + 1; j < k; j++) chosen[j] = chosen[j - 1]! + 1;
  }
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

export function reconstructOutputs(results: readonly MemberResult[], options: ReconstructOptions): Reconstruction {
  const { t } = options;
  const alpha = options.outputMacKey;
  const bad: BadMember[] = [];
  const candidates: (MemberResult & { shares: ResultShares })[] = [];
  const seenMembers = new Set<number>();
  for (const result of results) {
    if (seenMembers.has(result.member)) {
      bad.push({ member: result.member, operator: result.operator, reason: 'returned more than one result' });
      continue;
    }
    seenMembers.add(result.member);
    if (result.shares) candidates.push(result as MemberResult & { shares: ResultShares });
    else bad.push({ member: result.member, operator: result.operator, reason: result.failure ?? 'no result' });
  }

  // The element count: the compiled function's, or the one most members agree on.
  let count = options.expectedCount;
  if (count === undefined) {
    const tally = new Map<number, number>();
    for (const c of candidates) {
      const k = vec.size(c.shares.outputShares);
      tally.set(k, (tally.get(k) ?? 0) + 1);
    }
    count = [...tally.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  }
  // Fail closed: a caller that holds alpha checks MACs on every share it uses. An honest member always sends
  // MAC shares, so one that sends none is named; a committee that drops them all gets no result out of it.
  const usable: Usable[] = [];
  for (const c of candidates) {
    const k = vec.size(c.shares.outputShares);
    if (k !== count) {
      bad.push({ member: c.member, operator: c.operator, reason: `returned ${k} output elements, expected ${count}` });
    } else if (alpha !== undefined && !c.shares.macShares) {
      bad.push({ member: c.member, operator: c.operator, reason: 'returned no MAC shares' });
    } else {
      usable.push({
        member: c.member,
        operator: c.operator,
        values: vec.toBigInts(c.shares.outputShares),
        ...(alpha !== undefined ? { macs: vec.toBigInts(c.shares.macShares!) } : {}),
      });
    }
  }
  if (usable.length < t + 1) {
    throw new InconsistentResultError(
      `only ${usable.length} usable result shares, ${t + 1} needed${describe(bad)}`,
      bad.map(({ member, operator }) => ({ member, operator })),
    );
  }

  const accept = (candidate: Candidate): Reconstruction => {
    usable.forEach((u, i) => {
      if (!candidate.agreeing.has(i))
        bad.push({ member: u.member, operator: u.operator, reason: 'returned a wrong share' });
    });
    bad.sort((a, b) => a.member - b.member);
    const warnings = bad.map((b) => `member ${b.member} (${b.operator}): ${b.reason}`);
    return { outputs: vec.fromBigInts(candidate.outputs), badMembers: bad, warnings, authenticated: candidate.macOk };
  };

  // 1. All consistent (the common case): interpolate from the first t+1 and check the rest.
  const first = candidateFromBase(
    usable,
    Array.from({ length: t + 1 }, (_, i) => i),
    alpha,
  );
  if (first.agreeing.size === usable.length) {
    if (alpha === undefined || first.macOk) return accept(first);
    throw new InconsistentResultError(
      'all result shares agree but fail the MAC check: the computation was tampered with or more than t members colluded',
      [],
    );
  }

  // 2. Unique decoding.
  const decoded = decodeByBerlekampWelch(usable, t, alpha);
  const uniquelyDecoded =
    decoded !== undefined && decoded.agreeing.size >= t + 1 + (usable.length - decoded.agreeing.size);
  if (decoded && uniquelyDecoded && (alpha === undefined || decoded.macOk)) return accept(decoded);

  // 3. With MACs: search (t+1)-subsets for an authenticated candidate; keep the one most members agree with.
  let best: Candidate | undefined;
  if (alpha !== undefined && binomial(usable.length, t + 1) <= (options.maxSubsets ?? 5000)) {
    for (const base of subsets(usable.length, t + 1)) {
      const candidate = candidateFromBase(usable, base, alpha);
      if (candidate.macOk && (!best || candidate.agreeing.size > best.agreeing.size)) best = candidate;
    }
    if (best && best.agreeing.size >= t + 1) return accept(best);
  }
  throw new InconsistentResultError(
    `result shares of ${usable.length} members are inconsistent and the wrong ones cannot be identified` +
      `${alpha === undefined ? ' without MAC shares' : ''}${describe(bad)}`,
    bad.map(({ member, operator }) => ({ member, operator })),
  );
}

function describe(bad: readonly BadMember[]): string {
  if (bad.length === 0) return '';
  return `; unusable: ${bad.map((b) => `member ${b.member} (${b.operator}): ${b.reason}`).join(', ')}`;
}
