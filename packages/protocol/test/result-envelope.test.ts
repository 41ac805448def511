// Result envelopes: sealed to the caller's result key, bound to task and member, signed by the member's operator.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vec } from '@mosaic/mpc';
import { privateKeyToAccount } from 'viem/accounts';
import {
  EnvelopeOpenError,
  generateKeyPair,
  openResultShares,
  type ResultTarget,
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
