// How likely is a committee captured? An adversary holding a fraction f of the stake learns a secret contract's
// data only if it holds more than t of its n seats. Two figures:
// - the binomial tail P[Bin(n, f) > t]: every seat drawn independently with probability f — the limit of many
//   small nodes, and an upper bound for the stake walk, which never seats a node twice;
// - a Monte Carlo of the real stake walk (selectCommittee, as the chain runs it) over a given population.
import { keccak256, toHex } from 'viem';
import { selectCommittee } from './selection.js';

/** P[X > t] for X ~ Binomial(n, f): the probability that more than t of n seats are the adversary's. */
export function captureProbability(n: number, t: number, f: number): number {
  checkCommittee(n, t);
  if (!(f >= 0 && f <= 1)) throw new RangeError('adversary stake fraction must be in [0, 1]');
  let total = 0;
  // Summed from the far tail inwards: the terms grow, so small ones are not lost against large ones.
  for (let k = n; k > t; k--) total += binomial(n, k) * f ** k * (1 - f) ** (n - k);
  return Math.min(1, total);
}

/**
 * Bits of bias an adversary can put into one epoch's seed without proposing blocks: Epochs draws the seed from
 * the prevrandao of a block in a window of SEED_WINDOW = 8 blocks after the snapshot, and a caller alone in that
 * window picks the block (log2 8 = 3 bits). Each consecutive slot it proposes at the seed block adds one more
 * candidate by withholding; that is not counted here.
 */
export const SEED_BIAS_BITS = 3;

/**
 * The capture probability when the adversary may pick the best of 2^bits seeds for one snapshot: it wins when
 * any of 2^bits independent draws seats more than t of its nodes, 1 - (1 - p)^(2^bits) (at most 2^bits p).
 */
export function biasedCaptureProbability(n: number, t: number, f: number, bits: number = SEED_BIAS_BITS): number {
  if (!(bits >= 0)) throw new RangeError('bias bits must be non-negative');
  const p = captureProbability(n, t, f);
  // -expm1(k log1p(-p)) = 1 - (1 - p)^k without losing small p to rounding.
  return p >= 1 ? 1 : -Math.expm1(2 ** bits * Math.log1p(-p));
}

export interface StakeWalkRiskOptions {
  /** Stakes of the honest nodes and of the adversary's nodes (an adversary may split its stake). */
  honest: readonly bigint[];
  adversary: readonly bigint[];
  n: number;
  t: number;
  /** Committees drawn (one per simulated seed). */
  trials: number;
  /** Seeds are keccak256(label, trial): the estimate is reproducible. */
  label?: string;
}

/** The fraction of `trials` stake-walk committees in which the adversary's nodes hold more than t seats. */
export function stakeWalkCaptureRate(options: StakeWalkRiskOptions): number {
  const { honest, adversary, n, t, trials } = options;
  checkCommittee(n, t);
  if (honest.length + adversary.length < n) throw new RangeError('fewer nodes than committee seats');
  if (!Number.isSafeInteger(trials) || trials <= 0) throw new RangeError('trials must be a positive integer');
  const stakes = [...honest, ...adversary];
  const firstAdversary = honest.length;
  const label = options.label ?? 'mosaic-committee-risk';
  const id = keccak256(toHex('committee-risk-contract'));
  let captured = 0;
  for (let trial = 0; trial < trials; trial++) {
    const seed = keccak256(toHex(`${label}:${trial}`));
    const seats = selectCommittee(seed, id, stakes, n).filter((i) => i >= firstAdversary).length;
    if (seats > t) captured++;
  }
  return captured / trials;
}

function checkCommittee(n: number, t: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 0 || n < 2 * t + 1 || n > 64) {
    throw new RangeError('committee must satisfy 0 <= t, 2t + 1 <= n <= 64');
  }
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}
