// Private data storage end to end: five `mosaic node` processes (real libp2p on loopback), a real
// anvil chain, and the client SDK. Round trips of several sizes, and every attack of the issue as its own case:
// no permission, revoked permission, forged signature, replayed request, a share tampered on one node's disk
// (named), a pointer that does not exist, a storage member offline (t + 1 still answer, and the load says so);
// shares survive a restart.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  dataDomain,
  LOAD_TYPES,
  type LoadRequest,
  MosaicClient,
  NodeRpcError,
  nobleAead,
  publicKeyToHex,
  SEGMENT_BYTES,
  toHex32,
} from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { vec } from '@mosaic/mpc';
import { type Address, bytesToHex, type Hex } from 'viem';
import { type HDAccount, mnemonicToAccount } from 'viem/accounts';
import { nodeAead } from '../src/crypto/node-crypto.js';
import { Store } from '../src/db/store.js';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';
import { loadOrCreateKeys } from '../src/keys/keystore.js';
import { RpcErrorCode } from '../src/rpc/errors.js';
import { StorageErrorCode } from '../src/storage/rpc.js';
import { ShareStore } from '../src/storage/share-store.js';

const TYPE_LOCATION = 3;
const TYPE_HEALTH = 4;

describe('private data storage across five node processes', { timeout: 420_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  const accounts: Record<'owner' | 'appX' | 'appY' | 'stranger', HDAccount> = {} as never;
  const clients: Record<string, MosaicClient> = {};
  /** The owner's data of several segments that the access, signature and replay cases load (none changes it). */
  let stored: { pointer: Hex; bytes: Uint8Array };
  /** Each node's operator, to check that every node answered for itself. */
  let operators: Address[];

  const connect = (account: HDAccount, nodeIndex = 0) =>
    MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(account.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[nodeIndex]!.rpcUrl(),
      aead: nodeIndex % 2 === 0 ? nodeAead : nobleAead,
    });

  before(async () => {
    network = await startLocalNetwork({ count: 5 });
    ({ ledger, nodes } = network);
    // Epoch 0 has no staked nodes in its snapshot; the next one has all five.
    await ledger.advanceEpoch();
    const names = ['owner', 'appX', 'appY', 'stranger'] as const;
    for (const [i, name] of names.entries()) {
      accounts[name] = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 11 + i });
      await ledger.fundEth(accounts[name].address);
      await ledger.fundMos(accounts[name].address);
      clients[name] = await connect(accounts[name], i % 2 === 0 ? 0 : 2);
    }
    operators = await Promise.all(
      nodes.map(async (n) => ((await rpc(n.rpcUrl(), 'mosaic_info')) as { operator: Address }).operator),
    );
    const bytes = new Uint8Array(randomBytes(1_100_000));
    stored = { pointer: (await clients.owner!.data.store(bytes, { dataType: TYPE_LOCATION })).pointer, bytes };
  });
  after(async () => {
    if (process.env.MOSAIC_E2E_LOGS) {
      nodes?.forEach((n, i) => {
        for (const line of n.logs.filter((l) => Number(l.level) >= 40).slice(-20)) {
          console.error(`node ${i}: ${JSON.stringify(line)}`);
        }
      });
    }
    await network?.stop();
  });

  it('stores and loads bytes of several sizes (one to several segments) and typed values', async () => {
    const owner = clients.owner!;
    for (const size of [0, 1, 15, 1_000, SEGMENT_BYTES - 18, SEGMENT_BYTES - 17, 1_100_000]) {
      const bytes = new Uint8Array(randomBytes(size));
      const result = await owner.data.store(bytes, { dataType: TYPE_LOCATION });
      assert.equal(result.size, size + 18);
      assert.equal(result.members.length, 5);
      const loaded = await owner.data.load(result.pointer);
      assert.equal(loaded.data.encoding, 'bytes');
      assert.deepEqual(loaded.data.value, bytes, `round trip of ${size} bytes`);
      assert.deepEqual(loaded.answered, [1, 2, 3, 4, 5]);
      assert.deepEqual(loaded.missing, []);
      assert.deepEqual(loaded.wrong, []);
    }
    const samples = [12n, -7n, 1n << 62n, -(1n << 63n)];
    const typed = await owner.data.store({ encoding: 'int64', value: samples }, { dataType: TYPE_HEALTH });
    assert.deepEqual((await owner.data.load(typed.pointer)).data, { encoding: 'int64', value: samples });
    const text = await owner.data.store({ encoding: 'text', value: 'lat 52.37, lon 4.89 ✓' }, { dataType: 3 });
    assert.deepEqual((await clients.owner!.data.load(text.pointer)).data.value, 'lat 52.37, lon 4.89 ✓');
    // The pointer is SHA-256 of the salted payload: storing the same data twice gives two pointers.
    const again = await owner.data.store({ encoding: 'text', value: 'lat 52.37, lon 4.89 ✓' }, { dataType: 3 });
    assert.notEqual(again.pointer, text.pointer);
    const listed = await owner.data.list();
    assert.ok(listed.some((r) => r.pointer === typed.pointer && r.dataType === TYPE_HEALTH));
    assert.ok(listed.every((r) => r.owner === accounts.owner.address));
  });

  it('refuses a pointer that does not exist (client and node)', async () => {
    const pointer = toHex32(new Uint8Array(randomBytes(32)));
    await assert.rejects(clients.owner!.data.load(pointer), /no data is recorded on chain/);
    const { params } = await signedLoad(accounts.owner, pointer);
    await assert.rejects(rpc(nodes[1]!.rpcUrl(), 'mosaic_loadData', params), (e: { code?: number }) => {
      assert.equal(e.code, RpcErrorCode.NotOnChain);
      return true;
    });
  });

  it('refuses a load without permission, grants, and refuses again after revocation', async () => {
    // Each of the five members refuses on its own: the gateway's error carries every member's answer.
    const denied = (e: unknown) => {
      assert.ok(e instanceof NodeRpcError, String(e));
      assert.equal(e.code, StorageErrorCode.AccessDenied, e.message);
      assert.match(e.message, /may not use the data/);
      assertRefusedByEveryMember(e.data, 'access-denied', /may not use the data/);
      return true;
    };
    await assert.rejects(clients.stranger!.data.load(stored.pointer), denied);
    await assert.rejects(clients.appX!.data.load(stored.pointer), denied);
    // Granting another data type does not open this one.
    const granted = await clients.owner!.data.grant(accounts.appX.address, [TYPE_HEALTH]);
    assert.ok(granted.keyPair, 'the compound identity is created with its own key pair');
    assert.notEqual(granted.identityKey, `0x${'0'.repeat(64)}`);
    await assert.rejects(clients.appX!.data.load(stored.pointer), denied);
    await clients.owner!.data.grant(accounts.appX.address, [TYPE_LOCATION]);
    await clients.owner!.data.grant(accounts.appY.address, [TYPE_LOCATION]);
    assert.deepEqual((await clients.appX!.data.load(stored.pointer)).data.value, stored.bytes);
    const revoked = await clients.owner!.data.revoke(accounts.appX.address, [TYPE_LOCATION]);
    assert.deepEqual(revoked.dataTypes, [TYPE_HEALTH]);
    await assert.rejects(clients.appX!.data.load(stored.pointer), denied);
    // Y still works.
    assert.deepEqual((await clients.appY!.data.load(stored.pointer)).data.value, stored.bytes);
  });

  it('refuses a forged signature', async () => {
    // The stranger signs a request in the owner's name.
    const { params } = await signedLoad(accounts.stranger, stored.pointer, accounts.owner.address);
    await assert.rejects(loadRpc(nodes[3]!.rpcUrl(), params), (e: RpcFailure) => {
      assert.equal(e.code, StorageErrorCode.BadSignature, e.message);
      assert.match(e.message, /not signed by its requester/);
      assertRefusedByEveryMember(e.data, 'bad-signature', /not signed by its requester/);
      return true;
    });
    // A signature over other bytes (the nonce changed after signing).
    const other = await signedLoad(accounts.owner, stored.pointer);
    other.params.request.nonce = toHex32(new Uint8Array(randomBytes(32)));
    await assert.rejects(loadRpc(nodes[3]!.rpcUrl(), other.params), (e: RpcFailure) => {
      assert.equal(e.code, StorageErrorCode.BadSignature);
      assertRefusedByEveryMember(e.data, 'bad-signature');
      return true;
    });
  });

  it('refuses a replayed load request', async () => {
    const { params } = await signedLoad(accounts.owner, stored.pointer);
    const first = (await rpc(nodes[1]!.rpcUrl(), 'mosaic_loadData', params)) as { answers: { envelope?: string }[] };
    assert.equal(first.answers.filter((a) => a.envelope).length, 5);
    // The same request again, through the same or another gateway: every member refuses it.
    for (const gateway of [1, 4]) {
      await assert.rejects(loadRpc(nodes[gateway]!.rpcUrl(), params), (e: RpcFailure) => {
        assert.equal(e.code, StorageErrorCode.Replayed);
        assertRefusedByEveryMember(e.data, 'replayed');
        return true;
      });
    }
  });

  it('rejects malformed params with clear errors', async () => {
    const url = nodes[0]!.rpcUrl();
    for (const params of [
      {},
      { pointer: '0x12', n: 5, t: 2, segment: 0, expiresAt: 1, shareHashes: [], signature: '0x', shares: [] },
      { request: { pointer: `0x${'11'.repeat(32)}` }, signature: '0x', segment: -1 },
    ]) {
      for (const method of ['mosaic_storeData', 'mosaic_loadData']) {
        await assert.rejects(rpc(url, method, params), (e: { code?: number }) => {
          assert.equal(e.code, RpcErrorCode.InvalidParams);
          return true;
        });
      }
    }
  });

  it('loads with a member offline (t + 1 answer, the load says which), names a member whose share was tampered on disk, and keeps shares across restarts', async () => {
    // Data of its own: this case tampers with the shares on disk.
    const bytes = new Uint8Array(randomBytes(1_100_000));
    const stored = { pointer: (await clients.owner!.data.store(bytes, { dataType: TYPE_LOCATION })).pointer, bytes };
    const record = await clients.owner!.data.record(stored.pointer);
    const committee = await clients.owner!.data.committee(stored.pointer, record.storedAtEpoch, 5);
    // Two victims, neither the bootstrap node 0 nor the gateways 0 and 2.
    const victims = [3, 4];
    const memberOf = (nodeIndex: number) =>
      committee.find((m) => m.operator.toLowerCase() === operators[nodeIndex]!.toLowerCase())!.member;
    const [tampered, corrupted] = victims.map(memberOf) as [number, number];

    // Offline: two of five members down, the load still succeeds with t + 1 = 3 and names the missing ones.
    for (const i of victims) await nodes[i]!.kill('SIGTERM');
    const degraded = await clients.owner!.data.load(stored.pointer);
    assert.deepEqual(degraded.data.value, stored.bytes);
    assert.deepEqual(
      degraded.answered,
      [1, 2, 3, 4, 5].filter((m) => m !== tampered && m !== corrupted),
    );
    assert.deepEqual(degraded.missing.map((m) => m.member).sort(), [tampered, corrupted].sort());
    assert.ok(
      degraded.missing.every((m) => /unavailable|unreachable/.test(m.reason)),
      JSON.stringify(degraded.missing),
    );

    // A malicious operator rewrites its share (re-encrypted with its own key, so only the consistency check can
    // catch it); another node's disk flips a byte (its at-rest authentication catches it).
    const segment = 1;
    await editShares(network.dataDirs[victims[0]!]!, stored.pointer, segment, 'rewrite');
    await editShares(network.dataDirs[victims[1]!]!, stored.pointer, segment, 'flip');
    for (const i of victims) nodes[i] = await restart(i);
    const checked = await clients.owner!.data.load(stored.pointer);
    assert.deepEqual(checked.data.value, stored.bytes, 'the data is still right');
    assert.deepEqual(
      checked.wrong.map((w) => w.member),
      [tampered],
    );
    assert.equal(checked.wrong[0]!.operator.toLowerCase(), operators[victims[0]!]!.toLowerCase());
    assert.deepEqual(
      checked.missing.map((m) => m.member),
      [corrupted],
    );
    assert.match(checked.missing[0]!.reason, /corrupted/);

    // Shares survive the restart: other data stored before it loads from all five members.
    const before = await clients.owner!.data.store(new Uint8Array(randomBytes(5_000)), { dataType: 1 });
    await nodes[1]!.kill('SIGTERM');
    nodes[1] = await restart(1);
    const after = await clients.owner!.data.load(before.pointer);
    assert.deepEqual(after.answered, [1, 2, 3, 4, 5]);
  });

  /**
   * A refused load's error data lists each member's own answer: none answered, and all five members, one per
   * node, refused with `kind` (so the case fails if any single node would have served the load).
   */
  function assertRefusedByEveryMember(data: unknown, kind: string, reason?: RegExp) {
    const { answered, failures } = data as { answered: number[]; failures: RefusingMember[] };
    assert.deepEqual(answered, [], 'no member answered');
    assert.deepEqual(failures.map((f) => f.member).sort(), [1, 2, 3, 4, 5]);
    assert.deepEqual(
      failures.map((f) => f.operator.toLowerCase()).sort(),
      operators.map((o) => o.toLowerCase()).sort(),
      'each node refused as one member',
    );
    for (const f of failures) {
      assert.ok(f.error.startsWith(`${kind}: `), `member ${f.member}: ${f.error}`);
      if (reason) assert.match(f.error, reason, `member ${f.member}`);
    }
  }

  async function restart(index: number): Promise<NodeProcess> {
    const node = await network.restartNode(index, { seenBy: 0 });
    nodes[index] = node;
    return node;
  }

  async function signedLoad(signer: HDAccount, pointer: Hex, requester: Address = signer.address) {
    const chainId = BigInt(ledger.client.chain?.id ?? 31337);
    const request: LoadRequest = {
      pointer,
      requester,
      responseKey: publicKeyToHex(new Uint8Array(randomBytes(32))),
      nonce: toHex32(new Uint8Array(randomBytes(32))),
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 300),
      n: 5,
      t: 2,
    };
    const signature = await signer.signTypedData({
      domain: dataDomain(chainId, ledger.addresses.dataRegistry),
      types: LOAD_TYPES,
      primaryType: 'LoadData',
      message: request,
    });
    return {
      params: { request: { ...request, expiresAt: Number(request.expiresAt) }, signature, segment: 0 },
    };
  }
});

