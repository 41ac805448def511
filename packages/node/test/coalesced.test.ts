// Coalesced request/response between two real libp2p hosts on loopback: answers match their items, items queue
// into few messages under load, one item's error does not fail the others, and malformed lists are refused.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { CoalescedRequester, decodeItems, encodeItems, serveCoalesced } from '../src/p2p/coalesced.js';
import { createHost, type Host } from '../src/p2p/host.js';
import { RemoteError, request, serve } from '../src/p2p/request-response.js';

const logger = pino({ level: 'silent' });
const ECHO = '/mosaic/test-echo/1.0.0';
const COUNTED = '/mosaic/test-counted/1.0.0';

describe('coalesced requests', () => {
  let a: Host;
  let b: Host;
  let messages = 0;

  before(async () => {
    [a, b] = [await createHost(), await createHost()];
    await a.dial(b.getMultiaddrs()[0]!);
    // Upper-cases an item after a short delay; "fail" is refused alone.
    await serveCoalesced(
      b,
      ECHO,
      async (item) => {
        await new Promise((r) => setTimeout(r, 5));
        const text = new TextDecoder().decode(item);
        if (text === 'fail') throw new RemoteError('this item is refused');
        return new TextEncoder().encode(text.toUpperCase());
      },
      { maxItems: 16, maxRequestBytes: 4096, logger },
    );
    // The same, decoded by hand, to count the messages that arrive.
    await serve(
      b,
      COUNTED,
      async (message) => {
        messages++;
        const { items } = decodeItems(message, { maxItems: 16 });
        await new Promise((r) => setTimeout(r, 20));
        return encodeItems(
          items,
          items.map(() => 1),
        );
      },
      { maxRequestBytes: 4096, logger },
    );
  });
  after(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
  });

  const requester = (protocol: string) =>
    new CoalescedRequester({
      host: a,
      protocol,
      maxItems: 16,
      maxRequestBytes: 4096,
      maxResponseBytes: 8192,
      timeoutMs: 5_000,
      concurrency: 1,
    });

  it('answers each item, and an item refused does not fail the others', async () => {
    const echo = requester(ECHO);
    const words = ['alpha', 'beta', 'fail', 'gamma', 'delta'];
    const answers = await Promise.allSettled(words.map((w) => echo.call(b.peerId, new TextEncoder().encode(w))));
    answers.forEach((answer, i) => {
      if (words[i] === 'fail') {
        assert.equal(answer.status, 'rejected');
        assert.match(String((answer as PromiseRejectedResult).reason), /this item is refused/);
      } else {
        assert.equal(answer.status, 'fulfilled');
        assert.equal(
          new TextDecoder().decode((answer as PromiseFulfilledResult<Uint8Array>).value),
          words[i]!.toUpperCase(),
        );
      }
    });
  });

  it('queues items while a message is in flight and sends them together', async () => {
    messages = 0;
    const counted = requester(COUNTED);
    const items = Array.from({ length: 40 }, (_, i) => Uint8Array.of(i));
    const answers = await Promise.all(items.map((item) => counted.call(b.peerId, item)));
    assert.deepEqual(
      answers.map((x) => x[0]),
      items.map((x) => x[0]),
    );
    // One alone, then the rest in messages of at most 16: 4 messages (1 + 16 + 16 + 7), far fewer than 40.
    assert.ok(messages <= 5, `${messages} messages for 40 items`);
    assert.ok(messages >= 3, `${messages} messages: at most 16 items each`);
  });

  it('refuses malformed lists with a clear error', async () => {
    const bad = [
      new Uint8Array(2),
      Uint8Array.of(0, 0, 0, 0),
      Uint8Array.of(200, 0, 0, 0),
      Uint8Array.of(1, 0, 0, 0, 9, 0, 0, 0, 1),
      encodeItems([Uint8Array.of(1)]).slice(0, 6),
      Uint8Array.of(...encodeItems([Uint8Array.of(1)]), 7),
    ];
    for (const bytes of bad) assert.throws(() => decodeItems(bytes, { maxItems: 16 }), RemoteError);
    for (const bytes of bad) {
      await assert.rejects(
        request(a, b.peerId, ECHO, bytes, { maxResponseBytes: 1024, timeoutMs: 5_000 }),
        /item list|trailing/,
      );
    }
  });
});
