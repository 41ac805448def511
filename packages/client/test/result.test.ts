// Reconstructing private outputs from the members' result shares: consistency and MAC checks, naming wrong members.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { field, share, vec } from '@mosaic/mpc';
import { InconsistentResultError, type MemberResult, outputMacKeyOf, reconstructOutputs } from '../src/index.js';

const operators = Array.from({ length: 7 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}` as `0x${string}`);

/** The members' results for outputs `y` shared at degree t, with MAC shares of alpha * y. */
function memberResults(y: bigint[], n: number, t: number, alpha: bigint, withMacs = true): MemberResult[] {
  const shares = share(vec.fromBigInts(y), n, t);
  const macs = share(vec.fromBigInts(y.map((v) => field.mul(alpha, v))), n, t);
  return shares.map((s, i) => ({
    member: i + 1,
    operator: operators[i]!,
    shares: withMacs ? { outputShares: s, macShares: macs[i]! } : { outputShares: s },
  }));
}

function corrupt(result: MemberResult, element = 0, delta = 1n, mac = false): void {
  const values = mac ? result.shares!.macShares! : result.shares!.outputShares;
  vec.set(values, element, field.add(vec.get(values, element), delta));
}

describe('reconstruction', () => {
  const alpha = outputMacKeyOf(new Uint8Array(32).fill(3));
  const y = [1200n, 0n, field.P - 1n];

  for (const [n, t] of [
    [5, 2],
    [3, 1],
  ] as const) {
    it(`n = ${n}, t = ${t}: consistent shares reconstruct, authenticated`, () => {
      const r = reconstructOutputs(memberResults(y, n, t, alpha), { t, outputMacKey: alpha });
      assert.deepEqual(vec.toBigInts(r.outputs), y);
      assert.deepEqual(r.badMembers, []);
      assert.ok(r.authenticated);
    });

    for (let bad = 1; bad <= n; bad++) {
      it(`n = ${n}, t = ${t}: a wrong share from member ${bad} is named and the result still produced`, () => {
        const results = memberResults(y, n, t, alpha);
        corrupt(results[bad - 1]!, 1, 12345n);
        const r = reconstructOutputs(results, { t, outputMacKey: alpha, expectedCount: 3 });
        assert.deepEqual(vec.toBigInts(r.outputs), y);
        assert.deepEqual(
          r.badMembers.map((b) => [b.member, b.operator]),
          [[bad, operators[bad - 1]]],
        );
        assert.match(r.warnings[0]!, new RegExp(`member ${bad} \\(${operators[bad - 1]}\\): returned a wrong share`));
      });
    }

    it(`n = ${n}, t = ${t}: a member forging both value and MAC (without alpha) is still named`, () => {
      const results = memberResults(y, n, t, alpha);
      corrupt(results[0]!, 0, 1n);
      corrupt(results[0]!, 0, 999n, true);
      const r = reconstructOutputs(results, { t, outputMacKey: alpha });
      assert.deepEqual(vec.toBigInts(r.outputs), y);
      assert.deepEqual(
        r.badMembers.map((b) => b.member),
        [1],
      );
    });
  }

  it('n = 5, t = 2 without MACs: Berlekamp-Welch names one wrong member', () => {
    const results = memberResults(y, 5, 2, alpha, false);
    corrupt(results[2]!, 2, 77n);
    const r = reconstructOutputs(results, { t: 2 });
    assert.deepEqual(vec.toBigInts(r.outputs), y);
    assert.deepEqual(
      r.badMembers.map((b) => b.member),
      [3],
    );
    assert.ok(!r.authenticated);
  });

  it('n = 7, t = 3: two wrong members (one missing MACs) and one missing envelope are named', () => {
    const results = memberResults(y, 7, 3, alpha);
    corrupt(results[1]!, 0, 5n);
    delete results[4]!.shares!.macShares;
    results[6] = { member: 7, operator: operators[6]!, failure: 'envelope failed authentication' };
    const r = reconstructOutputs(results, { t: 3, outputMacKey: alpha });
    assert.deepEqual(vec.toBigInts(r.outputs), y);
    assert.deepEqual(
      r.badMembers.map((b) => [b.member, b.reason]),
      [
        [2, 'returned a wrong share'],
        [5, 'returned no MAC shares'],
        [7, 'envelope failed authentication'],
      ],
    );
  });

  it('n = 3, t = 1 without MACs: an inconsistency is detected but not attributable, so no result', () => {
    const results = memberResults(y, 3, 1, alpha, false);
    corrupt(results[0]!);
    assert.throws(() => reconstructOutputs(results, { t: 1 }), InconsistentResultError);
  });

  it('too few usable shares is an InconsistentResultError naming the unusable members', () => {
    const results = memberResults(y, 5, 2, alpha);
    results[0] = { member: 1, operator: operators[0]!, failure: 'no result envelope' };
    results[3] = { member: 4, operator: operators[3]!, failure: 'bad signature' };
    results[4] = { member: 5, operator: operators[4]!, failure: 'no result envelope' };
    assert.throws(
      () => reconstructOutputs(results, { t: 2, outputMacKey: alpha }),
      (error: unknown) =>
        error instanceof InconsistentResultError &&
        error.suspects.map((s) => s.member).join() === '1,4,5' &&
        /only 2 usable/.test(error.message),
    );
  });

  it('consistent shares that fail the MAC check are rejected (tampered computation)', () => {
    const results = memberResults(y, 5, 2, field.add(alpha, 1n));
    assert.throws(() => reconstructOutputs(results, { t: 2, outputMacKey: alpha }), /fail the MAC check/);
  });

  it('a wrong element count is named', () => {
    const results = memberResults(y, 5, 2, alpha);
    results[1]!.shares = { outputShares: vec.fromBigInts([1n]), macShares: vec.fromBigInts([1n]) };
    const r = reconstructOutputs(results, { t: 2, outputMacKey: alpha });
    assert.deepEqual(vec.toBigInts(r.outputs), y);
    assert.match(r.badMembers[0]!.reason, /returned 1 output elements, expected 3/);
  });
});
