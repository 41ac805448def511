// Reconstruction of a stored segment from the storage members' share vectors, with the consistency check that
// names a member whose share is wrong. All share vectors of a segment must lie on one polynomial of degree t per
// element; the vector kernels of @mosaic/mpc check that for the whole segment at once:
//  1. the first t + 1 shares interpolate every other share; when all agree, done (the usual case);
//  2. otherwise every (t + 1)-subset is tried and the polynomial agreeing with the most shares wins, if it is
//     unambiguous: it agrees with a > (m + t) / 2 of the m shares (then no other polynomial can agree with as many,
//     so the members outside it are the wrong ones — unique while e < (m - t) / 2 shares are wrong); when it is
//     not, the candidates go back to the caller, which keeps the one whose payload hashes to the pointer.
// With only t + 1 shares nothing can be cross-checked here; the pointer check over the whole payload (SHA-256)
// still detects any wrong share (the caller does it), it just cannot say whose.
import {
  type FieldVector,
  InconsistentSharesError,
  interpolationMatrix,
  reconstruct as reconstructShares,
  vec,
} from '@mosaic/mpc';
import { InconsistentResultError, MosaicClientError } from '../errors.js';

export interface MemberShare {
  member: number;
  share: FieldVector;
}

export interface SegmentReconstruction {
  elements: FieldVector;
  /** Members whose share disagrees with the polynomial the others define. */
  wrong: number[];
}

const MAX_SUBSETS = 20_000;
const MAX_CANDIDATES = 64;

/**
 * The segment's elements, or, when the shares alone cannot tell which members are wrong (e.g. 4 shares with
 * t = 2 and one wrong), every candidate that agrees with as many shares as any: the caller settles it with the
 * pointer (SHA-256 of the whole payload). Best first; exactly one when the answer is unambiguous.
 */
export function reconstructSegment(shares: readonly MemberShare[], t: number): SegmentReconstruction[] {
  if (shares.length < t + 1) {
    throw new MosaicClientError(
      `${shares.length} shares cannot reconstruct data shared with degree ${t} (need ${t + 1})`,
    );
  }
  const points = shares.map((s) => s.member);
  const vectors = shares.map((s) => s.share);
  try {
    return [{ elements: reconstructShares(points, vectors, t), wrong: [] }];
  } catch (error) {
    if (!(error instanceof InconsistentSharesError)) throw error;
  }
  const found: { subset: number[]; agreeing: Set<number> }[] = [];
  let tried = 0;
  for (const subset of subsets(shares.length, t + 1)) {
    if (++tried > MAX_SUBSETS) break;
    const base = subset.map((i) => points[i]!);
    const others = points.filter((_, i) => !subset.includes(i));
    const expected = vec.matrixApply(
      interpolationMatrix(base, others),
      subset.map((i) => vectors[i]!),
    );
    const agreeing = new Set(base);
    others.forEach((p, j) => {
      if (vec.equal(expected[j]!, vectors[points.indexOf(p)]!)) agreeing.add(p);
    });
    found.push({ subset, agreeing });
  }
  const most = Math.max(...found.map((f) => f.agreeing.size));
  const byWrong = new Map<string, { subset: number[]; wrong: number[] }>();
  for (const f of found) {
    if (f.agreeing.size !== most) continue;
    const wrong = points.filter((p) => !f.agreeing.has(p));
    byWrong.set(wrong.join(','), { subset: f.subset, wrong });
  }
  if (byWrong.size > MAX_CANDIDATES) {
    throw new InconsistentResultError(
      `the shares of members ${points.join(', ')} do not determine one polynomial of degree ${t}: too many wrong shares to tell whose`,
      [],
    );
  }
  return [...byWrong.values()].map(({ subset, wrong }) => ({
    elements: vec.matrixApply(
      interpolationMatrix(
        subset.map((i) => points[i]!),
        [0],
      ),
      subset.map((i) => vectors[i]!),
    )[0]!,
    wrong,
  }));
}

function* subsets(m: number, k: number): Generator<number[]> {
  const index = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield index.slice();
    let i = k - 1;
    while (i >= 0 && index[i] === m - k + i) i--;
    if (i < 0) return;
    index[i]!++;
    for (let j = i + 1; j < k; j++) index[j] = index[j - 1]! + 1;
  }
}
