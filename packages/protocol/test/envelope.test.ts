import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deserializeKeyPair,
  type EnvelopeContext,
  EnvelopeOpenError,
  encodeEnvelopeContext,
  FormatError,
  generateKeyPair,
  nobleX25519,
  open,
  seal,
  serializeKeyPair,
  webCryptoX25519,
} from '../src/index.js';

const context: EnvelopeContext = {
  purpose: 'task-input',
  chainId: 31337n,
  tasks: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  contractId: 7n,
  selector: '0x12345678',
  epoch: 3n,
  memberIndex: 2,
  binding: new Uint8Array(32).fill(9),
};

const payload = new TextEncoder().encode('shares of a secret bid');

describe('keys', () => {
  it('generates distinct key pairs and round-trips their serialisation', async () => {
    const a = await generateKeyPair();
    const b = await generateKeyPair();
    assert.notDeepEqual(a.secretKey, b.secretKey);
    const restored = await deserializeKeyPair(JSON.parse(JSON.stringify(serializeKeyPair(a))));
    assert.deepEqual(restored, a);
  });

  it('rejects a serialised pair whose public key does not match', async () => {
    const a = serializeKeyPair(await generateKeyPair());
    const b = serializeKeyPair(await generateKeyPair());
    await assert.rejects(deserializeKeyPair({ ...a, publicKey: b.publicKey }), FormatError);
    await assert.rejects(
      deserializeKeyPair({ type: 'x25519', secretKey: '0x12', publicKey: a.publicKey }),
      FormatError,
    );
    await assert.rejects(deserializeKeyPair(null), FormatError);
  });
});

describe('envelopes', () => {
  it('round-trips, and seals each time with a fresh ephemeral key and nonce', async () => {
    const recipient = await generateKeyPair();
    const one = await seal(payload, recipient.publicKey, context);
    const two = await seal(payload, recipient.publicKey, context);
    assert.notDeepEqual(one, two);
    assert.deepEqual(await open(one, recipient.secretKey, context), payload);
    assert.equal(one.length, payload.length + 73);
  });

  it('round-trips an empty and a 64 KB payload', async () => {
    const recipient = await generateKeyPair();
    for (const data of [new Uint8Array(0), crypto.getRandomValues(new Uint8Array(65536))]) {
      assert.deepEqual(await open(await seal(data, recipient.publicKey, context), recipient.secretKey, context), data);
    }
  });

  it('fails with EnvelopeOpenError on any flipped bit', async () => {
    const recipient = await generateKeyPair();
    const sealed = await seal(payload, recipient.publicKey, context);
    for (const at of [1, 20, 33, 50, 57, sealed.length - 20, sealed.length - 1]) {
      const tampered = sealed.slice();
      tampered[at]! ^= 0x01;
      await assert.rejects(open(tampered, recipient.secretKey, context), EnvelopeOpenError);
    }
  });

  it('fails with EnvelopeOpenError under the wrong key', async () => {
    const recipient = await generateKeyPair();
    const other = await generateKeyPair();
    const sealed = await seal(payload, recipient.publicKey, context);
    await assert.rejects(open(sealed, other.secretKey, context), (error: unknown) => {
      assert.ok(error instanceof EnvelopeOpenError);
      assert.match(error.message, /failed authentication/);
      return true;
    });
  });

  it('fails with EnvelopeOpenError under any other context field', async () => {
    const recipient = await generateKeyPair();
    const sealed = await seal(payload, recipient.publicKey, context);
    const variants: Partial<EnvelopeContext>[] = [
      { purpose: 'task-result' },
      { chainId: 1n },
      { tasks: '0x5FbDB2315678afecb367f032d93F642f64180aa4' },
      { contractId: 8n },
      { selector: '0x12345679' },
      { epoch: 4n },
      { memberIndex: 3 },
      { taskId: 1n },
      { binding: new Uint8Array(32) },
    ];
    for (const change of variants) {
      await assert.rejects(open(sealed, recipient.secretKey, { ...context, ...change }), EnvelopeOpenError);
    }
  });

  it('rejects malformed envelopes and contexts with FormatError', async () => {
    const recipient = await generateKeyPair();
    const sealed = await seal(payload, recipient.publicKey, context);
    await assert.rejects(open(sealed.subarray(0, 40), recipient.secretKey, context), FormatError);
    const wrongVersion = sealed.slice();
    wrongVersion[0] = 2;
    await assert.rejects(open(wrongVersion, recipient.secretKey, context), FormatError);
    await assert.rejects(seal(payload, new Uint8Array(32), context), FormatError);
    await assert.rejects(seal(payload, recipient.publicKey, { ...context, memberIndex: 0 }), FormatError);
    assert.throws(() => encodeEnvelopeContext({ ...context, selector: '0x1234' }), FormatError);
  });

  it('rejects a low-order ephemeral key as a failed envelope', async () => {
    const recipient = await generateKeyPair();
    const sealed = await seal(payload, recipient.publicKey, context);
    sealed.fill(0, 1, 33); // the all-zero u-coordinate is a low-order point
    await assert.rejects(open(sealed, recipient.secretKey, context), EnvelopeOpenError);
  });

  it('interoperates between the noble and Web Crypto providers', async (t) => {
    const web = await webCryptoX25519();
    if (!web) {
      t.skip('no X25519 in this runtime’s Web Crypto');
      return;
    }
    const recipient = await web.generateKeyPair();
    assert.deepEqual(await nobleX25519.publicKeyOf(recipient.secretKey), recipient.publicKey);
    const byNoble = await seal(payload, recipient.publicKey, context, nobleX25519);
    assert.deepEqual(await open(byNoble, recipient.secretKey, context, web), payload);
    const byWeb = await seal(payload, recipient.publicKey, context, web);
    assert.deepEqual(await open(byWeb, recipient.secretKey, context, nobleX25519), payload);
  });
});
