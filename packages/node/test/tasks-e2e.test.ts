// Secret contract tasks end to end: five node processes (real libp2p on loopback), a real anvil chain, and the
// client SDK as a dApp would use it: deploy, call with secret inputs, get public and private outputs back,
// state carried across calls, receipts committed on chain in batches by the committee.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MosaicClient } from '@mosaic/client';
import { tasksAbi } from '@mosaic/contracts';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, max, reveal, secret, state } from '@mosaic/lang';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';

const tally = state({ total: secret.int64 });
const E2E = contract('EndToEnd', {
  state: tally,
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({
      aIsRicher: reveal(a.gt(b)),
      larger: max(a, b),
    })),
    add: fn({ x: secret.int64 }, ({ x }) => {
      tally.total = tally.total.add(x);
      return undefined;
    }),
    total: fn({}, () => ({ total: reveal(tally.total) })),
  },
});

describe('secret contract tasks across five node processes', { timeout: 240_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  let client: MosaicClient;

  before(async () => {
    network = await startLocalNetwork({ count: 5 });
    ({ ledger, nodes } = network);
    const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 7 });
    await ledger.fundMos(caller.address);
    client = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(caller.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[2]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
  });
  after(async () => {
    // On failure, the nodes' warnings tell what went wrong (no secret is ever logged).
    if (process.env.MOSAIC_E2E_LOGS) {
      nodes?.forEach((n, i) => {
        for (const line of n.logs.filter((l) => Number(l.level) >= (i === 2 ? 20 : 40)).slice(-25)) {
          console.error(`node ${i}: ${JSON.stringify(line)}`);
        }
      });
    }
    await network?.stop();
  });

  it('deploys, computes on secret inputs, returns public and private outputs, keeps state, commits receipts', async () => {
    const compiled = compile(E2E);
    const deployed = await client.deploy(compiled, { n: 5, t: 2 });
    assert.equal(deployed.codeStored, true);
    await ledger.advanceEpoch();
    const handle = client.contract(compiled, deployed.contractId);

    const stages: string[] = [];
    const compared = await handle.call.compare(
      { a: 1_200_000n, b: -35n },
      { autoDeposit: true, onProgress: (p: { stage: string }) => stages.push(p.stage) },
    );
    assert.equal(compared.outputs.aIsRicher, true);
    assert.equal(compared.outputs.larger, 1_200_000n);
    assert.deepEqual(compared.badMembers, []);
    assert.ok(stages.includes('completed') && stages.includes('reconstructed'), stages.join(','));

    // State: three additions (in ledger order), then the total is revealed.
    for (const x of [5n, -12n, 40n]) await handle.call.add({ x }, { autoDeposit: true });
    const total = await handle.call.total({}, { autoDeposit: true });
    assert.equal(total.outputs.total, 33n);

    // Every task is receipted on chain by the committee (batched), and the node reports it.
    const deadline = Date.now() + 30_000;
    let receipted = 0n;
    while (Date.now() < deadline) {
      const queue = (await ledger.client.readContract({
        address: ledger.addresses.tasks,
        abi: tasksAbi,
        functionName: 'queueOf',
        args: [deployed.contractId],
      })) as readonly [bigint, string, bigint, string];
      receipted = queue[2];
      if (receipted === 5n) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(receipted, 5n, 'all five tasks receipted on chain');
    // Every node's listener moves the task to receipted once it sees the commit: each node is checked on its own.
    const taskId = `0x${total.task.taskId.toString(16)}`;
    for (const [i, node] of nodes.entries()) {
      let info: { status: string; receiptStatus?: string } = { status: '' };
      const until = Date.now() + 15_000;
      do {
        info = (await rpc(node.rpcUrl(), 'mosaic_getTask', { taskId })) as typeof info;
        if (info.status === 'receipted') break;
        await new Promise((r) => setTimeout(r, 100));
      } while (Date.now() < until);
      assert.equal(info.status, 'receipted', `node ${i} status`);
      assert.equal(info.receiptStatus, 'success', `node ${i} receipt status`);
    }
  });
});
