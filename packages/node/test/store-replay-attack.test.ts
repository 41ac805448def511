// Attack: replaying a signed store request after a handover. The owner's store request (its EIP-712 signature
// over the batch, the sealed shares) passes through a gateway node and stays valid until it expires. After the
// epoch changes and the old committee hands the shares over to the new one, whoever kept the request sends it
// again: a member of both committees would overwrite the share it was handed over with the old one, and an old
// member that deleted its share would take it back. A member now refuses a store of an earlier epoch than the
// data's latest here (its record, or the epoch it handed the pointer over to) or on chain.
// Four node processes, a storage committee of (3, 1), a real anvil chain.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MosaicClient } from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { bytesToHex, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { nodeAead } from '../src/crypto/node-crypto.js';
import type { NodeProcess } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';

const N = 3;
const T = 1;

interface StoreAnswer {
  stored: { member: number; ok: boolean; error?: string }[];
}

describe('attack: replaying a signed store request after a handover', { timeout: 420_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  let client: MosaicClient;
  const data = new Uint8Array(randomBytes(2_000));

  before(async () => {
    network = await startLocalNetwork({ count: 4 });
    ({ ledger, nodes } = network);
    await ledger.advanceEpoch();
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 12 });
    await ledger.fundEth(account.address);
    await ledger.fundMos(account.address);
    client = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(account.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[0]!.rpcUrl(),
      aead: nodeAead,
    });
  });
  after(async () => {
    await network?.stop();
  });

  it('every member refuses the replayed request, and the handed-over data loads unchanged', async () => {
    // The gateway (or anyone on the way) keeps the owner's store requests.
    const captured: object[] = [];
    const send = client.node.requestBinary.bind(client.node);
    client.node.requestBinary = async (method: string, params: object) => {
      if (method === 'mosaic_storeData') captured.push(structuredClone(params));
      return send(method, params);
    };
    const { pointer } = await client.data.store(data, { dataType: 1, n: N, t: T });
    assert.ok(captured.length > 0, 'the store request was seen');

    // The epoch advances until the pointer's committee changes, and the new committee answers a load.
    const record = await client.data.record(pointer as Hex);
    const first = (await client.data.committee(pointer, record.storedAtEpoch, N)).map((m) => m.operator).join();
    let epoch = record.storedAtEpoch;
    let next = first;
    for (let i = 0; i < 12 && next === first; i++) {
      epoch = await ledger.advanceEpoch();
      next = (await client.data.committee(pointer, epoch, N)).map((m) => m.operator).join();
    }
    assert.notEqual(next, first, 'the committee changed within 12 epochs');
    const deadline = Date.now() + 90_000;
    let loaded: Awaited<ReturnType<MosaicClient['data']['load']>> | undefined;
    while (Date.now() < deadline) {
      loaded = await client.data.load(pointer, { n: N, t: T }).catch(() => undefined);
      if (loaded?.epoch === epoch && loaded.answered.length === N) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(loaded?.epoch, epoch, 'the new committee holds the data');

    // The replay, still within the request's lifetime.
    for (const params of captured) {
      const answer = (await send('mosaic_storeData', params)) as StoreAnswer;
      for (const s of answer.stored) {
        assert.equal(s.ok, false, `member ${s.member} took the replayed share`);
        assert.match(s.error ?? '', /earlier epoch/, `member ${s.member}`);
      }
    }

    // The data still loads from the new committee, every member's share consistent.
    const after = await client.data.load(pointer, { n: N, t: T });
    assert.equal(after.epoch, epoch);
    assert.deepEqual(after.answered, [1, 2, 3]);
    assert.deepEqual(after.wrong, []);
    assert.equal(Buffer.compare(after.data.value as Uint8Array, data), 0);
  });
});
