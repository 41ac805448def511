// The framing of JSON-RPC with binary attachments (rpc/binary.ts): what goes in comes out, byte strings as
// views of the frame; every way a frame can be malformed is refused with BinaryRpcFormatError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryRpcFormatError, decodeBinaryRpc, encodeBinaryRpc, MAX_BINARY_REFS } from '../src/index.js';

function frame(json: string, attachments: number[] = []): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(4 + text.length + attachments.length);
  new DataView(out.buffer).setUint32(0, text.length);
  out.set(text, 4);
  out.set(attachments, 4 + text.length);
  return out;
}

describe('JSON-RPC binary framing', () => {
  it('round-trips byte strings anywhere in a message (Buffers and empty ones too), bigints as decimal strings', () => {
    const a = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const message = {
      jsonrpc: '2.0',
      id: 3,
      params: {
        shares: [
          { member: 1, envelope: a },
          { member: 2, envelope: new Uint8Array(0) },
        ],
        n: 10n,
      },
      nested: [[Buffer.from('xyz')], null, 'text', { skipped: undefined }],
    };
    const framed = encodeBinaryRpc(message);
    assert.equal(framed.length < a.length + 300, true);
    const back = decodeBinaryRpc(framed) as typeof message & { nested: [[Uint8Array], null, string, object] };
    assert.deepEqual(back.params.shares[0]!.envelope, a);
    assert.equal(back.params.shares[0]!.envelope.buffer, framed.buffer, 'a view of the frame, not a copy');
    assert.deepEqual(back.params.shares[1]!.envelope, new Uint8Array(0));
    assert.equal(back.params.n, '10');
    assert.deepEqual(back.nested[0][0], new TextEncoder().encode('xyz'));
    assert.deepEqual(back.nested.slice(1), [null, 'text', {}]);
    assert.deepEqual(decodeBinaryRpc(encodeBinaryRpc({ plain: ['no', 'bytes'] })), { plain: ['no', 'bytes'] });
  });

  it('refuses malformed frames', () => {
    const ref = (o: number, l: number) => `{"b":{"$bytes":[${o},${l}]}}`;
    const bad: [Uint8Array, RegExp][] = [
      [new Uint8Array(3), /shorter/],
      [frame('{}').subarray(0, 5), /exceeds/],
      [Uint8Array.of(0, 0, 0, 1, 0xff), /UTF-8/],
      [frame('{"a":'), /not valid JSON/],
      [frame(ref(0, 3), [1, 2]), /cover/],
      [frame(ref(1, 2), [1, 2, 3]), /cover/],
      [frame(ref(0, 2), [1, 2, 3]), /no reference/],
      [frame(ref(0, -1), []), /cover/],
      [frame('{"b":{"$bytes":[0,1],"c":2}}', [1]), /\$bytes/],
      [frame('{"b":{"$bytes":"0,1"}}', [1]), /\$bytes/],
      [frame('{"b":{"$bytes":[0.5,1]}}', [1]), /\$bytes/],
      [frame(`[${Array.from({ length: MAX_BINARY_REFS + 1 }, () => '{"$bytes":[0,0]}').join(',')}]`), /more than/],
      [frame(`{"x":${ref(0, 1)},"y":${ref(0, 1)}}`, [1]), /cover/],
    ];
    for (const [input, reason] of bad) {
      assert.throws(
        () => decodeBinaryRpc(input),
        (e: Error) => e instanceof BinaryRpcFormatError && reason.test(e.message),
      );
    }
  });
});
