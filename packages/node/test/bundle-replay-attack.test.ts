// Attack: replaying someone's task bundle. A caller's bundle reaches every member of the committee through the
// node it submits to, and its hash is public in the TaskCreated event. A relaying node (or anyone who saw the
// bundle) creates a task of its own with the same bundle hash and submits the same bytes, so that the victim's
// secret inputs are counted again: a second vote, a second bid. The bundle now names its caller, and every
// member refuses a bundle whose task another account created; a bundle hash the same caller repeats runs once.
// Five node processes, a real anvil chain; each refusal is checked on every node.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTask,
  depositFees,
  encodePublicArgs,
  type Ledger,
  MosaicClient,
  sealTaskBundle,
  verifyCommittee,
} from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, encodeArgs, fn, reveal, secret, state } from '@mosaic/lang';
import { vec } from '@mosaic/mpc';
import { bytesToHex, type Hex, type LocalAccount } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';
import { finalViews, ledgerOf as ledgerFor, type TaskView } from './task-views.js';

const votes = state({ yes: secret.int64 });
const Ballot = contract('Ballot', {
  state: votes,
  functions: {
    vote: fn({ yes: secret.int64 }, ({ yes }) => {
      votes.yes = votes.yes.add(yes);
      return undefined;
    }),
    count: fn({}, () => ({ yes: reveal(votes.yes) })),
  },
});

describe('attack: replaying a caller’s task bundle', { timeout: 600_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  let client: MosaicClient;
  const victim = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 7 });
  const attacker = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 8 });

  const ledgerOf = (account: LocalAccount): Ledger => ledgerFor(ledger, account);

  /** Every node's view of a task, once each has it in a final state. */
  const onEveryNode = (taskId: bigint): Promise<TaskView[]> => finalViews(nodes, taskId, 150_000);

  before(async () => {
    // Generous round and bundle time limits: the test is about what the members decide, not about a member that
    // lags on a loaded machine.
    network = await startLocalNetwork({
      count: 5,
      config: { tasks: { bundleTimeoutMs: 60_000, roundTimeoutMs: 60_000 } },
    });
    ({ ledger, nodes } = network);
    for (const account of [victim, attacker]) await ledger.fundMos(account.address);
    client = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(victim.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[0]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
  });
  after(async () => {
    await network?.stop();
  });

  it('another caller’s task with the victim’s bundle, and the victim’s bundle again, are skipped by every member', async () => {
    const compiled = compile(Ballot);
    const deployed = await client.deploy(compiled, { n: 5, t: 2 });
    await ledger.advanceEpoch();
    const handle = client.contract(compiled, deployed.contractId);
    const contractId = deployed.contractId;

    // The victim votes yes, building its bundle by hand to keep the bytes the attacker will see.
    const committee = await verifyCommittee(ledger.client, ledger.addresses, contractId);
    const encoded = encodeArgs(compiled, 'vote', { yes: 1n });
    const sealed = await sealTaskBundle({
      chainId: BigInt(ledger.chain.id),
      tasks: ledger.addresses.tasks,
      caller: victim.address,
      contractId,
      selector: compiled.functions.vote!.selector as Hex,
      epoch: committee.epoch,
      t: committee.t,
      committee: committee.members,
      secretArgs: vec.fromBigInts(encoded.secret.flat()),
      publicArgs: encodePublicArgs(encoded.public),
      resultKeyPair: await client.x25519.generateKeyPair(),
    });
    const run = async (account: LocalAccount): Promise<bigint> => {
      const own = ledgerOf(account);
      await depositFees(own, 10n ** 18n);
      const created = await createTask(own, {
        contractId,
        selector: compiled.functions.vote!.selector as Hex,
        bundleHash: sealed.hash,
        gasLimit: 2_000_000n,
        gasPrice: 10n ** 9n,
      });
      await rpc(nodes[1]!.rpcUrl(), 'mosaic_submitTask', {
        taskId: `0x${created.taskId.toString(16)}`,
        bundle: bytesToHex(sealed.bytes),
      });
      return created.taskId;
    };

    const honest = await run(victim);
    for (const view of await onEveryNode(honest)) assert.equal(view.receiptStatus, 'success', JSON.stringify(view));

    // The attacker creates a task of its own with the victim's bundle and submits the same bytes.
    const stolen = await run(attacker);
    for (const [i, view] of (await onEveryNode(stolen)).entries()) {
      assert.equal(view.receiptStatus, 'skipped', `node ${i}: ${JSON.stringify(view)}`);
      assert.match(view.error ?? '', /bundle was made for caller/, `node ${i}`);
    }

    // The same bundle hash again from the victim's own account (a replay of its transaction's data).
    const again = await run(victim);
    for (const [i, view] of (await onEveryNode(again)).entries()) {
      assert.equal(view.receiptStatus, 'skipped', `node ${i}: ${JSON.stringify(view)}`);
      assert.match(view.error ?? '', /bundle already used by task/, `node ${i}`);
    }

    // One vote counted, not three.
    const counted = await handle.call.count({}, { autoDeposit: true });
    assert.equal(counted.outputs.yes, 1n);
  });
});
