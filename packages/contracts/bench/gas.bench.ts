// Gas of the ledger's hot paths, from real transactions on anvil (gasUsed of their receipts).
//   gas.createTask            createTask, steady state (median over the batch-100 run)
//   gas.task.batchN           per task, all-in: createTask + commitReceipts / N, committee n = 5, 5 signatures
//   gas.advanceEpoch.nodes100 advanceEpoch with 100 logged-in nodes and a changed active set
import { type Account, type Hex, keccak256, toHex } from 'viem';
import {
  contractSelectionId,
  NO_CALL,
  RECEIPT_STATUS,
  signReceiptBatch,
  type TaskReceipt,
  type TaskRecord,
  taskRecordsFromLogs,
} from '../src/index.js';
import { advanceEpoch, MOS, setupNode, startChain, type TestChain } from '../test/fixture.js';

type Row = { name: string; value: number; unit: string };

const COMMITTEE_SIZE = 5;
const GAS_LIMIT = 1_000_000n;
const GAS_PRICE = 10n ** 9n;

export async function run(record: (row: Row) => void): Promise<void> {
  const chain = await startChain({ epochLength: 300n, taskTimeoutBlocks: 100_000n });
  try {
    await benchTasks(chain, record);
    await benchAdvanceEpoch(chain, record);
  } finally {
    await chain.stop();
  }
}

async function benchTasks(chain: TestChain, record: (row: Row) => void) {
  const nodes = await Promise.all(Array.from({ length: 8 }, (_, i) => chain.newAccount(`bench-node-${i}`)));
  for (const node of nodes) await setupNode(chain, node);
  await advanceEpoch(chain);
  const receipt = await chain.send(chain.deployer, chain.c.secretContracts, 'deploy', [
    keccak256(toHex('bench')),
    5,
    2,
  ]);
  void receipt;
  const contractId = await chain.read<bigint>(chain.c.secretContracts, 'contractCount');
  const epoch = await advanceEpoch(chain);
  const [seed] = await chain.read<[Hex]>(chain.c.epochs, 'epochInfo', [epoch]);
  void seed;
  const committee = await chain.read<readonly Hex[]>(chain.c.epochs, 'committeeOf', [
    contractSelectionId(contractId),
    epoch,
    BigInt(COMMITTEE_SIZE),
  ]);
  const signers = committee.map((address) => nodes.find((n) => n.address.toLowerCase() === address.toLowerCase())!);

  const caller = chain.deployer;
  await chain.send(caller, chain.c.token, 'approve', [chain.c.tasks.address, 1_000_000n * MOS]);
  await chain.send(caller, chain.c.tasks, 'deposit', [1_000_000n * MOS]);

  const chainId = chain.deployment.chainId;
  const runBatch = async (size: number) => {
    const createGas: bigint[] = [];
    const created: { taskId: bigint; record: TaskRecord }[] = [];
    for (let i = 0; i < size; i++) {
      const r = await chain.send(caller, chain.c.tasks, 'createTask', [
        contractId,
        '0x12345678',
        keccak256(toHex(`bundle-${size}-${i}`)),
        GAS_LIMIT,
        GAS_PRICE,
      ]);
      createGas.push(r.gasUsed);
      created.push(...taskRecordsFromLogs(r.logs));
    }
    const receipts: TaskReceipt[] = created.map((t, i) => ({
      taskId: t.taskId,
      status: RECEIPT_STATUS.success,
      outputHash: keccak256(toHex(`output-${t.taskId}`)),
      publicOutput: toHex(`result ${i}`),
      stateCommitment: keccak256(toHex(`state-${t.taskId}`)),
      gasUsed: 400_000n + BigInt(i),
      ...NO_CALL,
    }));
    const batch = { chainId, tasks: chain.c.tasks.address, contractId, epoch, receipts };
    const signatures = await Promise.all(
      signers.map((s) => signReceiptBatch(s as Account & { signTypedData: never } as never, batch)),
    );
    const commit = await chain.send(nodes[0]!, chain.c.tasks, 'commitReceipts', [
      contractId,
      epoch,
      created.map((t) => t.record),
      receipts,
      signatures,
    ]);
    const createTotal = createGas.reduce((a, b) => a + b, 0n);
    return { perTask: Number(createTotal + commit.gasUsed) / size, createGas, commitGas: commit.gasUsed };
  };

  await runBatch(1); // the contract's first task pays its one-time activation check: keep it out of the figures
  const b1 = await runBatch(1);
  const b10 = await runBatch(10);
  const b100 = await runBatch(100);
  const sorted = [...b100.createGas].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  record({ name: 'gas.createTask', value: Number(sorted[sorted.length >> 1]), unit: 'gas' });
  record({ name: 'gas.task.batch1', value: Math.round(b1.perTask), unit: 'gas/task' });
  record({ name: 'gas.task.batch10', value: Math.round(b10.perTask), unit: 'gas/task' });
  record({ name: 'gas.task.batch100', value: Math.round(b100.perTask), unit: 'gas/task' });
}

async function benchAdvanceEpoch(chain: TestChain, record: (row: Row) => void) {
  const current = Number(await chain.read<bigint>(chain.c.nodeRegistry, 'activeCount'));
  for (let i = current; i < 100; i++) {
    await setupNode(chain, await chain.newAccount(`bench-epoch-node-${i}`), 25_000n * MOS + BigInt(i) * MOS);
  }
  // Both steps: the snapshot, then the seed SEED_DELAY blocks later.
  let gas = 0n;
  for (let step = 0; step < 2; step++) {
    const next = await chain.read<bigint>(chain.c.epochs, 'nextAdvanceBlock');
    const now = await chain.blockNumber();
    if (next > now + 1n) await chain.mine(Number(next - now - 1n));
    gas += (await chain.send(chain.deployer, chain.c.epochs, 'advanceEpoch', [])).gasUsed;
  }
  record({ name: 'gas.advanceEpoch.nodes100', value: Number(gas), unit: 'gas' });
}
