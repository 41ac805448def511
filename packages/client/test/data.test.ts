// Stored data reconstruction without a network: the segment reconstruction that names a wrong share (the formats
// themselves are tested in @mosaic/protocol).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { share, vec } from '@mosaic/mpc';
import { bytesToElements, reconstructSegment } from '../src/index.js';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe('stored data reconstruction', () => {
  it('reconstructs a segment and names the member whose share is wrong', () => {
    const secret = bytesToElements(random(15 * 50));
    const shares = share(secret, 5, 2).map((s, i) => ({ member: i + 1, share: s }));
    const [clean] = reconstructSegment(shares, 2);
    assert.ok(vec.equal(clean!.elements, secret));
    assert.deepEqual(clean!.wrong, []);
    for (const bad of [1, 3, 5]) {
      const tampered = shares.map((s) => (s.member === bad ? { ...s, share: vec.addConstant(s.share, 1n) } : s));
      const result = reconstructSegment(tampered, 2);
      assert.equal(result.length, 1);
      assert.ok(vec.equal(result[0]!.elements, secret));
      assert.deepEqual(result[0]!.wrong, [bad]);
    }
    // Four shares, one wrong: ambiguous from the shares alone; the right candidate is among those returned.
    const four = shares.slice(0, 4).map((s) => (s.member === 2 ? { ...s, share: vec.addConstant(s.share, 1n) } : s));
    const candidates = reconstructSegment(four, 2);
    assert.ok(candidates.length > 1);
    assert.ok(candidates.some((c) => vec.equal(c.elements, secret) && c.wrong.join() === '2'));
    assert.throws(() => reconstructSegment(shares.slice(0, 2), 2), /cannot reconstruct/);
  });
});
