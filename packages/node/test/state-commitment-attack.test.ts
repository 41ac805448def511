// Attack: t colluding members read a contract's secret state from the others' state commitments. In the
// commitments round every member of a (5, 2) committee sends a commitment to its shares of the new state. The
// private-voting contract keeps its tally as secret state; members 1 and 2 collude. For every tally they guess
// they take their two shares and the guess as three points of the degree-2 sharing polynomial, compute member
// 3's share, commit to it the way member 3 does, and compare with what member 3 sent. An unsalted hash of the
// shares gives the tally away among a few hundred guesses; the salted commitment matches no guess.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { type FieldVector, field, lagrangeCoefficients, share, vec } from '@mosaic/mpc';
import { type Hex, keccak256 } from 'viem';
import { stateSalt, stateShareCommitment } from '../src/tasks/state-commitment.js';

const VOTERS = 20;
const tally = [7n, 9n, 4n]; // three candidates, secret state of the vote
const contractId = 3n;
const taskId = (contractId << 64n) | 21n;

/** The commitment before salting: keccak256 of the shares' bytes. */
function unsaltedCommitment(shares: FieldVector): Hex {
  return keccak256(new Uint8Array(shares.buffer, shares.byteOffset, shares.byteLength));
}

/** Every tally the colluders consider: three non-negative counts summing to the number of voters. */
function* guesses(): Generator<bigint[]> {
  for (let a = 0; a <= VOTERS; a++) for (let b = 0; a + b <= VOTERS; b++) yield [a, b, VOTERS - a - b].map(BigInt);
}

/** Member 3's share implied by members 1 and 2's shares and a guessed secret (points 1, 2 and 0 of the polynomial). */
function impliedShare(s1: bigint[], s2: bigint[], guess: bigint[]): FieldVector {
  const weights = lagrangeCoefficients([0, 1, 2], 3);
  const values = guess.map((g, i) =>
    field.add(field.add(field.mul(weights[0]!, g), field.mul(weights[1]!, s1[i]!)), field.mul(weights[2]!, s2[i]!)),
  );
  return vec.fromBigInts(values);
}

describe('attack: guessing secret state from the members’ state commitments', () => {
  const shares = share(vec.fromBigInts(tally), 5, 2);
  const [s1, s2] = [vec.toBigInts(shares[0]!), vec.toBigInts(shares[1]!)];
  const member3 = shares[2]!;

  const findTally = (commitmentOf: (implied: FieldVector) => Hex, sent: Hex): bigint[] | undefined => {
    for (const guess of guesses()) if (commitmentOf(impliedShare(s1, s2, guess)) === sent) return guess;
    return undefined;
  };

  it('an unsalted hash of the shares gives the tally to two colluders', () => {
    const found = findTally(unsaltedCommitment, unsaltedCommitment(member3));
    assert.deepEqual(found, tally);
  });

  it('the salted commitment member 3 sends matches no guess', () => {
    const memberKey = randomBytes(32); // member 3's X25519 secret key: the colluders do not have it
    const sent = stateShareCommitment(stateSalt(memberKey, contractId, taskId), [member3]);
    // The colluders try every tally, with a salt of their own making (they cannot compute member 3's).
    const theirKey = randomBytes(32);
    const found = findTally(
      (implied) => stateShareCommitment(stateSalt(theirKey, contractId, taskId), [implied]),
      sent,
    );
    assert.equal(found, undefined);
    // …while member 3 itself can reproduce its commitment, to open it later.
    assert.equal(stateShareCommitment(stateSalt(memberKey, contractId, taskId), [member3]), sent);
  });

  it('salts differ per member and per task, and are 32 bytes', () => {
    const key = randomBytes(32);
    const a = stateSalt(key, contractId, taskId);
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, stateSalt(key, contractId, taskId + 1n));
    assert.notDeepEqual(a, stateSalt(randomBytes(32), contractId, taskId));
    assert.throws(() => stateShareCommitment(new Uint8Array(16), [member3]), /32 bytes/);
  });
});
