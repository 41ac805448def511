// The node's answers, parsed with the method schemas of @mosaic/protocol (`rpc.<method>.result`): a node is
// not trusted to answer in shape, and an answer that does not fit is a NodeRpcError naming the field.
import { type HexQuantity, type ReceiptStatusName, rpc } from '@mosaic/protocol';
import type { z } from 'zod';
import { NodeRpcError } from '../errors.js';

export type ReceiptStatus = ReceiptStatusName;
/** A parsed task info (quantities decoded to bigints): mosaic_getTask and taskUpdates. */
export type TaskUpdate = z.output<typeof rpc.taskInfo>;
/** A parsed mosaic_getTaskResult answer. */
export type TaskResult = z.output<typeof rpc.taskResult>;
export type ResultEnvelopeEntry = z.output<typeof rpc.resultEnvelope>;
/** The wire form of mosaic_getTask's result. */
export type TaskInfo = z.input<typeof rpc.taskInfo>;
export type ResultEnvelopeJson = z.input<typeof rpc.resultEnvelope>;
export type TaskResultJson = z.input<typeof rpc.taskResult>;
export type SubmitTaskParams = z.input<typeof rpc.submitTask.params>;
export type SubmitTaskResult = z.output<typeof rpc.submitTask.result> & { taskId: HexQuantity };
export type TaskQueryParams = z.input<typeof rpc.taskQueryParams>;
export type PutCodeParams = z.input<typeof rpc.putCode.params>;

/** Parses `value` with `schema`; NodeRpcError (naming `what` and the first fields that failed) when it does not fit. */
export function parseAnswer<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || what}: ${issue.message}`);
  throw new NodeRpcError(`node answered with an invalid ${what}: ${problems.join('; ')}`);
}

export function parseQuantity(value: unknown, what: string): bigint {
  return parseAnswer(rpc.quantity, value, what);
}

export function parseTaskInfo(value: unknown): TaskUpdate {
  return parseAnswer(rpc.taskInfo, value, 'task');
}

export function parseTaskResult(value: unknown): TaskResult {
  return parseAnswer(rpc.taskResult, value, 'task result');
}

export function parseSubmitTaskResult(value: unknown): SubmitTaskResult {
  return parseAnswer(rpc.submitTask.result, value, 'submitTask result') as SubmitTaskResult;
}
