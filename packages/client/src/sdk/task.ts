// One task after createTask: submitting its bundle to a node, following its progress, and turning the
// committee's result envelopes into verified, reconstructed outputs. A PendingTask holds everything needed to
// fetch the result later (e.g. from another process): keep it private, it contains the result secret key.
import { type FieldVector, vec } from '@mosaic/mpc';
import {
  bytesToHex,
  deserializeKeyPair,
  EnvelopeOpenError,
  FormatError,
  type Hex,
  hexToBytes,
  nobleX25519,
  openResultShares,
  outputHashOf,
  outputMacKeyOf,
  type ResultTarget,
  rpc,
  type SerializedKeyPair,
  serializeKeyPair,
  type TaskState,
  toHexQuantity,
  verifyResultEnvelopeSignature,
  type X25519KeyPair,
  type X25519Provider,
} from '@mosaic/protocol';
import { type Address, getAddress } from 'viem';
import type { z } from 'zod';
import { MosaicClientError, NodeRpcError, TaskFailedError } from '../errors.js';
import { type MemberResult, type Reconstruction, reconstructOutputs } from '../result/reconstruct.js';
import type { NodeConnection } from '../rpc/connection.js';
import {
  parseSubmitTaskResult,
  parseTaskInfo,
  parseTaskResult,
  type TaskResult,
  type TaskUpdate,
} from '../rpc/wire.js';

export interface PendingTask extends ResultTarget {
  t: number;
  /** Operators in committee order (member i = operators[i - 1]). */
  operators: Address[];
  resultKeyPair: X25519KeyPair;
}

/** Progress of a call, in order; `created` onwards carry the task id. */
export type TaskStage = 'verified' | 'sealed' | TaskState | 'reconstructed';

export interface TaskProgress {
  stage: TaskStage;
  taskId?: bigint;
  /** A reason (failed) or a note (e.g. bad members found). */
  detail?: string;
}

export type ProgressListener = (progress: TaskProgress) => void;

export interface WaitOptions {
  onProgress?: ProgressListener;
  /** Give up after this long (default 120 s); the task keeps running and can be fetched later. */
  timeoutMs?: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

const TERMINAL: readonly TaskState[] = ['completed', 'receipted', 'failed'];
const ORDER: readonly TaskState[] = ['created', 'submitted', 'running', 'completed', 'receipted', 'failed'];

export async function submitBundle(
  node: NodeConnection,
  taskId: bigint,
  bundle: Uint8Array,
  bundleHash: Hex,
): Promise<boolean> {
  const params: z.input<typeof rpc.submitTask.params> = { taskId: toHexQuantity(taskId), bundle: bytesToHex(bundle) };
  const answer = parseSubmitTaskResult(await node.request(rpc.submitTask.name, params));
  if (BigInt(answer.taskId) !== taskId) throw new NodeRpcError('mosaic_submitTask answered for another task');
  if (answer.bundleHash !== bundleHash.toLowerCase())
    throw new NodeRpcError('mosaic_submitTask reports another bundleHash');
  return answer.accepted;
}

/** Follows a task until it has outputs or ends (subscription when possible, else polling mosaic_getTask). */
export async function waitForTask(
  node: NodeConnection,
  taskId: bigint,
  options: WaitOptions = {},
): Promise<TaskUpdate> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let lastRank = -1;
  let resolveUpdate: ((update: TaskUpdate) => void) | undefined;
  // A terminal update from the subscription that arrived while no wait was pending (e.g. during a poll).
  let arrived: TaskUpdate | undefined;
  const seen = (update: TaskUpdate): boolean => {
    if (update.taskId !== taskId) return false;
    const rank = ORDER.indexOf(update.status);
    if (rank > lastRank) {
      lastRank = rank;
      options.onProgress?.({ stage: update.status, taskId, ...(update.error ? { detail: update.error } : {}) });
    }
    return TERMINAL.includes(update.status);
  };
  let unsubscribe: (() => Promise<void>) | undefined;
  if (node.canSubscribe) {
    try {
      unsubscribe = await node.subscribe(
        { topic: rpc.taskUpdates.name, params: { taskId: toHexQuantity(taskId) } },
        (n) => {
          if (n.result === undefined) return;
          try {
            const update = parseTaskInfo(n.result);
            if (!seen(update)) return;
            arrived = update;
            resolveUpdate?.(update);
          } catch {
            // A malformed notification is ignored; polling below still observes the task.
          }
        },
      );
    } catch {
      unsubscribe = undefined; // no subscription: poll
    }
  }
  try {
    // Poll as well (slowly when subscribed): covers updates missed before the subscription started.
    const interval = unsubscribe ? 1000 : (options.pollIntervalMs ?? 100);
    while (true) {
      if (options.signal?.aborted) throw new MosaicClientError('waiting for the task was aborted');
      try {
        const update = parseTaskInfo(await node.request(rpc.getTask.name, { taskId: toHexQuantity(taskId) }));
        if (seen(update)) return update;
      } catch (error) {
        // -32001: the node has not seen the TaskCreated event yet.
        if (!(error instanceof NodeRpcError) || (error.code !== -32001 && error.code !== undefined)) throw error;
      }
      if (arrived) return arrived;
      const left = deadline - Date.now();
      if (left <= 0) throw new TaskFailedError(`task ${taskId} did not finish in time`, taskId, 'timeout');
      const update = await new Promise<TaskUpdate | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), Math.min(interval, left));
        resolveUpdate = (u) => {
          clearTimeout(timer);
          resolve(u);
        };
      });
      resolveUpdate = undefined;
      if (update) return update;
    }
  } finally {
    await unsubscribe?.();
  }
}

