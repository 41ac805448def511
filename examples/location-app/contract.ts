/**
 * The location app: a phone app stores each user's location samples of a day in the network
 * (int64 data: the x coordinates, then the y coordinates, in metres on a local grid). An app the users granted
 * computes their average daily distance without seeing a single position: the samples reach the contract's
 * committee by resharing from the storage committees (stored inputs), never in clear.
 */
import { array, contract, fn, reveal, select, stored, type Vec } from '@mosaic/lang';

/** Samples per user and day. */
export const SAMPLES = 6;
/** Users per computation. */
export const USERS = 3;

type Day = Vec<'int', 'secret'>;

/** |v| elementwise: both branches are computed, the sign stays secret. */
function abs(v: Day): Day {
  return select(v.lt(0n), v.neg(), v);
}

/** Distance walked through the samples of one day: the sum of |dx| + |dy| (Manhattan metres) between samples. */
function dayDistance(stored: Day) {
  // Positions on a city's local grid fit 32 bits: the app's assertion, so that differences compare (<= 64 bits).
  const day = array(stored.toArray().map((v) => v.assumeBits(32)));
  const xs = day.slice(0, SAMPLES);
  const ys = day.slice(SAMPLES, 2 * SAMPLES);
  const dx = xs.slice(1).sub(xs.slice(0, SAMPLES - 1));
  const dy = ys.slice(1).sub(ys.slice(0, SAMPLES - 1));
  return abs(dx).sum().add(abs(dy).sum());
}

export default contract('LocationApp', {
  functions: {
    averageDistance: fn(
      { alice: stored.int64(2 * SAMPLES), bob: stored.int64(2 * SAMPLES), carol: stored.int64(2 * SAMPLES) },
      ({ alice, bob, carol }) => {
        const total = dayDistance(alice).add(dayDistance(bob)).add(dayDistance(carol));
        // Only the average over the users comes out (in the receipt): no user's own distance, no position.
        return { averageMetres: reveal(total).div(BigInt(USERS)) };
      },
    ),
  },
});
