// Leader fail-over for receipt batches, on five node processes and a real anvil chain. Member 1 of a committee
// commits its receipts; when it stalls (SIGSTOP) or dies (kill -9) after a task completed, member 2 commits the
// receipt itself after its fail-over period, with the signatures of a majority. A stalled leader that wakes up
// again does not commit the same receipt a second time (it sends no transaction at all), and each task has one
// receipt on chain. The batch delay is long here (20 s) so that the leader is stopped while its receipt waits.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MosaicClient, verifyCommittee } from '@mosaic/client';
import { tasksAbi } from '@mosaic/contracts';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, reveal, secret } from '@mosaic/lang';
import { bytesToHex, getAddress } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';

const Doubler = contract('Doubler', {
  functions: {
    double: fn({ a: secret.int64 }, ({ a }) => ({ twice: reveal(a.add(a)) })),
  },
});

const BATCH_DELAY_MS = 20_000;

describe('receipt batches: leader fail-over', { timeout: 600_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 7 });

  before(async () => {
    network = await startLocalNetwork({
      count: 5,
      config: { tasks: { maxBatchDelayMs: BATCH_DELAY_MS, receiptFailoverMs: 2_000 } },
    });
    ({ ledger, nodes } = network);
    await ledger.fundMos(caller.address);
  });
  after(async () => {
    await network?.stop();
  });

  /** The task's status at a node (undefined while the node cannot answer). */
  const statusAt = async (node: NodeProcess, taskId: bigint): Promise<string | undefined> => {
    const info = (await rpc(node.rpcUrl(), 'mosaic_getTask', { taskId: `0x${taskId.toString(16)}` }).catch(
      () => undefined,
    )) as { status?: string } | undefined;
    return info?.status;
  };
  const until = async (what: string, check: () => Promise<boolean>, ms = 150_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${network.timeline().join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** Every ReceiptsCommitted event that covers the task. */
  const commitsOf = async (taskId: bigint) => {
    const events = await ledger.client.getContractEvents({
      address: ledger.addresses.tasks,
      abi: tasksAbi,
      eventName: 'ReceiptsCommitted',
      fromBlock: 0n,
    });
    return events.filter((e) => {
      const first = e.args.firstTaskId!;
      return first <= taskId && taskId < first + e.args.count!;
    });
  };

  it('member 2 commits the receipts of a stalled and of a dead leader, each task once', async () => {
    const compiled = compile(Doubler);
    const operators = await Promise.all(
      nodes.map(async (node) =>
        getAddress(((await rpc(node.rpcUrl(), 'mosaic_info', {})) as { operator: string }).operator),
      ),
    );
    const deployer = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(caller.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[0]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
    const { contractId } = await deployer.deploy(compiled, { n: 5, t: 2 });
    await ledger.advanceEpoch();
    const committee = await verifyCommittee(ledger.client, ledger.addresses, contractId);
    const leaderOperator = getAddress(committee.members.find((m) => m.index === 1)!.operator);
    const leaderIndex = operators.indexOf(leaderOperator);
    const leader = nodes[leaderIndex]!;
    // The caller talks to a node that is not the leader: the leader is about to be stopped and killed.
    const client = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(caller.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[(leaderIndex + 1) % nodes.length]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
    const doubler = client.contract(compiled, contractId);

    /** Calls double(a) and resolves once every member holds its completed receipt (none on chain yet). */
    const completedEverywhere = async (a: bigint): Promise<bigint> => {
      let created: bigint | undefined;
      void doubler.call
        .double(
          { a },
          {
            autoDeposit: true,
            onProgress: (p) => {
              if (p.stage === 'created') created = p.taskId;
            },
          },
        )
        .catch(() => {});
      await until('the task is created', async () => created !== undefined);
      const taskId = created!;
      await until('every member completed the task', async () =>
        (await Promise.all(nodes.map((node) => statusAt(node, taskId)))).every((s) => s === 'completed'),
      );
      assert.equal((await commitsOf(taskId)).length, 0, 'not receipted while the leader waits for its batch');
      return taskId;
    };

    // A leader that stalls: member 2 commits; the leader wakes up and sends nothing.
    const stalled = await completedEverywhere(21n);
    const nonceBefore = await ledger.client.getTransactionCount({ address: leaderOperator });
    leader.child.kill('SIGSTOP');
    try {
      await until('the receipt is on chain', async () => (await commitsOf(stalled)).length > 0);
    } finally {
      leader.child.kill('SIGCONT');
    }
    await until('the woken leader sees the receipt', async () => (await statusAt(leader, stalled)) === 'receipted');
    // Its batch timer fired when it woke: give it the time to act on it, then check it sent nothing.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(await ledger.client.getTransactionCount({ address: leaderOperator }), nonceBefore);
    const [first, ...again] = await commitsOf(stalled);
    assert.equal(again.length, 0, 'one receipt for the task');
    assert.ok(!first!.args.signers!.map((s) => getAddress(s)).includes(leaderOperator), 'signed without the leader');

    // A leader that dies.
    const orphan = await completedEverywhere(50n);
    await leader.kill('SIGKILL');
    await until('the receipt is on chain', async () => (await commitsOf(orphan)).length > 0);
    const commits = await commitsOf(orphan);
    assert.equal(commits.length, 1, 'one receipt for the task');
    const receipted = await ledger.client.getContractEvents({
      address: ledger.addresses.tasks,
      abi: tasksAbi,
      eventName: 'TaskReceipted',
      args: { taskId: orphan },
      fromBlock: 0n,
    });
    assert.equal(receipted.length, 1);
    assert.equal(receipted[0]!.args.status, 1, 'receipted as a success');
    for (const [i, node] of nodes.entries()) {
      if (i === leaderIndex) continue;
      await until(`node ${i} sees the receipt`, async () => (await statusAt(node, orphan)) === 'receipted');
    }
  });
});
