// Helpers of the tests that run tasks on node processes: every node's final view of a task, and a caller's
// ledger handle for the client's low-level task functions.
import type { Ledger } from '@mosaic/client';
import { createWalletClient, http, type LocalAccount } from 'viem';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';

export interface TaskView {
  status: string;
  receiptStatus?: string;
  error?: string;
}

/** Each node's view of a task once it has it receipted or failed, or its last view after `waitMs`. */
export function finalViews(nodes: readonly NodeProcess[], taskId: bigint, waitMs: number): Promise<TaskView[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const until = Date.now() + waitMs;
      for (;;) {
        const info = (await rpc(node.rpcUrl(), 'mosaic_getTask', { taskId: `0x${taskId.toString(16)}` }).catch(
          () => undefined,
        )) as TaskView | undefined;
        if (info && (info.status === 'receipted' || info.status === 'failed')) return info;
        if (Date.now() > until) return info ?? { status: 'unknown' };
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
}

/** The chain as `account` sees it, for createTask and depositFees. */
export function ledgerOf(ledger: TestLedger, account: LocalAccount): Ledger {
  return {
    publicClient: ledger.client,
    walletClient: createWalletClient({ account, chain: ledger.chain, transport: http(ledger.url) }),
    addresses: ledger.addresses,
  };
}
