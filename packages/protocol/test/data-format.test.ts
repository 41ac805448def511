// The storage formats without a network: payload encodings, 15-byte packing, base64 and share envelopes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bytesToElements,
  type DataValue,
  decodePayload,
  elementsToBytes,
  encodePayload,
  FormatError,
  fromBase64,
  generateKeyPair,
  nobleAead,
  nobleX25519,
  openEnvelope,
  sealEnvelope,
  shareContext,
  toBase64,
} from '../src/index.js';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe('data formats', () => {
  it('round-trips every encoding, with a fresh salt each time', () => {
    for (const value of [
      { encoding: 'bytes', value: random(100) },
      { encoding: 'text', value: 'héllo' },
      { encoding: 'int64', value: [0n, -1n, (1n << 63n) - 1n] },
      { encoding: 'json', value: { a: [1, 'x'] } },
    ] as DataValue[]) {
      const a = encodePayload(value);
      assert.deepEqual(decodePayload(a), value);
      assert.notDeepEqual(a.subarray(2, 18), encodePayload(value).subarray(2, 18));
    }
    assert.throws(() => encodePayload({ encoding: 'int64', value: [1n << 63n] }), FormatError);
    assert.throws(() => decodePayload(new Uint8Array([9, 0])), FormatError);
  });

  it('packs 15 bytes per element and rejects an element above 120 bits', () => {
    for (const n of [0, 1, 14, 15, 16, 1000]) {
      const bytes = random(n);
      assert.deepEqual(elementsToBytes(bytesToElements(bytes), n), bytes);
    }
    const v = bytesToElements(random(30));
    v[3] = 0x01000000;
    assert.throws(() => elementsToBytes(v, 30), /more than 120 bits/);
  });

  it('base64 matches the platform and rejects bad input', () => {
    for (const n of [0, 1, 2, 3, 100, 1001]) {
      const bytes = random(n);
      const text = toBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(fromBase64(text, 'x'), bytes);
    }
    for (const bad of ['abc', 'ab!d', '====', 'a===']) assert.throws(() => fromBase64(bad, 'x'), FormatError);
  });

  it('seals a share to a member under its context only', async () => {
    const member = await generateKeyPair();
    const binding = {
      chainId: 31337n,
      dataRegistry: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      pointer: `0x${'ab'.repeat(32)}`,
      epoch: 1n,
      member: 2,
      segment: 0,
      n: 5,
      t: 2,
    } as const;
    const plain = random(64);
    const envelope = await sealEnvelope(plain, member.publicKey, shareContext(binding));
    assert.deepEqual(await openEnvelope(envelope, member.secretKey, shareContext(binding)), plain);
    await assert.rejects(openEnvelope(envelope, member.secretKey, shareContext({ ...binding, segment: 1 })));
    await assert.rejects(
      openEnvelope(envelope, member.secretKey, shareContext({ ...binding, member: 3 }), {
        x25519: nobleX25519,
        aead: nobleAead,
      }),
    );
  });
});
