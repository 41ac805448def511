import '../src/shim.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { mul, Party, PartyTimeoutError, share, TransportClosedError, vec } from '@mosaic/mpc';
import { bootstrap } from '../src/p2p/bootstrap.js';
import { createHost, type Host } from '../src/p2p/host.js';
import { MpcStreams } from '../src/sessions/libp2p-transport.js';
import { fromBase64, type SessionRequest, spawnWorker, toBase64, type Worker } from './processes.js';

describe('MPC over libp2p', { timeout: 45_000 }, () => {
  const workers: Worker[] = [];
  const hosts: Host[] = [];
  after(async () => {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await Promise.allSettled(hosts.map((h) => h.stop()));
  });

  it('a 3-party multiplication batch between three processes equals the plaintext product', async () => {
    const n = 3;
    const t = 1;
    const count = 10_000;
    workers.push(...(await Promise.all([spawnWorker(), spawnWorker(), spawnWorker()])));
    const x = vec.random(count);
    const y = vec.random(count);
    const xs = share(x, n, t);
    const ys = share(y, n, t);
    const members = workers.map((w) => ({ peerId: w.peerId, addr: w.addrs[0] }));
    const sessionId = randomBytes(32).toString('hex');
    workers.forEach((w, i) => {
      const request: SessionRequest = {
        type: 'session',
        self: i + 1,
        t,
        members,
        sessionId,
        x: toBase64(xs[i]),
        y: toBase64(ys[i]),
        warmup: 0,
        rounds: 1,
        reveal: true,
      };
      w.send(request);
    });
    const results = await Promise.all(workers.map((w) => w.next(30_000)));
    const expected = vec.mul(x, y);
    for (const r of results) {
      assert.equal(r.type, 'result', JSON.stringify(r));
      assert.ok(vec.equal(fromBase64(String(r.z)), expected), 'opened product differs from the plaintext');
    }
  });

  it('refuses a host that is not a committee member: its frames never reach the parties', async () => {
    const keys = await Promise.all([0, 1, 2].map(() => generateKeyPair('Ed25519')));
    // Party 1 (A) is a member that never comes online; X, not a member, claims to be party 1.
    const memberIds = keys.map((k) => peerIdFromPrivateKey(k));
    const b = await createHost({ privateKey: keys[1] });
    const c = await createHost({ privateKey: keys[2] });
    const x = await createHost();
    hosts.push(b, c, x);
    const table = memberIds.map(String);
    const isMember = (_sid: Uint8Array, party: number, peer: { toString(): string }) =>
      table[party - 1] === peer.toString();
    const sb = new MpcStreams(b, { isMember });
    const sc = new MpcStreams(c, { isMember });
    // The intruder believes it is party 1.
    const sx = new MpcStreams(x, { isMember: () => true });
    await Promise.all([sb.start(), sc.start(), sx.start()]);
    await bootstrap(x, [b.getMultiaddrs()[0].toString(), c.getMultiaddrs()[0].toString()]);
    await bootstrap(b, [c.getMultiaddrs()[0].toString()]);

    const sessionId = randomBytes(32);
    const open = (s: MpcStreams, self: number) =>
      s.openSession({ sessionId, self, members: memberIds, openTimeoutMs: 3_000 });
    const [tb, tc] = [open(sb, 2), open(sc, 3)];
    const tx = sx.openSession({ sessionId, self: 1, members: [x.peerId, b.peerId, c.peerId], openTimeoutMs: 3_000 });
    const n = 3;
    const xs = share(vec.random(100), n, 1);
    const parties = [tx, tb, tc].map((transport) => new Party({ transport, t: 1, timeoutMs: 4_000 }));
    // Failing rather than hanging is what counts; a hang is caught by the runner's per-test timeout.
    const outcomes = await Promise.allSettled(parties.map((p) => mul(p, xs[p.id - 1], xs[p.id - 1])));
    for (const [i, o] of outcomes.slice(1).entries()) {
      assert.equal(o.status, 'rejected', `member ${i + 2} should fail`);
      const error = (o as PromiseRejectedResult).reason;
      assert.ok(error instanceof PartyTimeoutError || error instanceof TransportClosedError, String(error));
      assert.match(String(error.message), /part(y|ies)[^\d]*1\b/, `error should name party 1: ${error.message}`);
    }
    assert.equal(outcomes[0].status, 'rejected', 'the intruder must not complete');
    for (const s of [sb, sc]) {
      assert.ok(
        s.refusals.some((r) => r.peer === x.peerId.toString() && /not member 1/.test(r.reason)),
        JSON.stringify(s.refusals),
      );
    }
    for (const tr of [tb, tc, tx]) tr.close();
    await Promise.all([sb.stop(), sc.stop(), sx.stop()]);
  });

  it('keeps frames in order and bound to their session when two sessions share a pair of hosts', async () => {
    const [h1, h2] = await Promise.all([createHost(), createHost()]);
    hosts.push(h1, h2);
    const isMember = (_sid: Uint8Array, party: number, peer: { toString(): string }) =>
      [h1.peerId, h2.peerId][party - 1].toString() === peer.toString();
    const s1 = new MpcStreams(h1, { isMember });
    const s2 = new MpcStreams(h2, { isMember });
    await Promise.all([s1.start(), s2.start()]);
    await bootstrap(h1, [h2.getMultiaddrs()[0].toString()]);
    const members = [h1.peerId, h2.peerId];
    const ids = [randomBytes(32), randomBytes(32)];
    const a = ids.map((sessionId) => s1.openSession({ sessionId, self: 1, members }));
    const b = ids.map((sessionId) => s2.openSession({ sessionId, self: 2, members }));
    const frames = 200;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < frames; i++) {
      for (const [k, tr] of a.entries()) {
        const p = tr.send(2, new Uint8Array([k, i & 255, i >> 8, ...randomBytes(i % 7)]));
        if (p) sends.push(p);
      }
    }
    await Promise.all(sends);
    for (const [k, tr] of b.entries()) {
      for (let i = 0; i < frames; i++) {
        const f = await tr.receive(1, AbortSignal.timeout(5_000));
        assert.deepEqual([f[0], f[1] | (f[2] << 8)], [k, i]);
      }
    }
    // And the other way, with a large frame (back-pressure through the stream's drain).
    const big = new Uint8Array(8 << 20).fill(7);
    await b[0].send(1, big);
    assert.equal((await a[0].receive(2, AbortSignal.timeout(10_000))).length, big.length);
    for (const tr of [...a, ...b]) tr.close();
    await assert.rejects(a[0].receive(2), TransportClosedError);
    await Promise.all([s1.stop(), s2.stop()]);
  });
});
