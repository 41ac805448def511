// Attack: t colluding members shift a private output by dropping their MAC shares. In a (5, 2) committee two
// members are offline and the two colluders (t of them, inside the threat model) send output shares moved by a
// chosen delta, without MAC shares. With three shares for t + 1 = 3 needed, interpolation has no redundancy, so
// the shifted shares reconstruct to y + delta. The SDK used to drop the MAC check when at most half the members
// sent MACs and hand back that value marked `authenticated: false`; it now fails closed whenever the caller holds
// alpha and names the members that sent no MAC shares.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { field, lagrangeCoefficients, share, vec } from '@mosaic/mpc';
import { InconsistentResultError, type MemberResult, reconstructOutputs } from '../src/index.js';

const operators = Array.from({ length: 5 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}` as `0x${string}`);

describe('attack: forging a private output by withholding MAC shares', () => {
  const y = [42n];
  const alpha = 0x1234_5678_9abc_def0n;
  const delta = 1000n;

  const attackedResults = (): MemberResult[] => {
    const shares = share(vec.fromBigInts(y), 5, 2);
    const macs = share(vec.fromBigInts(y.map((v) => field.mul(alpha, v))), 5, 2);
    // The colluders (members 4 and 5) know the Lagrange weights of {1, 4, 5} at 0 and move their shares so that
    // the reconstruction from those three points is y + delta: weight_4 * d + weight_5 * d = delta.
    const weights = lagrangeCoefficients([1, 4, 5], 0);
    const d = field.mul(delta, field.inv(field.add(weights[1]!, weights[2]!)));
    return [
      { member: 1, operator: operators[0]!, shares: { outputShares: shares[0]!, macShares: macs[0]! } },
      { member: 2, operator: operators[1]!, failure: 'no result envelope' },
      { member: 3, operator: operators[2]!, failure: 'no result envelope' },
      ...[3, 4].map((i) => ({
        member: i + 1,
        operator: operators[i]!,
        shares: { outputShares: vec.fromBigInts([field.add(vec.get(shares[i]!, 0), d)]) },
      })),
    ];
  };

  it('the shifted shares do reconstruct to y + delta when nothing checks them', () => {
    const r = reconstructOutputs(attackedResults(), { t: 2 });
    assert.deepEqual(vec.toBigInts(r.outputs), [y[0]! + delta]);
    assert.equal(r.authenticated, false);
  });

  it('a caller holding alpha gets an error naming the members without MAC shares, never the forged value', () => {
    assert.throws(
      () => reconstructOutputs(attackedResults(), { t: 2, outputMacKey: alpha }),
      (error: unknown) =>
        error instanceof InconsistentResultError &&
        /only 1 usable/.test(error.message) &&
        /member 4 \(.*\): returned no MAC shares/.test(error.message) &&
        /member 5 \(.*\): returned no MAC shares/.test(error.message) &&
        error.suspects.map((s) => s.member).join() === '2,3,4,5',
    );
  });
});
