import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeFrame,
  encodeFrame,
  FrameError,
  MemoryNetwork,
  MpcError,
  mul,
  open,
  Party,
  PartyAbortedError,
  PartyTimeoutError,
  runParties,
  vec,
} from '../src/index.js';
import { shareValues } from './helpers.js';

const expect = { from: 2, round: 7, maxElements: 100 };

describe('frames', () => {
  it('round-trips vectors, also from an unaligned buffer', () => {
    const v = vec.fromBigInts([1n, 2n, vec.P - 1n]);
    const frame = encodeFrame(7, v);
    assert.deepEqual(decodeFrame(frame, expect), v);
    const shifted = new Uint8Array(frame.length + 1);
    shifted.set(frame, 1);
    assert.deepEqual(decodeFrame(shifted.subarray(1), { ...expect, count: 3 }), v);
  });

  it('rejects every kind of malformed frame with a FrameError naming the sender', () => {
    const good = encodeFrame(7, vec.fromBigInts([1n, 2n]));
    const cases: [string, Uint8Array, RegExp][] = [
      ['short', good.subarray(0, 5), /shorter than/],
      ['magic', patch(good, 0, 0), /magic/],
      ['version', patch(good, 2, 9), /version/],
      ['kind', patch(good, 3, 9), /kind/],
      ['round', encodeFrame(8, vec.fromBigInts([1n])), /round 8/],
      ['truncated payload', good.subarray(0, good.length - 1), /does not match/],
      ['extra bytes', concatBytes(good, new Uint8Array(16)), /does not match/],
      ['oversized', encodeFrame(7, vec.zeros(101)), /exceed the limit/],
      ['non-canonical', nonCanonical(), /not a canonical/],
    ];
    for (const [name, frame, message] of cases) {
      assert.throws(
        () => decodeFrame(frame, expect),
        (e: unknown) => e instanceof FrameError && e.party === 2 && message.test(e.message),
        name,
      );
    }
    assert.throws(() => decodeFrame(good, { ...expect, count: 3 }), /3 were expected/);
  });
});

function patch(frame: Uint8Array, at: number, value: number): Uint8Array {
  const copy = frame.slice();
  copy[at] = value;
  return copy;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function nonCanonical(): Uint8Array {
  const frame = encodeFrame(7, vec.zeros(1));
  frame.fill(0xff, 12);
  return frame;
}

describe('party runtime', () => {
  it('a party that stops answering gives a time-out naming it, not a hang', async () => {
    const network = new MemoryNetwork(3);
    network.silence(3);
    const shares = shareValues([5n], 3, 1);
    // No wall-clock bound here: a hang is caught by the test runner's per-test timeout (scripts/test.js).
    const results = await Promise.allSettled(
      network.transports().map((transport) => {
        const party = new Party({ transport, t: 1, timeoutMs: 300 });
        return open(party, shares[party.id - 1]);
      }),
    );
    network.close();
    for (const id of [1, 2]) {
      const r = results[id - 1];
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof PartyTimeoutError, String(r.reason));
      assert.deepEqual(r.reason.parties, [3]);
      assert.match(r.reason.message, /party 3 did not answer within 300 ms/);
    }
  });

  it('a party that gives up tells the others why, and they report that cause, not its closed stream', async () => {
    const network = new MemoryNetwork(3);
    const shares = shareValues([5n], 3, 1);
    const results = await Promise.allSettled(
      network.transports().map(async (transport) => {
        const party = new Party({ transport, t: 1, timeoutMs: 5_000 });
        if (party.id === 3) {
          party.abort(`party 9 did not answer\u0000 within 20 ms${'!'.repeat(500)}`);
          transport.close();
          return;
        }
        return open(party, shares[party.id - 1]);
      }),
    );
    network.close();
    for (const id of [1, 2]) {
      const r = results[id - 1];
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof PartyAbortedError, String(r.reason));
      assert.equal(r.reason.party, 3);
      assert.match(r.reason.message, /^party 3 gave up: party 9 did not answer {2}within 20 ms!+$/);
      assert.ok(r.reason.reason.length <= 300, 'the reason is cut to its bound');
    }
  });

  it('a malformed frame from a peer fails the round with a clear error', async () => {
    const network = new MemoryNetwork(3);
    const party = new Party({ transport: network.transport(1), t: 1, timeoutMs: 1_000 });
    network.inject(2, 1, new Uint8Array([1, 2, 3]));
    network.inject(3, 1, encodeFrame(0, vec.zeros(1)));
    await assert.rejects(
      party.exchange(
        'test',
        new Map(),
        new Map([
          [2, 1],
          [3, 1],
        ]),
      ),
      (e: unknown) => e instanceof FrameError && e.party === 2,
    );
    network.close();
  });

  it('a frame of the wrong length is refused', async () => {
    const network = new MemoryNetwork(3);
    const party = new Party({ transport: network.transport(1), t: 1, timeoutMs: 1_000 });
    network.inject(2, 1, encodeFrame(0, vec.zeros(5)));
    await assert.rejects(party.exchange('test', new Map(), new Map([[2, 4]])), /5 elements where 4 were expected/);
    network.close();
  });

  it('refuses vectors of different lengths and overlapping calls', async () => {
    await runParties(3, 1, async (party) => {
      await assert.rejects(mul(party, vec.zeros(2), vec.zeros(3)), MpcError);
    });
    const network = new MemoryNetwork(3);
    const party = new Party({ transport: network.transport(1), t: 1, timeoutMs: 200 });
    const first = party.exchange('a', new Map(), new Map([[2, 1]]));
    await assert.rejects(party.exchange('b', new Map(), new Map()), /overlap/);
    await assert.rejects(first, PartyTimeoutError);
    network.close();
  });

  it('a send that fails while receives are pending fails the round, with no unhandled rejection', async () => {
    const network = new MemoryNetwork(3);
    const inner = network.transport(1);
    const failing = {
      self: 1,
      parties: 3,
      send: () => Promise.reject(new Error('peer 2 unreachable')),
      receive: (from: number, signal?: AbortSignal) => inner.receive(from, signal),
      close: () => {},
    };
    const party = new Party({ transport: failing, t: 1, timeoutMs: 200 });
    await assert.rejects(
      party.exchange('test', new Map([[2, vec.zeros(1)]]), new Map([[3, 1]])),
      /did not answer|unreachable/,
    );
    network.close();
  });

  it('rejects thresholds without an honest majority', () => {
    const network = new MemoryNetwork(4);
    assert.throws(() => new Party({ transport: network.transport(1), t: 2 }), /2t \+ 1 <= n/);
  });
});
