import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { pino } from 'pino';
import { keccak256 } from 'viem';
import { bootstrap } from '../src/p2p/bootstrap.js';
import { ConnectionKeeper } from '../src/p2p/discovery.js';
import { codeRecordKey, createHost, type Host } from '../src/p2p/host.js';

describe('libp2p host on loopback', { timeout: 30_000 }, () => {
  const hosts: Host[] = [];

  before(async () => {
    for (let i = 0; i < 5; i++) hosts.push(await createHost());
  });

  after(async () => {
    await Promise.allSettled(hosts.map((h) => h.stop()));
  });

  it('reports a bad bootstrap address without failing', async () => {
    const good = hosts[0].getMultiaddrs()[0].toString();
    const results = await bootstrap(hosts[1], ['/ip4/127.0.0.1/tcp/1/p2p/not-a-peer', 'nonsense', good], {
      attempts: 2,
      initialDelayMs: 10,
      dialTimeoutMs: 1_000,
    });
    assert.equal(results[0].ok, false);
    assert.equal(results[1].ok, false);
    assert.match(results[1].error ?? '', /invalid address/);
    assert.equal(results[2].ok, true);
    assert.equal(results[2].peer, hosts[0].peerId.toString());
  });

  it('five hosts find each other from one bootstrap node, and DHT provide/findProviders works', async () => {
    const boot = hosts[0].getMultiaddrs()[0].toString();
    const results = await Promise.all(hosts.slice(1).map((h) => bootstrap(h, [boot], { attempts: 3 })));
    for (const [r] of results) assert.equal(r.ok, true, r.error);
    // Each host finds every other one through the DHT (only the bootstrap node is known at first).
    for (const h of hosts.slice(1)) {
      for (const other of hosts.slice(1)) {
        if (other === h) continue;
        const info = await h.peerRouting.findPeer(other.peerId, { signal: AbortSignal.timeout(10_000) });
        assert.ok(info.multiaddrs.length > 0, 'found without addresses');
        // Dial by peer id: libp2p tries every known address (one may be the remote's ephemeral outbound port).
        await h.dial(other.peerId, { signal: AbortSignal.timeout(5_000) });
      }
    }
    for (const h of hosts) assert.ok(h.getPeers().length >= 4, `${h.peerId} knows ${h.getPeers().length} peers`);

    const cid = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('contract IR')));
    await hosts[2].contentRouting.provide(cid, { signal: AbortSignal.timeout(10_000) });
    const found: string[] = [];
    for await (const p of hosts[4].contentRouting.findProviders(cid, { signal: AbortSignal.timeout(10_000) })) {
      found.push(p.id.toString());
      if (p.id.equals(hosts[2].peerId)) break;
    }
    assert.ok(found.includes(hosts[2].peerId.toString()), `providers found: ${found.join(', ')}`);
  });

  it('persistent discovery re-dials when a peer drops below the minimum', async () => {
    const [a, b] = [await createHost(), await createHost()];
    try {
      const boot = a.getMultiaddrs()[0].toString();
      const keeper = new ConnectionKeeper(b, {
        minConnections: 1,
        checkIntervalMs: 100,
        bootstrap: [boot],
        logger: pino({ level: 'silent' }),
      });
      assert.equal(await keeper.check(), 1);
      await b.hangUp(a.peerId);
      assert.equal(b.getPeers().length, 0);
      keeper.start();
      const deadline = Date.now() + 10_000;
      while (b.getPeers().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await keeper.stop();
      assert.equal(b.getPeers().length, 1, 'not reconnected');
      assert.ok(keeper.redials >= 2);
    } finally {
      await Promise.allSettled([a.stop(), b.stop()]);
    }
  });

  it('DHT put/get of a code record across nodes; a record that does not match its hash is refused', async () => {
    const code = new TextEncoder().encode('contract IR for the DHT');
    const key = codeRecordKey(keccak256(code));
    await hosts[1].contentRouting.put(key, code, { signal: AbortSignal.timeout(10_000) });
    const value = await hosts[3].contentRouting.get(key, { signal: AbortSignal.timeout(10_000) });
    assert.deepEqual(new Uint8Array(value), code);
    // A forged record: the validator of every receiving node rejects it, so nobody can read it back.
    const forged = codeRecordKey(keccak256(new TextEncoder().encode('other')));
    await hosts[1].contentRouting.put(forged, code, { signal: AbortSignal.timeout(5_000) }).catch(() => {});
    await assert.rejects(hosts[4].contentRouting.get(forged, { signal: AbortSignal.timeout(5_000) }));
  });
});
