// Request/response channels between two real libp2p hosts on loopback: many requests share one stream and
// are answered by id, one request's error leaves the others alone, a time-out fails only its request, a peer
// that breaks the format loses its stream, and the next request opens a new one.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ChannelRequester, serveChannel } from '../src/p2p/channel.js';
import { createHost, type Host } from '../src/p2p/host.js';
import { RemoteError } from '../src/p2p/request-response.js';
import { lengthPrefixed } from '../src/p2p/wire.js';

const logger = pino({ level: 'silent' });
const ECHO = '/mosaic/test-channel/1.0.0';

describe('request/response channels', () => {
  let a: Host;
  let b: Host;

  before(async () => {
    [a, b] = [await createHost(), await createHost()];
    await a.dial(b.getMultiaddrs()[0]!);
    // Upper-cases a request after a delay that depends on it (answers come out of order); "fail" is refused,
    // "slow" never answers in time.
    await serveChannel(
      b,
      ECHO,
      async (request) => {
        const text = new TextDecoder().decode(request);
        if (text === 'fail') throw new RemoteError('this request is refused');
        await new Promise((r) => setTimeout(r, text === 'slow' ? 2_000 : (text.length * 7) % 20));
        return new TextEncoder().encode(text.toUpperCase());
      },
      { maxRequestBytes: 1024, logger },
    );
  });
  after(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
  });

  const channelStreams = () =>
    a.getConnections(b.peerId).flatMap((c) => c.streams.filter((s) => s.protocol === ECHO && s.status === 'open'));

  it('answers many concurrent requests on one stream, each by its id', async () => {
    const channel = new ChannelRequester({ host: a, protocol: ECHO, maxResponseBytes: 1024, timeoutMs: 5_000 });
    const words = Array.from({ length: 60 }, (_, i) => `word-${i}-${'x'.repeat(i % 9)}`);
    const answers = await Promise.all(words.map((w) => channel.request(b.peerId, new TextEncoder().encode(w))));
    assert.deepEqual(
      answers.map((x) => new TextDecoder().decode(x)),
      words.map((w) => w.toUpperCase()),
    );
    assert.equal(channelStreams().length, 1, 'one stream carried every request');
    channel.close();
  });

  it('fails only the request refused or timed out', async () => {
    const channel = new ChannelRequester({ host: a, protocol: ECHO, maxResponseBytes: 1024, timeoutMs: 500 });
    const requests = ['alpha', 'fail', 'slow', 'beta'].map((w) =>
      channel.request(b.peerId, new TextEncoder().encode(w)),
    );
    const [alpha, fail, slow, beta] = await Promise.allSettled(requests);
    assert.equal(new TextDecoder().decode((alpha as PromiseFulfilledResult<Uint8Array>).value), 'ALPHA');
    assert.equal(new TextDecoder().decode((beta as PromiseFulfilledResult<Uint8Array>).value), 'BETA');
    assert.match(String((fail as PromiseRejectedResult).reason), /this request is refused/);
    assert.match(String((slow as PromiseRejectedResult).reason), /no answer .* within 500 ms/);
    // The channel still works after both.
    assert.equal(new TextDecoder().decode(await channel.request(b.peerId, new TextEncoder().encode('gamma'))), 'GAMMA');
    channel.close();
  });

  it('a request to a peer that went away rejects (and nothing else fails with it)', async () => {
    const c = await createHost();
    await a.dial(c.getMultiaddrs()[0]!);
    await c.stop();
    const channel = new ChannelRequester({ host: a, protocol: ECHO, maxResponseBytes: 1024, timeoutMs: 2_000 });
    await assert.rejects(channel.request(c.peerId, Uint8Array.of(1)));
    // Still there: the unhandled rejection this once caused would have ended the process.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(new TextDecoder().decode(await channel.request(b.peerId, new TextEncoder().encode('still'))), 'STILL');
    channel.close();
  });

  it('resets a stream that breaks the format; a requester opens a new one afterwards', async () => {
    // A hand-made client that skips the version message: the server resets the stream.
    const raw = await a.dialProtocol(b.peerId, ECHO);
    const closed = new Promise<void>((resolve) => raw.addEventListener('close', () => resolve()));
    raw.send(lengthPrefixed(Uint8Array.of(9, 9, 9, 9, 9)));
    await closed;
    assert.notEqual(raw.status, 'open');

    const channel = new ChannelRequester({ host: a, protocol: ECHO, maxResponseBytes: 1024, timeoutMs: 5_000 });
    assert.equal(new TextDecoder().decode(await channel.request(b.peerId, new TextEncoder().encode('delta'))), 'DELTA');
    // The peer closes our channel: pending requests fail, the next one reopens.
    for (const s of channelStreams()) s.abort(new Error('gone'));
    assert.equal(new TextDecoder().decode(await channel.request(b.peerId, new TextEncoder().encode('omega'))), 'OMEGA');
    channel.close();
  });
});
