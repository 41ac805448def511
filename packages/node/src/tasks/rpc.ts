/**
 * The task methods of the node's JSON-RPC (docs/json-rpc.md; params and answers are the schemas of
 * @mosaic/protocol): mosaic_submitTask, mosaic_getTask, mosaic_getTaskResult, and the `taskUpdates` topic.
 */
import { decodeBundle, rpc, toHexQuantity } from '@mosaic/protocol';
import { type Hex, hexToBytes } from 'viem';
import type { z } from 'zod';
import { RpcError, RpcErrorCode } from '../rpc/errors.js';
import type { RpcRegistry } from '../rpc/registry.js';
import { BundleMismatchError, type BundleRelay, TaskNotFoundError } from './bundle-relay.js';
import type { TaskResults } from './results.js';
import type { TaskBook, TaskEntry } from './task-book.js';

/** What the task methods answer from: the task book, the bundle relay and the result envelopes. */
export interface TaskMethodsComponents {
  book: Pick<TaskBook, 'get' | 'onUpdate'>;
  bundles: Pick<BundleRelay, 'submit'>;
  results: Pick<TaskResults, 'gather'>;
}

export function registerTaskMethods(registry: RpcRegistry, tasks: TaskMethodsComponents): void {
  registry.method({
    ...rpc.submitTask,
    description: "Hands a task's bundle to the node, which checks it against the chain and passes it to the committee",
    handler: async ({ taskId, bundle }) => {
      const bytes = hexToBytes(bundle as Hex);
      try {
        decodeBundle(bytes);
      } catch (error) {
        throw new RpcError(RpcErrorCode.InvalidParams, `bundle: ${(error as Error).message}`);
      }
      try {
        const { accepted, bundleHash } = await tasks.bundles.submit(taskId, bytes);
        return { taskId: toHexQuantity(taskId), bundleHash, accepted };
      } catch (error) {
        throw asRpcError(error);
      }
    },
  });

  registry.method({
    ...rpc.getTask,
    description: 'Where a task stands',
    handler: async ({ taskId }) => taskInfo(await known(tasks.book, taskId)),
  });

  registry.method({
    ...rpc.getTaskResult,
    description: "A task's public output and every member's sealed result envelope this node can gather",
    handler: async ({ taskId }) => {
      const entry = await known(tasks.book, taskId);
      const ready = entry.status === 'completed' || entry.status === 'receipted';
      const envelopes = ready && entry.receiptStatus === 'success' ? await tasks.results.gather(entry) : [];
      return {
        taskId: toHexQuantity(entry.taskId),
        status: entry.status,
        ...(entry.receiptStatus ? { receiptStatus: entry.receiptStatus } : {}),
        error: entry.error ?? null,
        // A member has its own receipt; any node has what the chain recorded once the task is receipted.
        publicOutput: entry.receipt?.publicOutput ?? entry.onChain?.publicOutput ?? '0x',
        ...(entry.receipt
          ? { outputHash: entry.receipt.outputHash, gasUsed: toHexQuantity(entry.receipt.gasUsed) }
          : entry.onChain
            ? { outputHash: entry.onChain.outputHash, gasUsed: toHexQuantity(entry.onChain.gasUsed) }
            : {}),
        resultEnvelopes: envelopes
          .sort((a, b) => a.member - b.member)
          .map((r) => ({ member: r.member, operator: r.operator, envelope: r.envelope, signature: r.signature })),
      };
    },
  });

  registry.topic({
    name: rpc.taskUpdates.name,
    description: 'Every status change of a task (WebSocket)',
    params: rpc.taskUpdates.params,
    positional: rpc.taskUpdates.positional,
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
  if (!entry)
    throw new RpcError(RpcErrorCode.NotFound, `task ${toHexQuantity(taskId)} is not known to this node (yet)`);
  return entry;
}

export function taskInfo(entry: TaskEntry): z.input<typeof rpc.taskInfo> {
  return {
    taskId: toHexQuantity(entry.taskId),
    contractId: toHexQuantity(entry.contractId),
    selector: entry.selector,
    caller: entry.caller,
    epoch: toHexQuantity(entry.epoch),
    bundleHash: entry.bundleHash,
    createdBlock: toHexQuantity(entry.createdBlock),
    status: entry.status,
    ...(entry.receiptStatus ? { receiptStatus: entry.receiptStatus } : {}),
    ...(entry.error ? { error: entry.error } : {}),
    updatedAt: entry.updatedAt,
  };
}

function asRpcError(error: unknown): unknown {
  if (error instanceof TaskNotFoundError) return new RpcError(RpcErrorCode.NotFound, error.message);
  if (error instanceof BundleMismatchError) return new RpcError(RpcErrorCode.HashMismatch, error.message);
  return error;
}