export interface VerifiedResult extends Reconstruction {
  taskId: bigint;
  status: TaskState;
  receiptStatus?: string;
  publicOutput: Uint8Array;
  gasUsed?: bigint;
}

/**
 * Fetches mosaic_getTaskResult and verifies it: each envelope must come from the committee member of its slot
 * and carry that member's signature; envelopes open under the task's context; outputs are reconstructed with
 * the consistency and MAC checks (reconstructOutputs), naming any member whose share is missing or wrong.
 */
export async function fetchTaskResult(
  node: NodeConnection,
  task: PendingTask,
  options: { expectedCount?: number; provider?: X25519Provider } = {},
): Promise<VerifiedResult> {
  const answer: TaskResult = parseTaskResult(
    await node.request(rpc.getTaskResult.name, { taskId: toHexQuantity(task.taskId) }),
  );
  if (answer.taskId !== task.taskId) throw new NodeRpcError('mosaic_getTaskResult answered for another task');
  const failed = answer.status === 'failed' || answer.receiptStatus === 'failure' || answer.receiptStatus === 'skipped';
  if (failed) {
    throw new TaskFailedError(
      `task ${task.taskId} ${answer.receiptStatus ?? answer.status}${answer.error ? `: ${answer.error}` : ''}`,
      task.taskId,
      answer.receiptStatus ?? answer.status,
    );
  }
  if (answer.status !== 'completed' && answer.status !== 'receipted') {
    throw new MosaicClientError(`task ${task.taskId} has no result yet (status ${answer.status})`);
  }
  const publicOutput = hexToBytes(answer.publicOutput, 'publicOutput');
  const expectedCount = options.expectedCount;
  const base = {
    taskId: task.taskId,
    status: answer.status,
    ...(answer.receiptStatus ? { receiptStatus: answer.receiptStatus } : {}),
    publicOutput,
    ...(answer.gasUsed !== undefined ? { gasUsed: answer.gasUsed } : {}),
  };
  if (expectedCount === 0) {
    return { ...base, outputs: vec.zeros(0), badMembers: [], warnings: [], authenticated: true };
  }
  const warnings: string[] = [];
  const served: (Uint8Array | undefined)[] = task.operators.map(() => undefined);
  const results: MemberResult[] = await Promise.all(
    task.operators.map(async (operator, i): Promise<MemberResult> => {
      const member = i + 1;
      const entries = answer.resultEnvelopes.filter((e) => e.member === member);
      if (entries.length === 0) return { member, operator, failure: 'no result envelope' };
      if (entries.length > 1) return { member, operator, failure: 'more than one result envelope' };
      const entry = entries[0]!;
      if (getAddress(entry.operator) !== getAddress(operator)) {
        return { member, operator, failure: `envelope claims operator ${entry.operator}, not the member's` };
      }
      const envelope = hexToBytes(entry.envelope, 'envelope');
      served[i] = envelope;
      if (!(await verifyResultEnvelopeSignature(task, member, envelope, entry.signature, operator))) {
        return {
          member,
          operator,
          failure: 'envelope not signed by the member (forged by the relaying node, or member fault)',
        };
      }
      try {
        const shares = await openResultShares(envelope, task.resultKeyPair.secretKey, task, member, {
          provider: options.provider ?? nobleX25519,
          resultPublicKey: task.resultKeyPair.publicKey,
        });
        return { member, operator, shares };
      } catch (error) {
        if (error instanceof EnvelopeOpenError) return { member, operator, failure: 'envelope failed authentication' };
        if (error instanceof FormatError) return { member, operator, failure: `malformed result: ${error.message}` };
        throw error;
      }
    }),
  );
  if (answer.outputHash !== undefined && outputHashOf(served) !== answer.outputHash) {
    warnings.push('the envelopes served do not match the outputHash the committee agreed on');
  }
  const reconstruction = reconstructOutputs(results, {
    t: task.t,
    outputMacKey: outputMacKeyOf(task.resultKeyPair.secretKey),
    ...(expectedCount !== undefined ? { expectedCount } : {}),
  });
  return { ...base, ...reconstruction, warnings: [...warnings, ...reconstruction.warnings] };
}

