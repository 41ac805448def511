import '../src/shim.js';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { mosaicContracts, mosaicTokenAbi } from '@mosaic/contracts';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { mul, open, Party, share, vec } from '@mosaic/mpc';
import { type Address, keccak256, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { ChainMembership, peerIdToBytes, sessionIdFor } from '../src/chain/membership.js';
import { Store } from '../src/db/store.js';
import { startLedger, type TestLedger } from '../src/devnet/ledger.js';
import { bootstrap } from '../src/p2p/bootstrap.js';
import { createHost, type Host } from '../src/p2p/host.js';
import { CommitteeSessions, SessionBindings } from '../src/sessions/committee-sessions.js';
import { MpcStreams } from '../src/sessions/libp2p-transport.js';

const WORKER = fileURLToPath(new URL('./listener-worker.js', import.meta.url));

describe('chain', { timeout: 120_000 }, () => {
  let ledger: TestLedger;
  const hosts: Host[] = [];
  before(async () => {
    ledger = await startLedger();
  });
  after(async () => {
    await Promise.allSettled(hosts.map((h) => h.stop()));
    await ledger?.stop();
  });

  it('the listener resumes after kill -9 without missing or repeating an event', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-listener-'));
    const transfers = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const to = `0x${randomBytes(20).toString('hex')}` as Address;
        await ledger.send(ledger.deployer, ledger.addresses.token, mosaicTokenAbi, 'transfer', [to, BigInt(i + 1)]);
      }
    };
    await transfers(30);
    const run = (): {
      child: ChildProcess;
      next: (match: (m: Record<string, string | number>) => boolean) => Promise<void>;
    } => {
      const child = spawn(process.execPath, [WORKER, ledger.url, JSON.stringify(ledger.addresses), dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const seen: Record<string, string | number>[] = [];
      const waiters: { match: (m: Record<string, string | number>) => boolean; resolve: () => void }[] = [];
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const message = JSON.parse(line) as Record<string, string | number>;
        seen.push(message);
        for (const w of [...waiters])
          if (w.match(message)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
      });
      const next = (match: (m: Record<string, string | number>) => boolean) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('listener worker too slow')), 30_000);
          waiters.push({
            match,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      return { child, next };
    };
    const exit = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

    // First run: killed in the middle of the backlog.
    const first = run();
    await first.next((m) => Number(m.delivered) >= 12);
    first.child.kill('SIGKILL');
    await exit(first.child);
    await transfers(20);
    // Second run: catches up with everything, including events created while it was down.
    const head = await ledger.client.getBlockNumber({ cacheTime: 0 });
    const second = run();
    await second.next((m) => m.height !== undefined && BigInt(m.height) >= head);
    second.child.kill('SIGKILL');
    await exit(second.child);

    const logs = await ledger.client.getLogs({
      address: Object.values(ledger.addresses),
      fromBlock: 0n,
      toBlock: head,
    });
    const expected = new Set(logs.map((l) => `event:${l.blockNumber}:${l.logIndex}`));
    const store = await Store.open(dir);
    try {
      const recorded = new Set<string>();
      for await (const key of store.tasks.keys({ prefix: 'event:' })) recorded.add(key);
      const missing = [...expected].filter((k) => !recorded.has(k));
      const extra = [...recorded].filter((k) => !expected.has(k));
      assert.deepEqual(missing, [], 'events missed');
      assert.deepEqual(extra, [], 'events that do not exist');
      // Each event counted once: a repeat would make the count exceed the number of distinct events.
      assert.equal(await store.meta.get('count'), expected.size, 'an event was delivered twice');
      assert.ok(expected.size >= 50);
    } finally {
      await store.close();
    }
  });

  it('a 3-party multiplication whose membership comes from the chain; an unregistered peer is refused', async () => {
    const operators = [1, 2, 3].map((i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }));
    const libp2pKeys = await Promise.all(operators.map(() => generateKeyPair('Ed25519')));
    for (const [i, operator] of operators.entries()) {
      const x25519 = keccak256(toHex(`x25519-${i}`));
      await ledger.registerNode(operator, x25519, peerIdToBytes(peerIdFromPrivateKey(libp2pKeys[i])));
    }
    const codeHash = keccak256(toHex('a secret contract'));
    const contractId = await ledger.deploySecretContract(codeHash, 3, 1);
    const epoch = await ledger.advanceEpoch();

    const members = await Promise.all(libp2pKeys.map((privateKey) => createHost({ privateKey })));
    const intruder = await createHost();
    hosts.push(...members, intruder);
    const contracts = mosaicContracts(ledger.addresses, { public: ledger.client });
    const memberships = members.map(() => new ChainMembership(contracts));
    const bindings = memberships.map((committees) => new SessionBindings({ committees }));
    const streams = members.map((host, i) => new MpcStreams(host, { isMember: bindings[i].isMember }));
    const openers = members.map(
      (_, i) => new CommitteeSessions({ committees: memberships[i], transport: streams[i], bindings: bindings[i] }),
    );
    const intruderStreams = new MpcStreams(intruder, { isMember: () => true });
    await Promise.all([...streams, intruderStreams].map((s) => s.start()));
    for (const host of members.slice(1)) await bootstrap(host, [members[0].getMultiaddrs()[0].toString()]);
    await bootstrap(members[2], [members[1].getMultiaddrs()[0].toString()]);
    await bootstrap(
      intruder,
      members.map((h) => h.getMultiaddrs()[0].toString()),
    );

    const committee = await memberships[0].committee(contractId, epoch);
    assert.equal(committee.members.length, 3);
    assert.deepEqual(new Set(committee.members.map((m) => m.peerId)), new Set(members.map((h) => h.peerId.toString())));
    const sessionId = sessionIdFor(contractId, epoch, 'test-mul');
    const sessions = await Promise.all(
      members.map((host, i) =>
        openers[i].openCommittee({
          contractId,
          epoch,
          sessionId,
          self: host.peerId,
          openTimeoutMs: 10_000,
        }),
      ),
    );
    // The intruder, not registered, claims to be party 1 of the same session.
    const fake = intruderStreams.openSession({
      sessionId,
      self: 1,
      members: [
        intruder.peerId,
        ...committee.members.slice(1).map((m) => members.find((h) => h.peerId.toString() === m.peerId)!.peerId),
      ],
      openTimeoutMs: 5_000,
    });
    const count = 1_000;
    const x = vec.random(count);
    const y = vec.random(count);
    const xs = share(x, 3, 1);
    const ys = share(y, 3, 1);
    const results = await Promise.all(
      sessions.map(async (s) => {
        const party = new Party({ transport: s.transport, t: 1, timeoutMs: 20_000 });
        return open(party, await mul(party, xs[s.self - 1], ys[s.self - 1]));
      }),
    );
    for (const z of results) assert.ok(vec.equal(z, vec.mul(x, y)), 'product differs from the plaintext');
    // Give the intruder's dials time to be answered.
    const deadline = Date.now() + 10_000;
    const refusedBy = () =>
      streams.filter((s) =>
        s.refusals.some((r) => r.peer === intruder.peerId.toString() && /not member 1/.test(r.reason)),
      );
    while (refusedBy().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(refusedBy().length, 2, JSON.stringify(streams.map((s) => s.refusals)));
    for (const s of sessions) s.transport.close();
    fake.close();
    // A session not bound to a committee accepts nobody.
    assert.equal(await bindings[0].isMember(randomBytes(32), 1, members[0].peerId), false);
    await Promise.all([...streams, intruderStreams].map((s) => s.stop()));
  });
});
