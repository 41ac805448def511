// The task methods (docs/json-rpc.md): mosaic_submitTask, mosaic_getTask, mosaic_getTaskResult and the
// taskUpdates topic. Integers travel as 0x hex quantities, byte strings as 0x-hex.
import { z } from 'zod';
import { absentOrNull, address, bytesHex, quantity, uint256Param, withoutUndefined } from './values.js';

/**
 * Task states as a node reports them, in order:
 * - created:   the TaskCreated record was seen on chain (no bundle yet)
 * - submitted: the node holds a bundle whose keccak256 matches the record
 * - running:   the committee has started the MPC session
 * - completed: outputs exist (result envelopes available); the receipt is not on chain yet
 * - receipted: the receipt was committed on chain (receiptStatus says success, failure or skipped)
 * - failed:    terminal without outputs (checks failed, MPC aborted, expired or refunded); `error` says why
 */
export const TASK_STATES = ['created', 'submitted', 'running', 'completed', 'receipted', 'failed'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** A receipt's status by name; on chain (Tasks.sol, @mosaic/contracts RECEIPT_STATUS) it is its position + 1. */
export const RECEIPT_STATUSES = ['success', 'failure', 'skipped'] as const;
export type ReceiptStatusName = (typeof RECEIPT_STATUSES)[number];

/** The name of an on-chain receipt status code (1 success, 2 failure, 3 skipped). */
export function receiptStatusName(code: number): ReceiptStatusName {
  const name = RECEIPT_STATUSES[code - 1];
  if (name === undefined) throw new RangeError(`unknown receipt status ${code}`);
  return name;
}

/** Longest bundle accepted as a param (16 MiB as hex). */
const MAX_BUNDLE_HEX = 2 + 2 * (16 << 20);
const MAX_RESULT_ENVELOPES = 64;
const MAX_ERROR_CHARS = 1000;

/** Params of mosaic_getTask, mosaic_getTaskResult and the taskUpdates topic. */
export const taskQueryParams = z.strictObject({ taskId: uint256Param });

const errorText = absentOrNull(z.string().transform((v) => v.slice(0, MAX_ERROR_CHARS)));
const receiptStatus = absentOrNull(z.enum(RECEIPT_STATUSES));

/** Where a task stands: the result of mosaic_getTask and of every taskUpdates notification. */
export const taskInfo = z
  .object({
    taskId: quantity,
    contractId: quantity,
    /** 4-byte function selector. */
    selector: bytesHex(4),
    caller: address,
    /** Epoch of the task record (whose committee runs it). */
    epoch: quantity,
    bundleHash: bytesHex(32),
    createdBlock: quantity,
    status: z.enum(TASK_STATES),
    /** Present once status is receipted. */
    receiptStatus,
    /** Present when status is failed (or receiptStatus is failure/skipped): a reason for people. */
    error: errorText,
    /** Unix milliseconds of the last status change. */
    updatedAt: z.number().finite(),
  })
  .transform(withoutUndefined);

/** One member's sealed output shares. */
export const resultEnvelope = z.object({
  /** 1-based member index (Shamir point). */
  member: z.number().int().min(1).max(64),
  /** The member's operator address. */
  operator: address,
  /** The task-result envelope. */
  envelope: bytesHex(),
  /** 65-byte signature by the operator key of resultEnvelopeDigest(task, member, envelope) (EIP-191). */
  signature: bytesHex(65),
});

/** The result of mosaic_getTaskResult. */
export const taskResult = z
  .object({
    taskId: quantity,
    status: z.enum(TASK_STATES),
    receiptStatus,
    error: errorText,
    /** The opened public outputs, ABI-encoded (lang's encoding); "0x" when none or not yet available. */
    publicOutput: bytesHex().default('0x'),
    /** keccak256(h_1 || ... || h_n), h_i = keccak256(envelope of member i) (bytes32(0) for a member without one). */
    outputHash: absentOrNull(bytesHex(32)),
    gasUsed: absentOrNull(quantity),
    /** Empty until status is completed or receipted. */
    resultEnvelopes: z.array(resultEnvelope).max(MAX_RESULT_ENVELOPES),
  })
  .transform(withoutUndefined);

export const submitTask = {
  name: 'mosaic_submitTask',
  positional: ['taskId', 'bundle'],
  params: z.strictObject({
    taskId: uint256Param,
    /** The encoded bundle. */
    bundle: z
      .string()
      .max(MAX_BUNDLE_HEX, 'bundle too large')
      .regex(/^0x([0-9a-fA-F]{2})+$/, 'expected 0x-hex bytes'),
  }),
  result: z.object({
    taskId: z.string().regex(/^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,63})$/, 'expected a 0x hex quantity'),
    /** keccak256 of the bundle, equal to the record's. */
    bundleHash: bytesHex(32),
    /** True the first time; false when the node already held this bundle (resubmission is idempotent). */
    accepted: z.boolean(),
  }),
} as const;

export const getTask = {
  name: 'mosaic_getTask',
  positional: ['taskId'],
  params: taskQueryParams,
  result: taskInfo,
} as const;

export const getTaskResult = {
  name: 'mosaic_getTaskResult',
  positional: ['taskId'],
  params: taskQueryParams,
  result: taskResult,
} as const;

/** The taskUpdates subscription topic: params and each notification's result. */
export const taskUpdates = {
  name: 'taskUpdates',
  positional: ['taskId'],
  params: taskQueryParams,
  result: taskInfo,
} as const;