/** Splits reconstructed outputs into one list per private output (sizes from the compiled function). */
export function splitOutputs(outputs: FieldVector, sizes: readonly number[]): bigint[][] {
  const values = vec.toBigInts(outputs);
  const parts: bigint[][] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(values.slice(at, at + size));
    at += size;
  }
  if (at !== values.length) throw new MosaicClientError(`result has ${values.length} elements, expected ${at}`);
  return parts;
}

/** A PendingTask as JSON (bigints as decimal strings). Contains the result secret key: store it privately. */
export interface SerializedPendingTask
  extends Omit<PendingTask, 'chainId' | 'contractId' | 'epoch' | 'taskId' | 'resultKeyPair'> {
  chainId: string;
  contractId: string;
  epoch: string;
  taskId: string;
  resultKeyPair: SerializedKeyPair;
}

export function serializePendingTask(task: PendingTask): SerializedPendingTask {
  return {
    ...task,
    chainId: task.chainId.toString(),
    contractId: task.contractId.toString(),
    epoch: task.epoch.toString(),
    taskId: task.taskId.toString(),
    resultKeyPair: serializeKeyPair(task.resultKeyPair),
  };
}

export async function deserializePendingTask(value: SerializedPendingTask): Promise<PendingTask> {
  const big = (v: unknown, what: string): bigint => {
    if (typeof v !== 'string' || !/^[0-9]{1,78}$/.test(v)) throw new FormatError(`${what} must be a decimal string`);
    return BigInt(v);
  };
  if (!Array.isArray(value.operators) || value.operators.length < 1 || value.operators.length > 64) {
    throw new FormatError('operators must list 1..64 addresses');
  }
  if (!Number.isInteger(value.t) || value.t < 1 || 2 * value.t + 1 > value.operators.length)
    throw new FormatError('bad t');
  return {
    chainId: big(value.chainId, 'chainId'),
    tasks: getAddress(value.tasks),
    contractId: big(value.contractId, 'contractId'),
    selector: hexToBytes(value.selector, 'selector', 4) && (value.selector.toLowerCase() as Hex),
    epoch: big(value.epoch, 'epoch'),
    taskId: big(value.taskId, 'taskId'),
    bundleHash: hexToBytes(value.bundleHash, 'bundleHash', 32) && (value.bundleHash.toLowerCase() as Hex),
    t: value.t,
    operators: value.operators.map((o) => getAddress(o)),
    resultKeyPair: await deserializeKeyPair(value.resultKeyPair),
  };
}
