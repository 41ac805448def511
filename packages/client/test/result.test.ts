import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { field, share, vec } from '@mosaic/mpc';
import { privateKeyToAccount } from 'viem/accounts';
import {
  EnvelopeOpenError,
  generateKeyPair,
  InconsistentResultError,
  type MemberResult,
  openResultShares,
  outputMacKeyOf,
  type ResultTarget,
  reconstructOutputs,
  resultEnvelopeDigest,
  sealResultShares,
  verifyResultEnvelopeSignature,
} from '../src/index.js';

const target: ResultTarget = {
  chainId: 31337n,
  tasks: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  contractId: 2n,
  selector: '0x01020304',
  epoch: 4n,
  taskId: (2n << 64n) | 9n,
  bundleHash: `0x${'ab'.repeat(32)}`,
};
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

describe('result envelopes', () => {
  it('round-trip, bound to task and member', async () => {
    const caller = await generateKeyPair();
    const shares = { outputShares: vec.fromBigInts([5n, 6n]), macShares: vec.fromBigInts([7n, 8n]) };
    const envelope = await sealResultShares(shares, caller.publicKey, target, 3);
    const opened = await openResultShares(envelope, caller.secretKey, target, 3);
    assert.deepEqual(opened, shares);
    await assert.rejects(openResultShares(envelope, caller.secretKey, target, 2), EnvelopeOpenError);
    await assert.rejects(openResultShares(envelope, caller.secretKey, { ...target, taskId: 1n }, 3), EnvelopeOpenError);
    await assert.rejects(
      openResultShares(envelope, caller.secretKey, { ...target, bundleHash: `0x${'cd'.repeat(32)}` }, 3),
      EnvelopeOpenError,
    );
  });

  it('signatures recover to the member operator and bind the envelope', async () => {
    const account = privateKeyToAccount(`0x${'11'.repeat(32)}`);
    const envelope = Uint8Array.from([1, 2, 3]);
    const signature = await account.signMessage({ message: { raw: resultEnvelopeDigest(target, 1, envelope) } });
    assert.ok(await verifyResultEnvelopeSignature(target, 1, envelope, signature, account.address));
    assert.ok(!(await verifyResultEnvelopeSignature(target, 2, envelope, signature, account.address)));
    assert.ok(!(await verifyResultEnvelopeSignature(target, 1, Uint8Array.from([1, 2]), signature, account.address)));
    assert.ok(!(await verifyResultEnvelopeSignature(target, 1, envelope, '0x1234', account.address)));
  });
});

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
