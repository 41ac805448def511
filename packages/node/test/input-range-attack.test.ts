// Attack: secret inputs outside their declared types. The SDK refuses to encode an int64 of 2^64 or a boolean of
// 2, but nothing stops a caller from sealing its own bundle: any field element can be shared. Out-of-range
// values break what the committee's protocols assume (a boolean of 2 in a select adds twice the weight to one
// side and takes it from the other; 2^j in a fixed-point product lets the caller and one member read bits of the
// other operand). Every member now checks every secret input in MPC before the body: such a task fails with a
// reason naming the input, has no output and leaves the state as it was; honest calls before and after count.
// Five node processes, a real anvil chain; each verdict is checked on every node.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTask,
  depositFees,
  encodePublicArgs,
  fetchTaskResult,
  MosaicClient,
  type PendingTask,
  sealTaskBundle,
  TaskFailedError,
  verifyCommittee,
} from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, reveal, secret, select, state } from '@mosaic/lang';
import { vec } from '@mosaic/mpc';
import { bytesToHex, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';
import { finalViews, type TaskView } from './task-views.js';

const tally = state({ yes: secret.int64, no: secret.int64 });
const WeightedPoll = contract('WeightedPoll', {
  state: tally,
  functions: {
    vote: fn({ yes: secret.bool, weight: secret.int64 }, ({ yes, weight }) => {
      tally.yes = tally.yes.add(select(yes, weight, 0n));
      tally.no = tally.no.add(select(yes, 0n, weight));
      return { positive: reveal(weight.gt(0n)), weight };
    }),
    count: fn({}, () => ({ yes: reveal(tally.yes), no: reveal(tally.no) })),
  },
});

describe('attack: secret inputs outside their declared types', { timeout: 900_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  let client: MosaicClient;
  const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 7 });

  /** Every node's view of a task, once each has it in a final state. */
  const onEveryNode = (taskId: bigint): Promise<TaskView[]> => finalViews(nodes, taskId, 240_000);

  before(async () => {
    // Generous round and bundle time limits: the test is about what the members decide, not about a member that
    // lags on a loaded machine.
    network = await startLocalNetwork({
      count: 5,
      config: { tasks: { bundleTimeoutMs: 60_000, roundTimeoutMs: 60_000 } },
    });
    ({ ledger, nodes } = network);
    await ledger.fundMos(caller.address);
    client = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(caller.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[0]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
  });
  after(async () => {
    await network?.stop();
  });

  it('a boolean of 2 and an int64 of 2^64 fail on every member, naming the input; the state is untouched', async () => {
    const compiled = compile(WeightedPoll);
    const deployed = await client.deploy(compiled, { n: 5, t: 2 });
    await ledger.advanceEpoch();
    const contractId = deployed.contractId;
    const handle = client.contract(compiled, contractId);
    const selector = compiled.functions.vote!.selector as Hex;

    const honest = await handle.call.vote({ yes: true, weight: 3n }, { autoDeposit: true });
    assert.deepEqual(honest.outputs, { positive: true, weight: 3n });

    /** A vote sealed by hand with raw field elements, past the SDK's own encoding checks. */
    const maliciousVote = async (yes: bigint, weight: bigint): Promise<PendingTask> => {
      const committee = await verifyCommittee(ledger.client, ledger.addresses, contractId);
      const resultKeyPair = await client.x25519.generateKeyPair();
      const sealed = await sealTaskBundle({
        chainId: BigInt(ledger.chain.id),
        tasks: ledger.addresses.tasks,
        caller: caller.address,
        contractId,
        selector,
        epoch: committee.epoch,
        t: committee.t,
        committee: committee.members,
        secretArgs: vec.fromBigInts([yes, weight]),
        publicArgs: encodePublicArgs([]),
        resultKeyPair,
      });
      await depositFees(client.ledger, 10n ** 17n);
      const created = await createTask(client.ledger, {
        contractId,
        selector,
        bundleHash: sealed.hash,
        gasLimit: 2_000_000n,
        gasPrice: 10n ** 9n,
      });
      await rpc(nodes[1]!.rpcUrl(), 'mosaic_submitTask', {
        taskId: `0x${created.taskId.toString(16)}`,
        bundle: bytesToHex(sealed.bytes),
      });
      return {
        chainId: BigInt(ledger.chain.id),
        tasks: ledger.addresses.tasks,
        contractId,
        selector,
        epoch: created.epoch,
        taskId: created.taskId,
        bundleHash: sealed.hash,
        t: committee.t,
        operators: committee.members.map((m) => m.operator),
        resultKeyPair,
      };
    };

    const attacks = [
      { yes: 1n, weight: 1n << 64n, input: /secret input weight is not a valid int64/, value: '18446744073709551616' },
      { yes: 2n, weight: 5n, input: /secret input yes is not a valid bool/, value: undefined },
    ];
    for (const attack of attacks) {
      const task = await maliciousVote(attack.yes, attack.weight);
      for (const [i, view] of (await onEveryNode(task.taskId)).entries()) {
        assert.equal(view.receiptStatus, 'failure', `node ${i}: ${JSON.stringify(view)}`);
        assert.match(view.error ?? '', /input out of range/, `node ${i}`);
        assert.match(view.error ?? '', attack.input, `node ${i}`);
        if (attack.value) assert.ok(!view.error?.includes(attack.value), 'the reason never holds the value');
      }
      // No output: neither a public output nor any member's envelope, and the SDK says why.
      const result = (await rpc(nodes[2]!.rpcUrl(), 'mosaic_getTaskResult', {
        taskId: `0x${task.taskId.toString(16)}`,
      })) as { publicOutput: string; resultEnvelopes: unknown[] };
      assert.equal(result.publicOutput, '0x');
      assert.deepEqual(result.resultEnvelopes, []);
      await assert.rejects(fetchTaskResult(client.node, task), (error: Error) => {
        assert.ok(error instanceof TaskFailedError);
        assert.match(error.message, attack.input);
        return true;
      });
    }

    // The state is what the honest vote left: neither bad vote counted.
    const before = await handle.call.count({}, { autoDeposit: true });
    assert.deepEqual(before.outputs, { yes: 3n, no: 0n });

    // An honest call after the attacks still runs and counts.
    const after = await handle.call.vote({ yes: false, weight: 4n }, { autoDeposit: true });
    assert.deepEqual(after.outputs, { positive: true, weight: 4n });
    const counted = await handle.call.count({}, { autoDeposit: true });
    assert.deepEqual(counted.outputs, { yes: 3n, no: 4n });
  });
});
