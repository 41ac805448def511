import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeHandshake,
  encodeHandshake,
  HANDSHAKE_BYTES,
  lengthPrefixed,
  MessageDecoder,
  WireError,
} from '../src/p2p/wire.js';

describe('MPC stream wire format', () => {
  it('round-trips a handshake and rejects malformed ones', () => {
    const sessionId = new Uint8Array(32).fill(9);
    const h = decodeHandshake(encodeHandshake({ sessionId, party: 3 }));
    assert.deepEqual([...h.sessionId], [...sessionId]);
    assert.equal(h.party, 3);
    assert.throws(() => decodeHandshake(new Uint8Array(HANDSHAKE_BYTES - 1)), WireError);
    const badVersion = encodeHandshake({ sessionId, party: 1 });
    badVersion[0] = 2;
    assert.throws(() => decodeHandshake(badVersion), WireError);
    assert.throws(() => decodeHandshake(encodeHandshake({ sessionId, party: 0 })), WireError);
  });

  it('splits messages across arbitrary chunk boundaries', () => {
    const messages = [1, 5, 300, 70_000].map((n) => new Uint8Array(n).map((_, i) => i * 7));
    const bytes = Buffer.concat(messages.map((m) => lengthPrefixed(m).subarray()));
    for (const step of [1, 3, 4, 5, 1000, bytes.length]) {
      const decoder = new MessageDecoder();
      const out: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += step) out.push(...decoder.push(bytes.subarray(at, at + step)));
      assert.deepEqual(out, messages);
      assert.ok(decoder.idle);
    }
  });

  it('refuses zero and oversized lengths before allocating', () => {
    assert.throws(() => new MessageDecoder(1024).push(new Uint8Array([0, 0, 0, 0])), WireError);
    assert.throws(() => new MessageDecoder(1024).push(new Uint8Array([1, 4, 0, 0])), WireError);
    assert.throws(() => new MessageDecoder().push(new Uint8Array([255, 255, 255, 255])), WireError);
  });
});
