/**
 * Private statistics over many users' inputs: each user submits a secret measurement (fixed point); the
 * contract keeps the count, sum, sum of squares and a histogram as secret state. result() reveals the mean,
 * the variance and the histogram, but only when at least `minimumCount` values were submitted (a public
 * parameter: small groups get zeros instead, so that no single input can be singled out).
 */
import { constants, contract, fn, max, pub, reveal, secret, select, state } from '@mosaic/lang';

/** Histogram bucket i holds values in [EDGES[i], EDGES[i + 1]). */
export const EDGES = [0, 10, 20, 30, 40, 50, 60, 70, 80];
export const BUCKETS = EDGES.length - 1;

const s = state({
  count: secret.int32,
  sum: secret.fixed,
  sumOfSquares: secret.fixed,
  histogram: secret.array(secret.int32, BUCKETS),
});

export default contract('PrivateStatistics', {
  state: s,
  functions: {
    submit: fn({ value: secret.fixed }, ({ value }) => {
      // 16 comparisons (two per bucket) and the square share one layer of batched engine calls
      const atLeastLower = value.ge(constants(EDGES.slice(0, -1)));
      const belowUpper = value.lt(constants(EDGES.slice(1)));
      s.histogram = s.histogram.add(atLeastLower.and(belowUpper).toInt());
      s.count = s.count.add(1n);
      s.sum = s.sum.add(value);
      s.sumOfSquares = s.sumOfSquares.add(value.mul(value));
      return undefined;
    }),
    result: fn({ minimumCount: pub.int32 }, ({ minimumCount }) => {
      const enough = s.count.ge(minimumCount);
      const count = reveal(select(enough, s.count, 0n));
      const sum = reveal(select(enough, s.sum, 0));
      const sumOfSquares = reveal(select(enough, s.sumOfSquares, 0));
      const histogram = reveal(select(enough, s.histogram, 0n));
      // public arithmetic on revealed aggregates: exact, no communication
      const n = max(count, 1n).toFixed();
      const mean = sum.div(n);
      const variance = sumOfSquares.div(n).sub(mean.mul(mean));
      return { count, mean, variance, histogram };
    }),
  },
});
