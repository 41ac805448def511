// Epoch changes under load: two callers stream tasks to a stateful contract (committee (3, 1) out of six node
// processes) while the epoch advances four times, with a stake increase, a node logging in and a node logging
// out in between. Each change moves the contract to a new committee, which gets the state by resharing from
// the old one. Every call completes exactly once, in ledger order, and the final state equals the plaintext
// fold of the inputs.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MosaicClient, TaskFailedError } from '@mosaic/client';
import { MIN_STAKE, mosaicTokenAbi, nodeRegistryAbi, tasksAbi } from '@mosaic/contracts';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, reveal, secret, state } from '@mosaic/lang';
import { bytesToHex, parseEventLogs } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';
import { loadKeys } from '../src/index.js';

const acc = state({ value: secret.int64 });
// acc = 3 * acc + x: the result depends on the order of the inputs, not only on their set.
const Fold = contract('EpochFold', {
  state: acc,
  functions: {
    push: fn({ x: secret.int64 }, ({ x }) => {
      acc.value = acc.value.mul(3n).add(x);
      return undefined;
    }),
    read: fn({}, () => ({ value: reveal(acc.value) })),
  },
});

interface Done {
  taskId: bigint;
  x: bigint;
}

describe('epoch handover under a stream of tasks', { timeout: 420_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let passed = false;

  before(async () => {
    network = await startLocalNetwork({ count: 5, epochLength: 4n, config: { tasks: { maxBatchDelayMs: 300 } } });
    ({ ledger } = network);
  });
  after(async () => {
    // A failed run says where the network stalled (CI keeps only the output).
    if (!passed && network) for (const line of network.timeline()) console.error(line);
    await network?.stop();
  });

  it('every call completes once, in order, across four epoch changes; the state equals the plaintext', async () => {
    const connect = async (addressIndex: number, node: number) => {
      const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex });
      await ledger.fundMos(caller.address);
      return MosaicClient.connect({
        chain: { rpcUrl: ledger.url, account: bytesToHex(caller.getHdKey().privateKey!) },
        addresses: ledger.addresses,
        node: network.nodes[node]!.rpcUrl(),
        WebSocket: WebSocket as never,
      });
    };
    const alice = await connect(7, 0);
    const bob = await connect(8, 1);
    const compiled = compile(Fold);
    const { contractId } = await alice.deploy(compiled, { n: 3, t: 1 });
    await ledger.advanceEpoch();

    const done: Done[] = [];
    let resent = 0;
    let streaming = true;
    const stream = async (client: MosaicClient, seed: bigint) => {
      const handle = client.contract(compiled, contractId);
      for (let i = 0n; streaming && i < 40n; i++) {
        const x = ((seed * 7n + i * 5n) % 9n) + 1n;
        for (;;) {
          try {
            const result = await handle.call.push({ x }, { autoDeposit: true, timeoutMs: 120_000 });
            done.push({ taskId: result.taskId, x });
            break;
          } catch (error) {
            // The epoch advanced between sealing and createTask, or the committee could not meet in time (a
            // member still receiving the handed-over state): that task is skipped, with no effect on the state
            // and no fee; the caller calls again. Skips are counted and checked on chain below.
            if (error instanceof TaskFailedError && (error.status === 'epoch-changed' || error.status === 'skipped')) {
              resent++;
              continue;
            }
            throw error;
          }
        }
      }
    };
    const streams = [stream(alice, 1n), stream(bob, 2n)];
    const progress = async (more: number) => {
      const target = done.length + more;
      const deadline = Date.now() + 120_000;
      while (done.length < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(done.length >= target, `${done.length} of ${target} calls done`);
    };
    const operatorOf = async (i: number) => (await loadKeys(network.dataDirs[i]!)).operator;

    const committees: string[][] = [];
    const committeeNow = async () => {
      const view = await alice.verifyCommittee(contractId);
      committees.push(view.members.map((m) => m.operator));
    };
    await committeeNow();

    // 1: a stake increase.
    await progress(2);
    const richer = await operatorOf(3);
    await ledger.fundMos(richer.address, 3n * MIN_STAKE);
    await ledger.send(richer, ledger.addresses.token, mosaicTokenAbi, 'approve', [
      ledger.addresses.nodeRegistry,
      3n * MIN_STAKE,
    ]);
    await ledger.send(richer, ledger.addresses.nodeRegistry, nodeRegistryAbi, 'deposit', [3n * MIN_STAKE]);
    await ledger.advanceEpoch();
    await committeeNow();

    // 2: a new node logs in.
    await progress(2);
    await network.addNode();
    await ledger.advanceEpoch();
    await committeeNow();

    // 3: a node logs out (it stays up to hand over what it holds).
    await progress(2);
    await ledger.send(await operatorOf(1), ledger.addresses.nodeRegistry, nodeRegistryAbi, 'logout', []);
    await ledger.advanceEpoch();
    await committeeNow();

    // 4: one more change of committee with no change of stake.
    await progress(2);
    await ledger.advanceEpoch();
    await committeeNow();
    await progress(2);
    streaming = false;
    await Promise.all(streams);

    const changed = committees.slice(1).filter((c, i) => c.join() !== committees[i]!.join()).length;
    assert.ok(changed >= 2, `the committee changed at ${changed} of 4 epoch changes: ${JSON.stringify(committees)}`);

    // The plaintext reference: the successful calls folded in ledger order.
    const ordered = [...done].sort((a, b) => (a.taskId < b.taskId ? -1 : 1));
    const expected = ordered.reduce((value, d) => 3n * value + d.x, 0n);
    const read = await alice.contract(compiled, contractId).call.read({}, { autoDeposit: true, timeoutMs: 120_000 });
    assert.equal(read.outputs.value, expected, `${ordered.length} pushes, ${resent} re-sent after a skip`);

    // On chain: every task receipted exactly once; ours succeeded, the others were epoch-change skips.
    const deadline = Date.now() + 60_000;
    let queue: readonly [bigint, string, bigint, string] = [0n, '', 0n, ''];
    while (Date.now() < deadline) {
      queue = (await ledger.client.readContract({
        address: ledger.addresses.tasks,
        abi: tasksAbi,
        functionName: 'queueOf',
        args: [contractId],
      })) as typeof queue;
      if (queue[2] === queue[0]) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(queue[2], queue[0], 'every created task is receipted');
    assert.equal(queue[0], BigInt(done.length + resent + 1));
    const logs = await ledger.client.getLogs({ address: ledger.addresses.tasks, fromBlock: 0n });
    const receipted = parseEventLogs({ abi: tasksAbi, logs, eventName: 'TaskReceipted' }).filter(
      (e) => e.args.taskId >> 64n === contractId,
    );
    const seen = new Set(receipted.map((e) => e.args.taskId));
    assert.equal(seen.size, receipted.length, 'no task receipted twice');
    for (const d of done) {
      const event = receipted.find((e) => e.args.taskId === d.taskId);
      assert.equal(event?.args.status, 1, `task ${d.taskId} succeeded`);
    }
    assert.equal(receipted.filter((e) => e.args.status === 3).length, resent);

    // Every node, member of the last committee or not, answers the read's public output (from its own receipt or
    // from the chain's TaskReceipted).
    const outputs = new Set<string>();
    for (const node of network.nodes) {
      const until = Date.now() + 20_000;
      let answer = { status: '', publicOutput: '0x' };
      do {
        answer = (await rpc(node.rpcUrl(), 'mosaic_getTaskResult', {
          taskId: `0x${read.taskId.toString(16)}`,
        })) as typeof answer;
        if (answer.status === 'receipted') break;
        await new Promise((r) => setTimeout(r, 200));
      } while (Date.now() < until);
      outputs.add(answer.publicOutput);
    }
    assert.equal(outputs.size, 1, [...outputs].join(' / '));
    assert.notEqual([...outputs][0], '0x');

    // Handovers ran, and nodes that left a committee dropped their share.
    const lines = network.nodes.flatMap((n) => n.logs.filter((l) => l.msg === 'epoch handover done'));
    const epochs = new Set(lines.map((l) => String(l.toEpoch)));
    assert.ok(epochs.size >= 4, `handovers done for epochs ${[...epochs].join(', ')}`);
    assert.ok(
      lines.some((l) => l.deleted === true),
      'some node left a committee and deleted its share',
    );
    passed = true;
  });
});
