// SecretContracts and Tasks: deploy, activation, prepaid balances, task creation, receipt batches signed by a
// committee majority (payout, refunds, state), every revert, checkpoints, and refunds of expired tasks.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  type Abi,
  type Account,
  encodeAbiParameters,
  getAddress,
  type Hex,
  keccak256,
  type LocalAccount,
  toFunctionSelector,
  toHex,
  zeroAddress,
} from 'viem';
import {
  auctionSettlementAbi,
  auctionSettlementBytecode,
  contractSelectionId,
  hashReceiptBatch,
  linkTaskRecord,
  mosaicErrorsAbi,
  NO_CALL,
  RECEIPT_STATUS,
  signReceiptBatch,
  splitTaskId,
  TASK_STATUS,
  type TaskReceipt,
  type TaskRecord,
  taskIdOf,
  taskRecordsFromLogs,
} from '../src/index.js';
import { advanceEpoch, eventsOf, expectRevert, MOS, setupNode, startChain, type TestChain } from './fixture.js';

const GAS_LIMIT = 100_000n;
const GAS_PRICE = 10n ** 12n;
const ESCROW = GAS_LIMIT * GAS_PRICE;
const CODE_HASH = keccak256(toHex('secret contract IR'));

describe('SecretContracts', () => {
  let chain: TestChain;
  before(async () => {
    chain = await startChain({ epochLength: 5n });
  });
  after(() => chain.stop());

  it('deploy validates (n, t) and records the contract, active from the next epoch', async () => {
    const owner = chain.accounts[1]!;
    await expectRevert(
      chain.send(owner, chain.c.secretContracts, 'deploy', [`0x${'00'.repeat(32)}`, 5, 2]),
      'InvalidCodeHash',
    );
    await expectRevert(chain.send(owner, chain.c.secretContracts, 'deploy', [CODE_HASH, 4, 2]), 'InvalidCommittee', [
      4n,
      2n,
    ]);
    await expectRevert(chain.send(owner, chain.c.secretContracts, 'deploy', [CODE_HASH, 5, 0]), 'InvalidCommittee');
    await expectRevert(chain.send(owner, chain.c.secretContracts, 'deploy', [CODE_HASH, 65, 2]), 'InvalidCommittee');
    const receipt = await chain.send(owner, chain.c.secretContracts, 'deploy', [CODE_HASH, 5, 2]);
    assert.deepEqual(eventsOf(chain.c.secretContracts, receipt, 'ContractDeployed')[0]!.args, {
      id: 1n,
      owner: owner.address,
      codeHash: CODE_HASH,
      n: 5,
      t: 2,
      activeFromEpoch: 1n,
    });
    assert.equal(await chain.read(chain.c.secretContracts, 'contractCount'), 1n);
    assert.deepEqual(await chain.read(chain.c.secretContracts, 'committeeParams', [1n]), [5, 2, 1]);
    const record = await chain.read<Record<string, unknown>>(chain.c.secretContracts, 'contractOf', [1n]);
    assert.equal(record.owner, owner.address);
    assert.equal(record.codeHash, CODE_HASH);
    assert.equal(record.stateVersion, 0);
    await expectRevert(chain.read(chain.c.secretContracts, 'contractOf', [2n]), 'UnknownContract', [2n]);
    await expectRevert(chain.read(chain.c.secretContracts, 'committeeParams', [2n]), 'UnknownContract', [2n]);
  });

  it('recordState only from Tasks; setTasks once, by the owner', async () => {
    await expectRevert(
      chain.send(chain.deployer, chain.c.secretContracts, 'recordState', [1n, 1n, CODE_HASH]),
      'NotTasks',
    );
    await expectRevert(
      chain.send(chain.deployer, chain.c.secretContracts, 'setTasks', [chain.deployer.address]),
      'TasksAlreadySet',
    );
    await expectRevert(chain.send(chain.deployer, chain.c.secretContracts, 'setTasks', [zeroAddress]), 'ZeroAddress');
    await expectRevert(
      chain.send(chain.accounts[1]!, chain.c.secretContracts, 'setTasks', [chain.deployer.address]),
      'OwnableUnauthorizedAccount',
    );
    assert.equal(await chain.read(chain.c.secretContracts, 'tasks'), chain.c.tasks.address);
  });
});

