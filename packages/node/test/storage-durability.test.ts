// Durability of stored data: six `mosaic node` processes, a storage committee of (3, 1).
//  - epoch handover: the epoch advances until the pointer's committee changes; the old members reshare to the
//    new ones, the data loads from the new committee unchanged, and only the new committee holds shares;
//  - lost-disk recovery: a member's shares are wiped (keys kept); it recovers them from the others by
//    re-sharing, and a load that needs its share (t other members offline) succeeds.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MosaicClient } from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { type Address, bytesToHex, getAddress, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { nodeAead } from '../src/crypto/node-crypto.js';
import { Store } from '../src/db/store.js';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';
import { loadOrCreateKeys } from '../src/keys/keystore.js';
import { OPERATOR_TOKEN_FILE, readOperatorToken } from '../src/rpc/operator-token.js';
import { ShareStore } from '../src/storage/share-store.js';

const N = 3;
const T = 1;

describe('stored data across epochs and lost disks (six nodes, committee (3, 1))', { timeout: 420_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  let client: MosaicClient;
  let operators: Address[];
  const data = new Uint8Array(randomBytes(700_000)); // two segments
  let pointer: Hex;
  /** The node the handover's loads go through (outside both committees when one exists). */
  let gateway = 0;

  before(async () => {
    network = await startLocalNetwork({ count: 6 });
    ({ ledger, nodes } = network);
    await ledger.advanceEpoch();
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 12 });
    await ledger.fundEth(account.address);
    await ledger.fundMos(account.address);
    operators = await Promise.all(
      nodes.map(async (n) => getAddress(((await rpc(n.rpcUrl(), 'mosaic_info')) as { operator: Address }).operator)),
    );
    const connect = (index: number) =>
      MosaicClient.connect({
        chain: { rpcUrl: ledger.url, account: bytesToHex(account.getHdKey().privateKey!) },
        addresses: ledger.addresses,
        node: nodes[index]!.rpcUrl(),
        aead: nodeAead,
      });
    client = await connect(0);
    pointer = (await client.data.store(data, { dataType: 1, n: N, t: T })).pointer;
  });
  after(async () => {
    if (process.env.MOSAIC_E2E_LOGS) {
      nodes?.forEach((n, i) => {
        for (const line of n.logs.filter((l) => Number(l.level) >= 30).slice(-30)) {
          console.error(`node ${i}: ${JSON.stringify(line)}`);
        }
      });
    }
    await network?.stop();
  });

  /**
   * The epoch advances until the pointer's committee changes and the new committee answers a load, through a
   * gateway outside both committees. Run once, by whichever case needs it first, so each case also runs alone.
   */
  interface Handover {
    epoch: bigint;
    committee: Address[];
    client: MosaicClient;
    loaded: Awaited<ReturnType<MosaicClient['data']['load']>> | undefined;
  }
  let handover: Promise<Handover> | undefined;
  const handedOver = () => {
    handover ??= handOver();
    return handover;
  };

  async function handOver(): Promise<Handover> {
    const record = await client.data.record(pointer);
    const first = (await client.data.committee(pointer, record.storedAtEpoch, N)).map((m) => m.operator);
    let epoch = record.storedAtEpoch;
    let next = first;
    for (let i = 0; i < 12 && next.join() === first.join(); i++) {
      epoch = await ledger.advanceEpoch();
      next = (await client.data.committee(pointer, epoch, N)).map((m) => m.operator);
    }
    assert.notEqual(next.join(), first.join(), 'the committee changed within 12 epochs');
    // A gateway outside both committees.
    gateway = operators.findIndex((o) => !first.includes(o) && !next.includes(o));
    if (gateway < 0) gateway = operators.findIndex((o) => !next.includes(o));
    const viaGateway = await MosaicClient.connect({
      chain: {
        rpcUrl: ledger.url,
        account: bytesToHex(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 12 }).getHdKey().privateKey!),
      },
      addresses: ledger.addresses,
      node: nodes[gateway]!.rpcUrl(),
      aead: nodeAead,
    });
    // The handover runs when the nodes see EpochAdvanced: wait until the new committee answers.
    const deadline = Date.now() + 90_000;
    let loaded: Awaited<ReturnType<MosaicClient['data']['load']>> | undefined;
    while (Date.now() < deadline) {
      loaded = await viaGateway.data.load(pointer, { n: N, t: T }).catch(() => undefined);
      if (loaded?.epoch === epoch && loaded.answered.length === N) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return { epoch, committee: next, client: viaGateway, loaded };
  }

  it('hands the shares over to the new committee when the epoch changes; the data loads from it unchanged', async () => {
    const { epoch, loaded } = await handedOver();
    assert.ok(loaded, 'the data loads after the epoch change');
    assert.equal(loaded.epoch, epoch, 'the committee of the new epoch answered');
    assert.deepEqual(loaded.answered, [1, 2, 3]);
    assert.equal(loaded.data.encoding, 'bytes');
    assert.equal(Buffer.compare(loaded.data.value as Uint8Array, data), 0);
    // That old members outside the new committee deleted their shares is read from each node's disk below.
  });

  it('recovers a wiped member by re-sharing; a load needing its share then succeeds', async () => {
    const { committee, client } = await handedOver();
    const seats = committee.map((o) => operators.indexOf(o));
    const lost = seats.find((i) => i !== gateway && i !== 0) ?? seats[0]!;
    // A node outside the committee has no seat to recover.
    await assert.rejects(recoverData(gateway), /no epoch/);
    await nodes[lost]!.kill('SIGTERM');
    await wipeShares(network.dataDirs[lost]!);
    nodes[lost] = await restart(lost);
    const recovered = (await recoverData(lost)) as {
      member: number;
      helpers: number[];
    };
    const lostMember = committee.indexOf(operators[lost]!) + 1;
    assert.equal(recovered.member, lostMember);
    assert.equal(recovered.helpers.length, T + 1);
    // t other members offline: only t + 1 remain, the recovered one among them.
    const offline = seats.filter((i) => i !== lost && i !== gateway).slice(0, T);
    for (const i of offline) await nodes[i]!.kill('SIGTERM');
    const loaded = await client.data.load(pointer, { n: N, t: T });
    assert.ok(loaded.answered.includes(lostMember), 'the recovered member answered');
    assert.equal(loaded.answered.length, T + 1);
    assert.equal(Buffer.compare(loaded.data.value as Uint8Array, data), 0);
    for (const i of offline) nodes[i] = await restart(i);
  });

  it('leaves shares only with the current committee, all for the current epoch', async () => {
    const { epoch, committee } = await handedOver();
    // A node's store is open only to its process: each node in turn stops, its disk is read, and it restarts.
    for (const [i, dir] of network.dataDirs.entries()) {
      await nodes[i]!.kill('SIGTERM');
      const { keys } = await loadOrCreateKeys(dir, {});
      const store = await Store.open(`${dir}/store`);
      try {
        const shares = new ShareStore(store, keys.x25519SecretKey);
        const records = await shares.segmentsOf(pointer);
        if (committee.includes(operators[i]!)) {
          assert.equal(records.length, 2, `member node ${i} holds both segments`);
          for (const r of records) {
            assert.equal(r.epoch, epoch);
            assert.equal(r.member, committee.indexOf(operators[i]!) + 1);
          }
        } else {
          assert.equal(records.length, 0, `node ${i} outside the committee holds nothing`);
        }
      } finally {
        await store.close();
      }
      nodes[i] = await restart(i);
    }
  });

  /** mosaic_recoverData on node `index`'s operator listener, with the token from its data directory. */
  async function recoverData(index: number): Promise<unknown> {
    const token = await readOperatorToken(join(network.dataDirs[index]!, OPERATOR_TOKEN_FILE));
    return rpc(nodes[index]!.operatorRpcUrl(), 'mosaic_recoverData', { pointer, n: N, t: T }, { token });
  }

  async function restart(index: number): Promise<NodeProcess> {
    const node = await network.restartNode(index, { seenBy: index === gateway ? undefined : gateway });
    nodes[index] = node;
    return node;
  }
});

/** Deletes every stored share on a stopped node's disk (its keys stay). */
async function wipeShares(dataDir: string): Promise<void> {
  const { keys } = await loadOrCreateKeys(dataDir, {});
  const store = await Store.open(`${dataDir}/store`);
  try {
    const shares = new ShareStore(store, keys.x25519SecretKey);
    for (const p of await shares.pointers()) await shares.deletePointer(p);
    assert.equal((await shares.pointers()).length, 0);
  } finally {
    await store.close();
  }
}
