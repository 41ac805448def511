/**
 * `npm run bench -- e2e`: five `mosaic node` processes (real libp2p on loopback) on a real anvil chain
 * (automining), the millionaires' contract on committee (5, 2), called through the client SDK.
 *   e2e.call.p50 / p95  ms from the client's call to the reconstructed result, sequential calls by one caller
 *   e2e.tasks           tasks/s completed for the one contract with CALLERS concurrent callers (each its own
 *                       account and MosaicClient, calling in a loop), counted over a fixed window
 *   e2e.gas.perTask     gas on chain per task at that load, all-in: createTask transactions plus the
 *                       commitReceipts transactions (found by their ReceiptsCommitted events), over the tasks
 */
import '../src/shim.js';
import { MosaicClient } from '@mosaic/client';
import { tasksAbi } from '@mosaic/contracts';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, reveal, secret } from '@mosaic/lang';
import { bytesToHex, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { startLocalNetwork } from '../src/devnet/network.js';

type Record = (row: { name: string; value: number; unit: string }) => void;

const Millionaires = contract('Millionaires', {
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
  },
});

const SEQUENTIAL_CALLS = 30;
const WARMUP_CALLS = 3;
const CALLERS = 48;
const WINDOW_MS = 20_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function run(record: Record): Promise<void> {
  const net = await startLocalNetwork({
    count: 5,
    // Epochs advance only when Epochs.advanceEpoch is called (here once, after the deploy).
    // The chain listener polls every 50 ms (default 1 s): with the default a task waits ~0.9 s for its members
    // to see its TaskCreated event before the bundle is accepted (measured), which would dominate the latency.
    config: { chain: { pollIntervalMs: 50 }, tasks: { maxBatch: 64, maxBatchDelayMs: 1_000 } },
  });
  const { ledger, nodes } = net;
  const clients: MosaicClient[] = [];
  try {
    const compiled = compile(Millionaires);
    for (let i = 0; i < CALLERS; i++) {
      const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 1 + i });
      clients.push(
        await MosaicClient.connect({
          chain: { rpcUrl: ledger.url, account: bytesToHex(account.getHdKey().privateKey!) },
          addresses: ledger.addresses,
          node: nodes[i % nodes.length]!.rpcUrl(),
          WebSocket: WebSocket as never,
        }),
      );
    }
    const deployed = await clients[0]!.deploy(compiled, { n: 5, t: 2 });
    if (!deployed.codeStored) throw new Error(`code not stored: ${deployed.codeError}`);
    await ledger.advanceEpoch();
    const handles = clients.map((c) => c.contract(compiled, deployed.contractId));
    // Prepay every caller's fees once, so that no deposit transaction lands inside a measurement.
    const { fee } = await handles[0]!.estimate.compare();
    for (let i = 0; i < CALLERS; i++) {
      const amount = fee * 2_000n;
      const address = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 1 + i }).address;
      await ledger.fundEth(address); // anvil funds only its first ten accounts
      await ledger.fundMos(address, amount);
      await clients[i]!.deposit(amount);
    }

    let a = 1_000_000n;
    // Where a call's time goes (ms since the call, per stage), for MOSAIC_BENCH_STAGES=1.
    const stageTimes: { [stage: string]: number }[] = [];
    const call = async (i: number) => {
      a += 1n;
      const args = { a: a * 3n, b: a * 2n + BigInt(i) };
      const t0 = performance.now();
      const marks: { [stage: string]: number } = {};
      const result = await handles[i]!.call.compare(args, {
        onProgress: (p: { stage: string }) => {
          marks[p.stage] ??= performance.now() - t0;
        },
      });
      stageTimes.push(marks);
      if (result.outputs.aIsRicher !== true) throw new Error(`wrong result for ${JSON.stringify(String(args.a))}`);
      return result;
    };

    // Latency: one caller, sequential calls.
    for (let k = 0; k < WARMUP_CALLS; k++) await call(0);
    const times: number[] = [];
    for (let k = 0; k < SEQUENTIAL_CALLS; k++) {
      const start = performance.now();
      await call(0);
      times.push(performance.now() - start);
    }
    times.sort((x, y) => x - y);
    record({ name: 'e2e.call.p50', value: Math.round(percentile(times, 50)), unit: 'ms' });
    record({ name: 'e2e.call.p95', value: Math.round(percentile(times, 95)), unit: 'ms' });

    // Every earlier task receipted, so that the load phase's commits hold only load-phase tasks.
    const queueOf = async () =>
      (await ledger.client.readContract({
        address: ledger.addresses.tasks,
        abi: tasksAbi,
        functionName: 'queueOf',
        args: [deployed.contractId],
      })) as readonly [bigint, string, bigint, string];
    const earlier = BigInt(WARMUP_CALLS + SEQUENTIAL_CALLS);
    await waitUntil(async () => (await queueOf())[2] >= earlier, 60_000, 'earlier tasks receipted');

    // Throughput: CALLERS concurrent callers over a fixed window.
    const fromBlock = (await ledger.client.getBlockNumber({ cacheTime: 0 })) + 1n;
    let completed = 0;
    let failures = 0;
    let stop = false;
    const windowStart = performance.now();
    if (process.env.MOSAIC_BENCH_STAGES) console.error('throughput window starts');
    const loops = handles.map(async (_, i) => {
      while (!stop) {
        try {
          await call(i);
          if (performance.now() - windowStart <= WINDOW_MS) completed++;
        } catch (error) {
          failures++;
          if (failures > 20) throw error;
        }
      }
    });
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    stop = true;
    await Promise.all(loops);
    if (process.env.MOSAIC_BENCH_STAGES) {
      const load = stageTimes.slice(WARMUP_CALLS + SEQUENTIAL_CALLS);
      const stages = [...new Set(load.flatMap((m) => Object.keys(m)))];
      const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
      console.error(stages.map((st) => `${st} ${Math.round(median(load.map((m) => m[st] ?? 0)))}`).join(', '));
    }
    record({ name: 'e2e.tasks', value: Math.round((completed / (WINDOW_MS / 1000)) * 100) / 100, unit: 'tasks/s' });

    // Gas: every task created in the load phase, and the commits that receipted them.
    const created = await ledger.client.getContractEvents({
      address: ledger.addresses.tasks,
      abi: tasksAbi,
      eventName: 'TaskCreated',
      args: { contractId: deployed.contractId },
      fromBlock,
    });
    const total = earlier + BigInt(created.length);
    await waitUntil(async () => (await queueOf())[2] >= total, 60_000, 'load-phase tasks receipted');
    const commits = await ledger.client.getContractEvents({
      address: ledger.addresses.tasks,
      abi: tasksAbi,
      eventName: 'ReceiptsCommitted',
      args: { contractId: deployed.contractId },
      fromBlock,
    });
    const receiptedTasks = commits.reduce((sum, e) => sum + Number((e.args as { count: bigint }).count), 0);
    if (receiptedTasks !== created.length)
      throw new Error(`${created.length} tasks created but ${receiptedTasks} receipted by the load-phase commits`);
    const txs = new Set<Hex>([...created, ...commits].map((e) => e.transactionHash as Hex));
    let gas = 0n;
    for (const hash of txs) gas += (await ledger.client.getTransactionReceipt({ hash })).gasUsed;
    record({ name: 'e2e.gas.perTask', value: Math.round(Number(gas) / created.length), unit: 'gas' });
    if (process.env.MOSAIC_BENCH_VERBOSE) {
      console.error(
        `e2e: ${created.length} tasks created, ${commits.length} commits, ${failures} failed calls, ${completed} completed in window`,
      );
    }
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await net.stop();
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
