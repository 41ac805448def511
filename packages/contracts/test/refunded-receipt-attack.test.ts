// Attack: a refunded task's receipt signed by a committee that is not the task's own. A task that was not receipted
// in time is refunded to its caller; any later batch may then pass it so that the contract's queue moves on. The
// attacker holds a majority of an earlier epoch's committee (say it was captured then) and signs, for that epoch,
// a receipt of the refunded task that claims success, a public output, a callback into the contract's Ethereum
// settlement and a new state commitment. Such a receipt now changes nothing but the refund: the task is passed as
// skipped, no output is published, no call runs, the state commitment stays.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
} from 'viem';
import {
  auctionSettlementAbi,
  auctionSettlementBytecode,
  contractSelectionId,
  mosaicErrorsAbi,
  RECEIPT_STATUS,
  signReceiptBatch,
  TASK_STATUS,
  type TaskReceipt,
  taskRecordsFromLogs,
} from '../src/index.js';
import { advanceEpoch, type Contract, eventsOf, MOS, setupNode, startChain, type TestChain } from './fixture.js';

const GAS_LIMIT = 100_000n;
const GAS_PRICE = 10n ** 12n;
const CODE_HASH = keccak256(toHex('secret contract IR'));

describe('attack: a refunded task receipted by another epoch’s committee', () => {
  let chain: TestChain;
  let nodes: LocalAccount[];
  let caller: Account;
  let settlement: Contract;
  const contractId = 1n;

  const committeeOf = async (epoch: bigint) => {
    const members = await chain.read<Hex[]>(chain.c.epochs, 'committeeOf', [
      contractSelectionId(contractId),
      epoch,
      5n,
    ]);
    return members.map((m) => nodes.find((n) => n.address === m)!);
  };

  before(async () => {
    chain = await startChain({ epochLength: 20n, taskTimeoutBlocks: 30n });
    nodes = chain.accounts.slice(1, 8) as LocalAccount[];
    for (const node of nodes) await setupNode(chain, node);
    caller = chain.accounts[8]!;
    await chain.send(chain.deployer, chain.c.token, 'transfer', [caller.address, 100n * MOS]);
    await chain.send(caller, chain.c.token, 'approve', [chain.c.tasks.address, 100n * MOS]);
    await chain.send(caller, chain.c.tasks, 'deposit', [100n * MOS]);
    await advanceEpoch(chain);
    await chain.send(caller, chain.c.secretContracts, 'deploy', [CODE_HASH, 5, 2]);
    const wallet = chain.walletOf(chain.deployer);
    const hash = await wallet.deployContract({
      abi: auctionSettlementAbi,
      bytecode: auctionSettlementBytecode,
      args: [chain.c.tasks.address],
      account: chain.deployer,
      chain: wallet.chain,
    });
    const address = getAddress((await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!);
    settlement = { address, abi: [...auctionSettlementAbi, ...mosaicErrorsAbi] as Abi };
    await chain.send(chain.deployer, settlement, 'bind', [contractId]);
  });
  after(() => chain?.stop());

  it('a forged success with an output, a callback and a state is passed as skipped, and acts on nothing', async () => {
    const capturedEpoch = await advanceEpoch(chain); // the contract's first active epoch: the attacker's majority
    const taskEpoch = await advanceEpoch(chain);
    const created = await chain.send(caller, chain.c.tasks, 'createTask', [
      contractId,
      '0xa9059cbb',
      keccak256(toHex('the victim bundle')),
      GAS_LIMIT,
      GAS_PRICE,
    ]);
    const [task] = taskRecordsFromLogs(created.logs);
    await chain.mine(31);
    await chain.send(caller, chain.c.tasks, 'refundExpired', [contractId, [task!.record]]);
    assert.equal(TASK_STATUS[await chain.read<number>(chain.c.tasks, 'taskStatus', [task!.taskId])], 'refunded');
    const stateBefore = await chain.read<Hex>(chain.c.secretContracts, 'stateCommitmentOf', [contractId]);

    const attackers = (await committeeOf(capturedEpoch)).slice(0, 3);
    const taskCommittee = await committeeOf(taskEpoch);
    assert.notDeepEqual(
      attackers.map((a) => a.address),
      taskCommittee.slice(0, 3).map((a) => a.address),
    );
    const forgedState = keccak256(toHex('state the attacker wants'));
    const forged: TaskReceipt[] = [
      {
        taskId: task!.taskId,
        status: RECEIPT_STATUS.success,
        gasUsed: 40_000n,
        outputHash: keccak256(toHex('forged output')),
        publicOutput: encodeAbiParameters([{ type: 'int64' }, { type: 'int64' }], [6n, 1n]),
        stateCommitment: forgedState,
        callTarget: settlement.address,
        callSelector: toFunctionSelector('settle(int64,int64)'),
      },
    ];
    const signatures = await Promise.all(
      attackers.map((s) =>
        signReceiptBatch(s, {
          chainId: chain.deployment.chainId,
          tasks: chain.c.tasks.address,
          contractId,
          epoch: capturedEpoch,
          receipts: forged,
        }),
      ),
    );
    const receipt = await chain.send(attackers[0]!, chain.c.tasks, 'commitReceipts', [
      contractId,
      capturedEpoch,
      [task!.record],
      forged,
      signatures,
    ]);
    // The queue moved on past the refunded task…
    assert.equal(TASK_STATUS[await chain.read<number>(chain.c.tasks, 'taskStatus', [task!.taskId])], 'refunded');
    const [, , receipted] = await chain.read<[bigint, Hex, bigint, Hex]>(chain.c.tasks, 'queueOf', [contractId]);
    assert.equal(receipted, 1n);
    // …but nothing the attacker signed took effect.
    assert.deepEqual(
      eventsOf(chain.c.tasks, receipt, 'TaskReceipted').map((e) => e.args),
      [
        {
          taskId: task!.taskId,
          status: RECEIPT_STATUS.skipped,
          gasUsed: 0n,
          outputHash: `0x${'0'.repeat(64)}`,
          publicOutput: '0x',
        },
      ],
    );
    assert.equal(eventsOf(chain.c.tasks, receipt, 'TaskCallback').length, 0, 'the forged callback ran');
    assert.equal(await chain.read(settlement, 'settled'), false);
    assert.equal(await chain.read(chain.c.secretContracts, 'stateCommitmentOf', [contractId]), stateBefore);
    assert.notEqual(stateBefore, forgedState);
    assert.equal(eventsOf(chain.c.tasks, receipt, 'ReceiptsCommitted')[0]!.args.fees, 0n);
  });
});
