// Attack: stalling a stateful contract with tasks that never get a bundle. A stateful contract runs its tasks one
// by one, and a member waits for a task's bundle before it runs it; an attacker who creates tasks and never
// submits their bundles holds the contract's queue for the bundle time-out each, while honest callers wait.
// Defences: a task pays at least Tasks.minGasPrice (a price of 0 is refused on chain); a task whose bundle never
// reached the committee is charged its whole escrow (nothing is refunded to its creator); and the bundle time-out
// counts from when a member recorded the task, so a row of bundle-less tasks holds the queue about one time-out.
// Three node processes, a real anvil chain. What the stall cost the attacker and the delay the honest caller saw
// are reported as diagnostics, never asserted (timings depend on the machine).
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTask, depositFees, feeBalance, type Ledger, MosaicClient, revertOf } from '@mosaic/client';
import { tasksAbi } from '@mosaic/contracts';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, reveal, secret, state } from '@mosaic/lang';
import { bytesToHex, type Hex, keccak256, type LocalAccount, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import type { NodeProcess } from '../src/devnet/index.js';
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

/** The owner's minimum gas price for the test (MOS smallest units per gas unit). */
const MIN_GAS_PRICE = 10n ** 9n;
/** Bundle-less tasks the attacker creates back to back. */
const STALLS = 3;
/** Bundle time-out of every member: short, so the test takes less time; the ratio reported does not depend on it. */
const BUNDLE_TIMEOUT_MS = 8_000;

describe('attack: stalling a stateful contract with bundle-less tasks', { timeout: 600_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  let honest: MosaicClient;
  const user = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 7 });
  const attacker = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 8 });

  const ledgerOf = (account: LocalAccount): Ledger => ledgerFor(ledger, account);

  /** Every node's view of a task, once each has it in a final state. */
  const onEveryNode = (taskId: bigint): Promise<TaskView[]> => finalViews(nodes, taskId, 180_000);

  /** Tasks.taskStatus on chain: 1 pending, 2 receipted, 3 refunded. */
  const statusOnChain = (taskId: bigint) =>
    ledger.client.readContract({
      address: ledger.addresses.tasks,
      abi: tasksAbi,
      functionName: 'taskStatus',
      args: [taskId],
    });

  before(async () => {
    network = await startLocalNetwork({
      count: 3,
      config: { tasks: { bundleTimeoutMs: BUNDLE_TIMEOUT_MS, roundTimeoutMs: 60_000 } },
    });
    ({ ledger, nodes } = network);
    for (const account of [user, attacker]) await ledger.fundMos(account.address);
    // The owner (the deployer) sets the minimum gas price.
    await ledger.send(ledger.deployer, ledger.addresses.tasks, tasksAbi, 'setMinGasPrice', [MIN_GAS_PRICE]);
    honest = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(user.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[0]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
  });
  after(async () => {
    await network?.stop();
  });

  it('a free task is refused, a bundle-less task forfeits its escrow, and the honest call completes', async () => {
    const compiled = compile(Ballot);
    const deployed = await honest.deploy(compiled, { n: 3, t: 1 });
    await ledger.advanceEpoch();
    const contractId = deployed.contractId;
    const handle = honest.contract(compiled, contractId);
    const selector = compiled.functions.vote!.selector as Hex;

    // The SDK picks at least the minimum by itself.
    const estimate = await handle.estimate.vote();
    assert.equal(estimate.gasPrice, MIN_GAS_PRICE);

    // A quiet call first: the delay an honest caller sees without the attack.
    let started = performance.now();
    await handle.call.vote({ yes: 1n }, { autoDeposit: true });
    const quietMs = performance.now() - started;

    const own = ledgerOf(attacker);
    await depositFees(own, 10n ** 18n);
    // gasPrice 0 is refused on chain.
    const free = await createTask(own, {
      contractId,
      selector,
      bundleHash: keccak256(toHex('never sent')),
      gasLimit: estimate.gasLimit,
      gasPrice: 0n,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.equal(revertOf(free)?.name, 'GasPriceBelowMinimum', `a task with gasPrice 0 was accepted: ${String(free)}`);

    // Bundle-less tasks at the minimum price, with a gas limit the function fits in (a task that could not run
    // anyway is decided without waiting for its bundle).
    const before = await feeBalance(own);
    const stalls: bigint[] = [];
    for (let i = 0; i < STALLS; i++) {
      const created = await createTask(own, {
        contractId,
        selector,
        bundleHash: keccak256(toHex(`never sent ${i}`)),
        gasLimit: estimate.gasLimit,
        gasPrice: MIN_GAS_PRICE,
      });
      stalls.push(created.taskId);
    }
    // The honest caller votes behind them.
    started = performance.now();
    await handle.call.vote({ yes: 1n }, { autoDeposit: true, timeoutMs: 300_000 });
    const stalledMs = performance.now() - started;

    for (const taskId of stalls) {
      for (const [i, view] of (await onEveryNode(taskId)).entries()) {
        assert.equal(view.receiptStatus, 'failure', `node ${i}: ${JSON.stringify(view)}`);
        assert.match(view.error ?? '', /bundle/, `node ${i}`);
      }
    }
    // Receipted on chain (not refundable later), and the escrow went to the committee, not back to the attacker.
    const deadline = Date.now() + 120_000;
    for (const taskId of stalls) {
      while ((await statusOnChain(taskId)) !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      assert.equal(await statusOnChain(taskId), 2, `task ${taskId} is not receipted on chain`);
    }
    const forfeited = before - (await feeBalance(own));
    assert.equal(forfeited, BigInt(STALLS) * estimate.gasLimit * MIN_GAS_PRICE, 'the attacker got its escrow back');

    // Both honest votes counted.
    const counted = await handle.call.count({}, { autoDeposit: true });
    assert.equal(counted.outputs.yes, 2n);

    const stallSeconds = Math.max(0.001, (stalledMs - quietMs) / 1000);
    console.log(
      `# spam stall: ${STALLS} bundle-less tasks cost the attacker ${forfeited} MOS wei (${estimate.gasLimit} gas x ` +
        `${MIN_GAS_PRICE} each); the honest call took ${Math.round(stalledMs)} ms behind them, ` +
        `${Math.round(quietMs)} ms alone: ${stallSeconds.toFixed(1)} s of stall, ` +
        `${(Number(forfeited) / stallSeconds).toExponential(2)} MOS wei per second of stall ` +
        `(bundle time-out ${BUNDLE_TIMEOUT_MS} ms)`,
    );
  });
});
