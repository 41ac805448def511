/**
 * The task methods of the node's JSON-RPC (the client/node contract in packages/client/README.md):
 * mosaic_submitTask, mosaic_getTask, mosaic_getTaskResult, and the `taskUpdates` subscription topic.
 */
import { decodeBundle } from '@mosaic/client';
import { type Hex, hexToBytes } from 'viem';
import { z } from 'zod';
import { RpcError, RpcErrorCode } from '../rpc/errors.js';
import type { RpcRegistry } from '../rpc/registry.js';
import { BundleMismatchError, type BundleRelay, TaskNotFoundError } from './bundle-relay.js';
import type { TaskResults } from './results.js';
import type { TaskBook, TaskEntry } from './task-book.js';

const MAX_BUNDLE_HEX = 2 + 2 * (16 << 20);

/** A uint256 as a 0x hex quantity or a decimal string. */
const uint256 = z
  .string()
  .regex(/^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/, 'expected a uint256 as 0x-hex or decimal')
  .transform((v) => BigInt(v))
  .refine((v) => v < 1n << 256n, { message: 'must be below 2^256' });

const taskQuery = z.strictObject({ taskId: uint256 });

/** What the task methods answer from: the task book, the bundle relay and the result envelopes. */
export interface TaskMethodsComponents {
  book: Pick<TaskBook, 'get' | 'onUpdate'>;
  bundles: Pick<BundleRelay, 'submit'>;
  results: Pick<TaskResults, 'gather'>;
}

export function registerTaskMethods(registry: RpcRegistry, tasks: TaskMethodsComponents): void {
  registry.method({
    name: 'mosaic_submitTask',
    description: "Hands a task's bundle to the node, which checks it against the chain and passes it to the committee",
    params: z.strictObject({
      taskId: uint256,
      bundle: z
        .string()
        .max(MAX_BUNDLE_HEX, 'bundle too large')
        .regex(/^0x([0-9a-fA-F]{2})+$/, 'expected 0x-hex bytes'),
    }),
    positional: ['taskId', 'bundle'],
    handler: async ({ taskId, bundle }) => {
      const bytes = hexToBytes(bundle as Hex);
      try {
        decodeBundle(bytes);
      } catch (error) {
        throw new RpcError(RpcErrorCode.InvalidParams, `bundle: ${(error as Error).message}`);
      }
      try {
        const { accepted, bundleHash } = await tasks.bundles.submit(taskId, bytes);
        return { taskId: quantity(taskId), bundleHash, accepted };
      } catch (error) {
        throw asRpcError(error);
      }
    },
  });

  registry.method({
    name: 'mosaic_getTask',
    description: 'Where a task stands',
    params: taskQuery,
    positional: ['taskId'],
    handler: async ({ taskId }) => taskInfo(await known(tasks.book, taskId)),
  });

  registry.method({
    name: 'mosaic_getTaskResult',
    description: "A task's public output and every member's sealed result envelope this node can gather",
    params: taskQuery,
    positional: ['taskId'],
    handler: async ({ taskId }) => {
      const entry = await known(tasks.book, taskId);
      const ready = entry.status === 'completed' || entry.status === 'receipted';
      const envelopes = ready && entry.receiptStatus === 'success' ? await tasks.results.gather(entry) : [];
      return {
        taskId: quantity(entry.taskId),
        status: entry.status,
        ...(entry.receiptStatus ? { receiptStatus: entry.receiptStatus } : {}),
        error: entry.error ?? null,
        // A member has its own receipt; any node has what the chain recorded once the task is receipted.
        publicOutput: entry.receipt?.publicOutput ?? entry.onChain?.publicOutput ?? '0x',
        ...(entry.receipt
          ? { outputHash: entry.receipt.outputHash, gasUsed: quantity(entry.receipt.gasUsed) }
          : entry.onChain
            ? { outputHash: entry.onChain.outputHash, gasUsed: quantity(entry.onChain.gasUsed) }
            : {}),
        resultEnvelopes: envelopes
          .sort((a, b) => a.member - b.member)
          .map((r) => ({ member: r.member, operator: r.operator, envelope: r.envelope, signature: r.signature })),
      };
    },
  });

  registry.topic({
    name: 'taskUpdates',
    description: 'Every status change of a task (WebSocket)',
    params: taskQuery,
    positional: ['taskId'],
    subscribe: ({ taskId }, sink) => {
      let last = '';
      const send = (entry: TaskEntry) => {
        const info = taskInfo(entry);
        const key = `${info.status}:${info.receiptStatus ?? ''}`;
        if (key === last) return;
        last = key;
        sink.next(info);
      };
      const stop = tasks.book.onUpdate((entry) => {
        if (entry.taskId === taskId) send(entry);
      });
      void tasks.book.get(taskId).then((entry) => entry && send(entry));
      return stop;
    },
  });
}

async function known(book: Pick<TaskBook, 'get'>, taskId: bigint): Promise<TaskEntry> {
  const entry = await book.get(taskId);
  if (!entry) throw new RpcError(RpcErrorCode.NotFound, `task ${quantity(taskId)} is not known to this node (yet)`);
  return entry;
}

export function taskInfo(entry: TaskEntry) {
  return {
    taskId: quantity(entry.taskId),
    contractId: quantity(entry.contractId),
    selector: entry.selector,
    caller: entry.caller,
    epoch: quantity(entry.epoch),
    bundleHash: entry.bundleHash,
    createdBlock: quantity(entry.createdBlock),
    status: entry.status,
    ...(entry.receiptStatus ? { receiptStatus: entry.receiptStatus } : {}),
    ...(entry.error ? { error: entry.error } : {}),
    updatedAt: entry.updatedAt,
  };
}

function quantity(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function asRpcError(error: unknown): unknown {
  if (error instanceof TaskNotFoundError) return new RpcError(RpcErrorCode.NotFound, error.message);
  if (error instanceof BundleMismatchError) return new RpcError(RpcErrorCode.HashMismatch, error.message);
  return error;
}