describe('Tasks', () => {
  let chain: TestChain;
  let nodes: LocalAccount[];
  let caller: Account;
  let contractId: bigint;
  let epoch: bigint;
  let committee: LocalAccount[];
  let snapshot: Hex;

  before(async () => {
    chain = await startChain({ epochLength: 200n, taskTimeoutBlocks: 30n });
    nodes = chain.accounts.slice(1, 8) as LocalAccount[];
    for (const node of nodes) await setupNode(chain, node);
    caller = chain.accounts[8]!;
    await chain.send(chain.deployer, chain.c.token, 'transfer', [caller.address, 1000n * MOS]);
    await chain.send(caller, chain.c.token, 'approve', [chain.c.tasks.address, 1000n * MOS]);
    await advanceEpoch(chain);
    await chain.send(caller, chain.c.secretContracts, 'deploy', [CODE_HASH, 5, 2]);
    contractId = 1n;
    // Not active before the next epoch (its committee's seed must be unknown at deployment).
    await chain.send(caller, chain.c.tasks, 'deposit', [100n * MOS]);
    await expectRevert(
      chain.send(caller, chain.c.tasks, 'createTask', [contractId, '0x12345678', CODE_HASH, GAS_LIMIT, GAS_PRICE]),
      'ContractNotActive',
      [1n, 2n],
    );
    epoch = await advanceEpoch(chain);
    const members = await chain.read<Hex[]>(chain.c.epochs, 'committeeOf', [
      contractSelectionId(contractId),
      epoch,
      5n,
    ]);
    committee = members.map((m) => nodes.find((n) => n.address === m)!);
  });
  after(() => chain.stop());
  beforeEach(async () => {
    snapshot = await chain.snapshot();
  });
  afterEach(async () => {
    await chain.revert(snapshot);
  });

  const createTasks = async (count: number, from: Account = caller) => {
    const created: { taskId: bigint; record: TaskRecord }[] = [];
    for (let i = 0; i < count; i++) {
      const r = await chain.send(from, chain.c.tasks, 'createTask', [
        contractId,
        '0xa9059cbb',
        keccak256(toHex(`bundle ${i} ${from.address}`)),
        GAS_LIMIT,
        GAS_PRICE,
      ]);
      created.push(...taskRecordsFromLogs(r.logs));
    }
    return created;
  };
  const receiptsFor = (tasks: { taskId: bigint }[], gasUsed = 40_000n): TaskReceipt[] =>
    tasks.map((t, i) => ({
      taskId: t.taskId,
      status: RECEIPT_STATUS.success,
      outputHash: keccak256(toHex(`out ${t.taskId}`)),
      publicOutput: toHex(`public ${i}`),
      stateCommitment: keccak256(toHex(`state ${t.taskId}`)),
      gasUsed,
      ...NO_CALL,
    }));
  const sign = (signers: LocalAccount[], receipts: TaskReceipt[], atEpoch = epoch, id = contractId) =>
    Promise.all(
      signers.map((s) =>
        signReceiptBatch(s, {
          chainId: chain.deployment.chainId,
          tasks: chain.c.tasks.address,
          contractId: id,
          epoch: atEpoch,
          receipts,
        }),
      ),
    );
  const commit = (records: TaskRecord[], receipts: TaskReceipt[], signatures: Hex[], atEpoch = epoch) =>
    chain.send(committee[0]!, chain.c.tasks, 'commitReceipts', [contractId, atEpoch, records, receipts, signatures]);

  it('deposit and withdraw prepaid balances', async () => {
    await expectRevert(chain.send(caller, chain.c.tasks, 'deposit', [0n]), 'ZeroAmount');
    const d = await chain.send(caller, chain.c.tasks, 'deposit', [5n * MOS]);
    assert.deepEqual(eventsOf(chain.c.tasks, d, 'Deposited')[0]!.args, { account: caller.address, amount: 5n * MOS });
    assert.equal(await chain.read(chain.c.tasks, 'balanceOf', [caller.address]), 105n * MOS);
    await expectRevert(chain.send(caller, chain.c.tasks, 'withdraw', [0n]), 'ZeroAmount');
    await expectRevert(chain.send(caller, chain.c.tasks, 'withdraw', [106n * MOS]), 'InsufficientBalance', [
      105n * MOS,
      106n * MOS,
    ]);
    const w = await chain.send(caller, chain.c.tasks, 'withdraw', [105n * MOS]);
    assert.deepEqual(eventsOf(chain.c.tasks, w, 'Withdrawn')[0]!.args, { account: caller.address, amount: 105n * MOS });
    assert.equal(await chain.read(chain.c.token, 'balanceOf', [caller.address]), 1000n * MOS);
  });

  it('createTask escrows gasLimit x gasPrice and chains the record', async () => {
    await expectRevert(
      chain.send(caller, chain.c.tasks, 'createTask', [contractId, '0x12345678', CODE_HASH, 0n, GAS_PRICE]),
      'ZeroGasLimit',
    );
    await expectRevert(
      chain.send(caller, chain.c.tasks, 'createTask', [99n, '0x12345678', CODE_HASH, GAS_LIMIT, GAS_PRICE]),
      'UnknownContract',
      [99n],
    );
    const poor = chain.accounts[9]!;
    await expectRevert(
      chain.send(poor, chain.c.tasks, 'createTask', [contractId, '0x12345678', CODE_HASH, GAS_LIMIT, GAS_PRICE]),
      'InsufficientBalance',
      [0n, ESCROW],
    );
    const [first, second] = await createTasks(2);
    assert.equal(first!.taskId, taskIdOf(contractId, 0n));
    assert.deepEqual(splitTaskId(second!.taskId), { contractId, sequence: 1n });
    assert.equal(await chain.read(chain.c.tasks, 'balanceOf', [caller.address]), 100n * MOS - 2n * ESCROW);
    const head = linkTaskRecord(linkTaskRecord(`0x${'00'.repeat(24)}`, first!.record), second!.record);
    assert.deepEqual(await chain.read(chain.c.tasks, 'queueOf', [contractId]), [2n, head, 0n, `0x${'00'.repeat(24)}`]);
    assert.equal(TASK_STATUS[await chain.read<number>(chain.c.tasks, 'taskStatus', [first!.taskId])], 'pending');
    assert.equal(
      TASK_STATUS[await chain.read<number>(chain.c.tasks, 'taskStatus', [taskIdOf(contractId, 2n)])],
      'unknown',
    );
  });

  it('createTask refuses a gas price below the minimum, which only the owner sets, within bounds', async () => {
    const create = (gasPrice: bigint) =>
      chain.send(caller, chain.c.tasks, 'createTask', [contractId, '0x12345678', CODE_HASH, GAS_LIMIT, gasPrice]);
    assert.equal(await chain.read(chain.c.tasks, 'minGasPrice'), 1n);
    await expectRevert(create(0n), 'GasPriceBelowMinimum', [0n, 1n]);
    const MAX = await chain.read<bigint>(chain.c.tasks, 'MAX_MIN_GAS_PRICE');
    assert.equal(MAX, 10n ** 12n);
    await expectRevert(chain.send(caller, chain.c.tasks, 'setMinGasPrice', [5n]), 'OwnableUnauthorizedAccount');
    await expectRevert(chain.send(chain.deployer, chain.c.tasks, 'setMinGasPrice', [0n]), 'MinGasPriceOutOfBounds', [
      0n,
      1n,
      MAX,
    ]);
    await expectRevert(
      chain.send(chain.deployer, chain.c.tasks, 'setMinGasPrice', [MAX + 1n]),
      'MinGasPriceOutOfBounds',
      [MAX + 1n, 1n, MAX],
    );
    const set = await chain.send(chain.deployer, chain.c.tasks, 'setMinGasPrice', [GAS_PRICE]);
    assert.deepEqual(eventsOf(chain.c.tasks, set, 'MinGasPriceSet')[0]!.args, { minGasPrice: GAS_PRICE });
    assert.equal(await chain.read(chain.c.tasks, 'minGasPrice'), GAS_PRICE);
    await expectRevert(create(GAS_PRICE - 1n), 'GasPriceBelowMinimum', [GAS_PRICE - 1n, GAS_PRICE]);
    await create(GAS_PRICE);
  });

  it('full lifecycle: committee majority commits, members are paid, the rest is refunded, state advances', async () => {
    const tasks = await createTasks(3);
    const receipts = receiptsFor(tasks, 40_000n);
    const signers = committee.slice(0, 3);
    const signatures = await sign(signers, receipts);
    const digest = await chain.read(chain.c.tasks, 'receiptBatchDigest', [contractId, epoch, receipts]);
    assert.equal(
      digest,
      hashReceiptBatch({
        chainId: chain.deployment.chainId,
        tasks: chain.c.tasks.address,
        contractId,
        epoch,
        receipts,
      }),
    );
    const before = await chain.read<bigint>(chain.c.tasks, 'balanceOf', [caller.address]);
    const receipt = await commit(
      tasks.map((t) => t.record),
      receipts,
      signatures,
    );
    const fees = 3n * 40_000n * GAS_PRICE;
    const [committed] = eventsOf(chain.c.tasks, receipt, 'ReceiptsCommitted');
    assert.deepEqual(committed!.args, {
      contractId,
      epoch,
      firstTaskId: tasks[0]!.taskId,
      count: 3n,
      digest,
      fees,
      signers: signers.map((s) => s.address),
    });
    const receipted = eventsOf(chain.c.tasks, receipt, 'TaskReceipted');
    assert.equal(receipted.length, 3);
    assert.deepEqual(receipted[1]!.args, {
      taskId: tasks[1]!.taskId,
      status: 1,
      gasUsed: 40_000n,
      outputHash: receipts[1]!.outputHash,
      publicOutput: receipts[1]!.publicOutput,
    });
    const [state] = eventsOf(chain.c.secretContracts, receipt, 'StateCommitted');
    assert.deepEqual(state!.args, { id: contractId, version: 3n, commitment: receipts[2]!.stateCommitment });
    for (const s of signers) assert.equal(await chain.read(chain.c.tasks, 'balanceOf', [s.address]), fees / 3n);
    assert.equal(await chain.read(chain.c.tasks, 'balanceOf', [caller.address]), before + 3n * ESCROW - fees);
    for (const t of tasks) {
      assert.equal(TASK_STATUS[await chain.read<number>(chain.c.tasks, 'taskStatus', [t.taskId])], 'receipted');
    }
    // A member withdraws its earnings.
    await chain.send(signers[0]!, chain.c.tasks, 'withdraw', [fees / 3n]);
    assert.equal(await chain.read(chain.c.token, 'balanceOf', [signers[0]!.address]), fees / 3n);
    // Replaying the batch reverts.
    await expectRevert(
      commit(
        tasks.map((t) => t.record),
        receipts,
        signatures,
      ),
      'UnknownTask',
    );
    const next = await createTasks(3);
    await expectRevert(
      commit(
        next.map((t) => t.record),
        receipts,
        signatures,
      ),
      'TaskAlreadyReceipted',
      [tasks[0]!.taskId],
    );
  });

  it('fee remainder goes to the first signer; failure is charged, skipped is not', async () => {
    const tasks = await createTasks(3);
    const receipts = receiptsFor(tasks, 33_333n);
    receipts[1] = { ...receipts[1]!, status: RECEIPT_STATUS.failure, gasUsed: 1n };
    receipts[2] = { ...receipts[2]!, status: RECEIPT_STATUS.skipped, gasUsed: 0n };
    const signers = committee.slice(1, 4);
    await commit(
      tasks.map((t) => t.record),
      receipts,
      await sign(signers, receipts),
    );
    const fees = (33_333n + 1n) * GAS_PRICE;
    const share = fees / 3n;
    assert.equal(await chain.read(chain.c.tasks, 'balanceOf', [signers[0]!.address]), share + (fees - share * 3n));
    assert.equal(await chain.read(chain.c.tasks, 'balanceOf', [signers[1]!.address]), share);
  });

  it('rejects bad batches with custom errors', async () => {
    const tasks = await createTasks(2);
    const records = tasks.map((t) => t.record);
    const receipts = receiptsFor(tasks);
    const good = await sign(committee.slice(0, 3), receipts);
    await expectRevert(commit(records, [], good), 'EmptyBatch');
    await expectRevert(commit(records.slice(0, 1), receipts, good), 'MissingTaskRecords', [2n, 1n]);
    await expectRevert(commit(records, receipts, good.slice(0, 2)), 'NotEnoughSignatures', [2n, 3n]);
    await expectRevert(commit([...records, records[0]!], [...receipts, receipts[0]!], good), 'UnknownTask', [
      taskIdOf(contractId, 2n),
    ]);
    await expectRevert(commit(records, receipts, good, epoch + 5n), 'UnknownEpoch', [epoch + 5n]);
    const wrongEpochSigs = await sign(committee.slice(0, 3), receipts, epoch - 1n);
    await expectRevert(commit(records, receipts, wrongEpochSigs, epoch - 1n), 'WrongEpoch', [
      tasks[0]!.taskId,
      epoch - 1n,
    ]);
    const skipped = receipts.map((r, i) => (i === 0 ? { ...r, taskId: taskIdOf(contractId, 1n) } : r));
    await expectRevert(commit(records, skipped, good), 'UnexpectedTask', [
      taskIdOf(contractId, 0n),
      taskIdOf(contractId, 1n),
    ]);
    const badStatus = receipts.map((r) => ({ ...r, status: 4 as never }));
    await expectRevert(commit(records, badStatus, good), 'InvalidReceiptStatus', [tasks[0]!.taskId, 4]);
    const overGas = receipts.map((r) => ({ ...r, gasUsed: GAS_LIMIT + 1n }));
    await expectRevert(commit(records, overGas, good), 'GasUsedAboveLimit', [
      tasks[0]!.taskId,
      GAS_LIMIT + 1n,
      GAS_LIMIT,
    ]);
    const forged = records.map((r, i) => (i === 0 ? { ...r, gasPrice: r.gasPrice * 2n } : r));
    await expectRevert(commit(forged, receipts, good), 'TaskRecordsMismatch');
    const outsider = nodes.find((n) => !committee.includes(n))!;
    const withOutsider = await sign([committee[0]!, committee[1]!, outsider], receipts);
    await expectRevert(commit(records, receipts, withOutsider), 'NotCommitteeMember', [outsider.address]);
    const duplicate = await sign([committee[0]!, committee[1]!, committee[0]!], receipts);
    await expectRevert(commit(records, receipts, duplicate), 'DuplicateSigner', [committee[0]!.address]);
    const tampered = receipts.map((r, i) => (i === 1 ? { ...r, publicOutput: '0xbad0' as Hex } : r));
    await expectRevert(commit(records, tampered, good), 'NotCommitteeMember');
    await expectRevert(commit(records, receipts, ['0x1234', good[1]!, good[2]!]), 'ECDSAInvalidSignatureLength');
    // A partial batch proven through the remaining record, then the rest.
    await commit(records, receipts.slice(0, 1), await sign(committee.slice(0, 3), receipts.slice(0, 1)));
    await commit(records.slice(1), receipts.slice(1), await sign(committee.slice(0, 3), receipts.slice(1)));
    assert.deepEqual((await chain.read<unknown[]>(chain.c.tasks, 'queueOf', [contractId]))[2], 2n);
  });

  it('a receipt with an Ethereum call calls its target with the public output, in the commit', async () => {
    const wallet = chain.walletOf(chain.deployer);
    const hash = await wallet.deployContract({
      abi: auctionSettlementAbi,
      bytecode: auctionSettlementBytecode,
      args: [chain.c.tasks.address],
      account: chain.deployer,
      chain: wallet.chain,
    });
    const address = getAddress((await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!);
    const settlement = { address, abi: [...auctionSettlementAbi, ...mosaicErrorsAbi] as Abi };
    await chain.send(chain.deployer, settlement, 'bind', [contractId]);
    await expectRevert(chain.read(chain.c.tasks, 'callbackContext'), 'NoCallback');
    await expectRevert(chain.send(caller, settlement, 'settle', [1n, 2n]), 'NotTasks');

    const tasks = await createTasks(3);
    const settle = toFunctionSelector('settle(int64,int64)');
    const output = encodeAbiParameters([{ type: 'int64' }, { type: 'int64' }], [7n, -1200n]);
    const receipts = receiptsFor(tasks).map((r, i) =>
      // Task 0 calls with a body the target rejects (wrong arity): the receipt stands, the call is reported failed.
      // Task 1 is a failure: no call. Task 2 settles.
      i === 0
        ? { ...r, callTarget: address, callSelector: settle, publicOutput: '0x1234' as Hex }
        : i === 1
          ? { ...r, status: RECEIPT_STATUS.failure, callTarget: address, callSelector: settle, publicOutput: output }
          : { ...r, callTarget: address, callSelector: settle, publicOutput: output },
    );
    const records = tasks.map((t) => t.record);
    const signatures = await sign(committee.slice(0, 3), receipts);
    // Too little gas for the target's share: the whole commit reverts instead of failing the call.
    await expectRevert(
      chain.publicClient.simulateContract({
        address: chain.c.tasks.address,
        abi: chain.c.tasks.abi,
        functionName: 'commitReceipts',
        args: [contractId, epoch, records, receipts, signatures],
        account: committee[0]!,
        gas: 400_000n,
      }),
      'InsufficientCallbackGas',
      [tasks[0]!.taskId],
    );
    const receipt = await commit(records, receipts, signatures);
    const calls = eventsOf(chain.c.tasks, receipt, 'TaskCallback').map((e) => e.args);
    assert.deepEqual(calls, [
      { taskId: tasks[0]!.taskId, target: address, selector: settle, success: false },
      { taskId: tasks[2]!.taskId, target: address, selector: settle, success: true },
    ]);
    assert.equal(await chain.read(settlement, 'settled'), true);
    assert.equal(await chain.read(settlement, 'winner'), 7n);
    assert.equal(await chain.read(settlement, 'price'), -1200n);
    assert.equal(await chain.read(settlement, 'settledByTask'), tasks[2]!.taskId);
    assert.equal(TASK_STATUS[await chain.read<number>(chain.c.tasks, 'taskStatus', [tasks[0]!.taskId])], 'receipted');
  });

  it('checkpoints let a batch end before the latest task', async () => {
    await expectRevert(chain.send(caller, chain.c.tasks, 'checkpoint', [contractId]), 'NothingToCheckpoint', [
      contractId,
    ]);
    const tasks = await createTasks(2);
    const cp = await chain.send(caller, chain.c.tasks, 'checkpoint', [contractId]);
    const head = (await chain.read<unknown[]>(chain.c.tasks, 'queueOf', [contractId]))[1];
    assert.deepEqual(eventsOf(chain.c.tasks, cp, 'Checkpointed')[0]!.args, { contractId, count: 2n, head });
    assert.equal(await chain.read(chain.c.tasks, 'checkpointOf', [contractId, 2n]), head);
    await expectRevert(chain.send(caller, chain.c.tasks, 'checkpoint', [contractId]), 'NothingToCheckpoint');
    await createTasks(1); // a task arrives after the batch was prepared
    const receipts = receiptsFor(tasks);
    await commit(
      tasks.map((t) => t.record),
      receipts,
      await sign(committee.slice(0, 3), receipts),
    );
    assert.deepEqual((await chain.read<unknown[]>(chain.c.tasks, 'queueOf', [contractId]))[2], 2n);
  });

  it('expired tasks are refundable by their caller; a later committee passes them without charge', async () => {
    const other = chain.accounts[9]!;
    await chain.send(chain.deployer, chain.c.token, 'transfer', [other.address, 10n * MOS]);
    await chain.send(other, chain.c.token, 'approve', [chain.c.tasks.address, 10n * MOS]);
    await chain.send(other, chain.c.tasks, 'deposit', [10n * MOS]);
    const mine = await createTasks(1);
    const theirs = await createTasks(1, other);
    const records = [...mine, ...theirs].map((t) => t.record);
    await expectRevert(chain.send(caller, chain.c.tasks, 'refundExpired', [contractId, []]), 'NothingToRefund');
    await expectRevert(chain.send(caller, chain.c.tasks, 'refundExpired', [contractId, records]), 'NothingToRefund');
    await chain.mine(31);
    await expectRevert(
      chain.send(caller, chain.c.tasks, 'refundExpired', [contractId, records.slice(1)]),
      'TaskRecordsMismatch',
    );
    const before = await chain.read<bigint>(chain.c.tasks, 'balanceOf', [caller.address]);
    const refund = await chain.send(caller, chain.c.tasks, 'refundExpired', [contractId, records]);
    assert.deepEqual(eventsOf(chain.c.tasks, refund, 'TaskRefunded')[0]!.args, {
      taskId: mine[0]!.taskId,
      caller: caller.address,
      amount: ESCROW,
    });
    assert.equal(await chain.read(chain.c.tasks, 'balanceOf', [caller.address]), before + ESCROW);
    assert.equal(TASK_STATUS[await chain.read<number>(chain.c.tasks, 'taskStatus', [mine[0]!.taskId])], 'refunded');
    await expectRevert(chain.send(caller, chain.c.tasks, 'refundExpired', [contractId, records]), 'NothingToRefund');
    // The next epoch's committee passes the refunded task (no charge) but cannot receipt the other's epoch task.
    const nextEpoch = await advanceEpoch(chain);
    const members = await chain.read<Hex[]>(chain.c.epochs, 'committeeOf', [
      contractSelectionId(contractId),
      nextEpoch,
      5n,
    ]);
    const nextCommittee = members.map((m) => nodes.find((n) => n.address === m)!);
    const skip: TaskReceipt[] = [{ ...receiptsFor(mine)[0]!, status: RECEIPT_STATUS.skipped, gasUsed: 0n }];
    const r = await chain.send(nextCommittee[0]!, chain.c.tasks, 'commitReceipts', [
      contractId,
      nextEpoch,
      records,
      skip,
      await sign(nextCommittee.slice(0, 3), skip, nextEpoch),
    ]);
    assert.equal(eventsOf(chain.c.tasks, r, 'ReceiptsCommitted')[0]!.args.fees, 0n);
    assert.equal(TASK_STATUS[await chain.read<number>(chain.c.tasks, 'taskStatus', [mine[0]!.taskId])], 'refunded');
    assert.equal(await chain.read(chain.c.tasks, 'balanceOf', [caller.address]), before + ESCROW);
  });

  it('automatic checkpoints every 32 tasks', async () => {
    assert.equal(await chain.read(chain.c.tasks, 'CHECKPOINT_INTERVAL'), 32n);
    await createTasks(32);
    const head = (await chain.read<unknown[]>(chain.c.tasks, 'queueOf', [contractId]))[1];
    assert.equal(await chain.read(chain.c.tasks, 'checkpointOf', [contractId, 32n]), head);
  });
});