/** Edits one stored share on a stopped node's disk. */
async function editShares(dataDir: string, pointer: Hex, segment: number, how: 'rewrite' | 'flip') {
  const { keys } = await loadOrCreateKeys(dataDir, {});
  const store = await Store.open(`${dataDir}/store`);
  try {
    const shares = new ShareStore(store, keys.x25519SecretKey);
    const key = `${pointer.toLowerCase()}:${segment.toString(16).padStart(8, '0')}`;
    if (how === 'rewrite') {
      const record = await shares.get(pointer, segment);
      assert.ok(record, 'the victim holds the share');
      const share = record.share.slice();
      vec.set(share, 7, (vec.get(share, 7) + 1n) % ((1n << 127n) - 1n));
      await shares.put({ ...record, share });
    } else {
      const bytes = (await shares.records.get(key))!.slice();
      bytes[bytes.length - 40]! ^= 1;
      await shares.records.put(key, bytes);
    }
  } finally {
    await store.close();
  }
}

interface RefusingMember {
  member: number;
  operator: string;
  error: string;
}

type RpcFailure = Error & { code?: number; data?: unknown };

/** mosaic_loadData straight to a node, keeping the JSON-RPC error's data (each member's answer). */
async function loadRpc(url: string, params: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mosaic_loadData', params }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as {
    result?: unknown;
    error?: { code: number; message: string; data?: unknown };
  };
  if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
  return body.result;
}
