/**
 * The data marketplace on a network: four sellers store rows (x, y) as int64 data and grant
 * the buyer's service address; the buyer escrows MOS in a Marketplace order and runs one secret-contract task
 * over all sellers' data; the receipt pays every seller; the buyer's client turns the private sums into count,
 * mean and variance of y, and the least-squares slope and intercept of y on x. Then one seller revokes the grant:
 * the buyer's next order is not paid, its task is skipped by every member with the access reason, and the buyer
 * takes the escrow back once the order expires. Run by hand: `node examples/dist/data-marketplace/script.js`.
 */
import { TaskFailedError } from '@mosaic/client';
import { mosaicTokenAbi, tasksAbi } from '@mosaic/contracts';
import { type Address, createWalletClient, formatEther, type Hex, http, numberToHex } from 'viem';
import { mainIf } from '../common/cli.js';
import { type Connection, Network, type User } from '../common/connection.js';
import { COUNT, dataMarketplace, ROWS, SELLERS } from './contract.js';
import { marketplaceAbi, marketplaceBytecode } from './marketplace-artifact.js';

/** The data type the sellers store their rows under (and grant the buyer). */
export const TYPE_ROWS = 7;
/** What the buyer pays each seller per run: 0.1 MOS. */
export const PRICE = 10n ** 17n;
/** The statistics are scaled integers: value × 10^6, rounded to the nearest (6 decimals). */
export const SCALE = 1_000_000n;

/**
 * Each seller's rows: x = weekly ad spend (hundreds of euros), y = weekly sales (units). The contract assumes
 * |value| < 2^24, so that every sum it forms stays below 2^63.
 */
export const DEFAULT_ROWS: Record<string, { x: bigint[]; y: bigint[] }> = {
  anna: { x: [12n, 15n, 9n, 20n, 14n, 18n, 11n, 16n], y: [410n, 468n, 335n, 590n, 452n, 530n, 372n, 497n] },
  ben: { x: [5n, 7n, 6n, 9n, 4n, 8n, 10n, 6n], y: [240n, 281n, 262n, 330n, 215n, 301n, 349n, 259n] },
  chloe: { x: [25n, 22n, 30n, 27n, 24n, 21n, 29n, 26n], y: [705n, 652n, 820n, 751n, 690n, 640n, 799n, 733n] },
  dmitri: { x: [0n, 3n, 2n, 1n, 13n, 17n, 19n, 8n], y: [95n, 188n, 160n, 131n, 441n, 515n, 580n, 296n] },
};

/** What the buyer receives: the contract's private sums. */
export interface Sums {
  sumX: bigint;
  sumY: bigint;
  /** n·Σx² − (Σx)², n·Σxy − ΣxΣy, n·Σy² − (Σy)². */
  sxx: bigint;
  sxy: bigint;
  syy: bigint;
}

/** The statistics, each × SCALE (rounded to the nearest), except the count. */
export interface Statistics {
  count: bigint;
  meanY: bigint;
  /** Population variance of y (divided by n). */
  varianceY: bigint;
  /** Least squares y ≈ intercept + slope·x. */
  slope: bigint;
  intercept: bigint;
}

/** a / b rounded to the nearest integer (halves away from zero), b ≠ 0. */
function roundDiv(a: bigint, b: bigint): bigint {
  if (b < 0n) return roundDiv(-a, -b);
  const q = (2n * (a < 0n ? -a : a) + b) / (2n * b);
  return a < 0n ? -q : q;
}

/** The buyer's last step: the divisions the MPC cannot do (exact rationals, rounded once, at the end). */
export function statistics(sums: Sums, count = COUNT): Statistics {
  if (sums.sxx === 0n) throw new Error('every x is the same: no regression line');
  return {
    count,
    meanY: roundDiv(sums.sumY * SCALE, count),
    varianceY: roundDiv(sums.syy * SCALE, count * count),
    slope: roundDiv(sums.sxy * SCALE, sums.sxx),
    intercept: roundDiv((sums.sumY * sums.sxx - sums.sumX * sums.sxy) * SCALE, count * sums.sxx),
  };
}

/** A scaled statistic as a decimal string. */
export function decimal(v: bigint): string {
  const sign = v < 0n ? '-' : '';
  const a = v < 0n ? -v : v;
  return `${sign}${a / SCALE}.${(a % SCALE).toString().padStart(6, '0')}`;
}

export interface MarketplaceResult {
  contractId: bigint;
  marketplace: Address;
  pointers: Record<string, Hex>;
  sellers: Record<string, Address>;
  buyer: Address;
  /** The paid run: its task, the sums and the statistics, and each seller's MOS before and after. */
  paid: {
    order: bigint;
    taskId: bigint;
    sums: Sums;
    statistics: Statistics;
    orderState: number;
    paidByTask: bigint;
    balancesBefore: Record<string, bigint>;
    balancesAfter: Record<string, bigint>;
  };
  /** The run after `revoker` revoked the grant: refused, nobody paid, the escrow refunded. */
  refused: {
    revoker: string;
    order: bigint;
    taskId: bigint;
    reason: string;
    taskStatus: number;
    orderStateAfterRun: number;
    balancesAfter: Record<string, bigint>;
    /** MOS the buyer escrowed in the order, and got back by the refund (undefined: no refund run). */
    escrowed: bigint;
    refunded: bigint | undefined;
  };
}

/** Order states of Marketplace.sol. */
export const ORDER = { none: 0, open: 1, paid: 2, refunded: 3 } as const;
/** Tasks.taskStatus values. */
const TASK_RECEIPTED = 2;

export async function run(
  connection: Connection,
  rows = DEFAULT_ROWS,
  { revoker = 'dmitri', settleTimeoutMs = 60_000 } = {},
): Promise<MarketplaceResult> {
  const names = Object.keys(rows);
  if (names.length !== SELLERS) throw new Error(`the contract takes ${SELLERS} sellers`);
  const network = await Network.open(connection);
  try {
    const { addresses } = connection;
    const {
      address: marketplace,
      compiled,
      contractId,
    } = await network.deployBound({
      name: 'Marketplace',
      abi: marketplaceAbi,
      bytecode: marketplaceBytecode,
      args: [addresses.token, addresses.tasks],
      secretContract: dataMarketplace,
    });
    network.log(`active from epoch ${await network.nextEpoch()}`);

    // The buyer needs MOS for two escrows and the task fees; the sellers for their storage fees.
    const sellerUsers = await network.users(names);
    const [buyer] = await network.users(['buyer'], { mos: 3n * 10n ** 18n });
    const sellerOf = Object.fromEntries(names.map((name, i) => [name, sellerUsers[i]!])) as Record<string, User>;
    const sellers = Object.fromEntries(names.map((name) => [name, sellerOf[name]!.account.address]));

    // Each seller stores its rows as one int64 item (x column, then y column) and grants the buyer the type.
    const pointers: Record<string, Hex> = {};
    for (const name of names) {
      const { x, y } = rows[name]!;
      if (x.length !== ROWS || y.length !== ROWS) throw new Error(`${name}: ${ROWS} rows of (x, y)`);
      const stored = await sellerOf[name]!.client.data.store(
        { encoding: 'int64', value: [...x, ...y] },
        { dataType: TYPE_ROWS },
      );
      pointers[name] = stored.pointer;
      await sellerOf[name]!.client.data.grant(buyer!.account.address, [TYPE_ROWS]);
      network.log(`${name} stored ${ROWS} rows at ${stored.pointer} and granted the buyer`);
    }

    const read = <T>(functionName: string, args: readonly unknown[] = [], address: Address = marketplace) =>
      network.publicClient.readContract({
        address,
        abi: address === marketplace ? marketplaceAbi : mosaicTokenAbi,
        functionName,
        args,
      } as never) as Promise<T>;
    const mos = (who: Address) => read<bigint>('balanceOf', [who], addresses.token);
    const balances = async () =>
      Object.fromEntries(await Promise.all(names.map(async (n) => [n, await mos(sellers[n]!)] as const)));
    const orderOf = async (order: bigint) => {
      const [, state, , , paidByTask] = await read<readonly [Address, number, bigint, bigint, bigint, Address[]]>(
        'orderOf',
        [order],
      );
      return { state, paidByTask };
    };
    const buyerWallet = createWalletClient({
      account: buyer!.account,
      chain: network.chain,
      transport: http(connection.chainRpcUrl),
    });
    const ttlBlocks = await network.publicClient.readContract({
      address: addresses.tasks,
      abi: tasksAbi,
      functionName: 'taskTimeoutBlocks',
    });
    /** The buyer escrows PRICE per seller in a new order; returns its id. */
    const openOrder = async (): Promise<bigint> => {
      const total = PRICE * BigInt(names.length);
      await network.confirm(
        await buyerWallet.writeContract({
          address: addresses.token,
          abi: mosaicTokenAbi,
          functionName: 'approve',
          args: [marketplace, total],
        }),
      );
      await network.confirm(
        await buyerWallet.writeContract({
          address: marketplace,
          abi: marketplaceAbi,
          functionName: 'open',
          args: [names.map((n) => sellers[n]!), PRICE, ttlBlocks],
        }),
      );
      return read<bigint>('orderCount');
    };
    const regress = (order: bigint) =>
      buyer!.client.contract(compiled, contractId).call.regress(
        {
          order,
          s1: pointers[names[0]!]!,
          s2: pointers[names[1]!]!,
          s3: pointers[names[2]!]!,
          s4: pointers[names[3]!]!,
        },
        { autoDeposit: true, timeoutMs: 90_000 },
      );

    // The paid run.
    const balancesBefore = await balances();
    const order = await openOrder();
    network.log(`the buyer escrowed ${formatEther(PRICE)} MOS per seller in order ${order}`);
    const result = await regress(order);
    const sums: Sums = {
      sumX: result.outputs.sumX,
      sumY: result.outputs.sumY,
      sxx: result.outputs.sxx,
      sxy: result.outputs.sxy,
      syy: result.outputs.syy,
    };
    const stats = statistics(sums);
    network.log(
      `buyer: n = ${stats.count}, mean(y) = ${decimal(stats.meanY)}, var(y) = ${decimal(stats.varianceY)}, ` +
        `y ≈ ${decimal(stats.intercept)} + ${decimal(stats.slope)}·x (task ${result.taskId})`,
    );
    // The receipt (committed shortly after the members hand out the result) pays the sellers in its transaction.
    const deadline = Date.now() + settleTimeoutMs;
    let settled = await orderOf(order);
    while (settled.state !== ORDER.paid) {
      if (Date.now() > deadline) throw new Error(`order ${order} not paid after ${settleTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
      settled = await orderOf(order);
    }
    const balancesAfter = await balances();
    network.log(`order ${order} paid by task ${settled.paidByTask}: every seller +${formatEther(PRICE)} MOS`);

    // A seller revokes: the next run is refused by every member, nobody is paid, no result comes out.
    await sellerOf[revoker]!.client.data.revoke(buyer!.account.address);
    network.log(`${revoker} revoked the buyer`);
    const buyerBefore = await mos(buyer!.account.address);
    const second = await openOrder();
    const escrowed = buyerBefore - (await mos(buyer!.account.address));
    const refusal = await regress(second).then(
      () => {
        throw new Error(`the buyer computed on ${revoker}'s data after the revocation`);
      },
      (error: unknown) => {
        if (!(error instanceof TaskFailedError)) throw error;
        return error;
      },
    );
    network.log(`order ${second}: the task was refused (${refusal.message})`);
    // Wait for the skipped task's receipt: after it, no settle call can come for this task.
    const taskStatus = async () =>
      Number(
        await network.publicClient.readContract({
          address: addresses.tasks,
          abi: tasksAbi,
          functionName: 'taskStatus',
          args: [refusal.taskId],
        }),
      );
    let status = await taskStatus();
    while (status !== TASK_RECEIPTED) {
      if (Date.now() > deadline + settleTimeoutMs) throw new Error(`task ${refusal.taskId} not receipted`);
      await new Promise((r) => setTimeout(r, 250));
      status = await taskStatus();
    }
    const orderStateAfterRun = (await orderOf(second)).state;
    const balancesAfterRefusal = await balances();
    network.log(`order ${second} is still open after the skipped receipt: nobody was paid`);

    // The buyer takes the escrow back once the order expires (on anvil the script mines to that block).
    let refunded: bigint | undefined;
    if (await isAnvil(network)) {
      const beforeRefund = await mos(buyer!.account.address);
      await network.publicClient.request({ method: 'anvil_mine', params: [numberToHex(ttlBlocks + 1n)] } as never);
      await network.confirm(
        await buyerWallet.writeContract({
          address: marketplace,
          abi: marketplaceAbi,
          functionName: 'refund',
          args: [second],
        }),
      );
      refunded = (await mos(buyer!.account.address)) - beforeRefund;
      network.log(`order ${second} expired and was refunded to the buyer`);
    } else {
      network.log(`order ${second} is refundable after ${ttlBlocks} blocks: Marketplace.refund(${second})`);
    }

    return {
      contractId,
      marketplace,
      pointers,
      sellers,
      buyer: buyer!.account.address,
      paid: {
        order,
        taskId: result.taskId,
        sums,
        statistics: stats,
        orderState: settled.state,
        paidByTask: settled.paidByTask,
        balancesBefore,
        balancesAfter,
      },
      refused: {
        revoker,
        order: second,
        taskId: refusal.taskId,
        reason: refusal.message,
        taskStatus: status,
        orderStateAfterRun,
        balancesAfter: balancesAfterRefusal,
        escrowed,
        refunded,
      },
    };
  } finally {
    await network.close();
  }
}

async function isAnvil(network: Network): Promise<boolean> {
  try {
    return /anvil/i.test(String(await network.publicClient.request({ method: 'web3_clientVersion' } as never)));
  } catch {
    return false;
  }
}

mainIf(import.meta.url, run);
