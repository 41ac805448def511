// The JSON shapes of the node's task methods: the contract between @mosaic/client and @mosaic/node
// (README.md, "Node RPC"). Integers that may exceed 2^53 travel as 0x-prefixed hex quantities (as in Ethereum's
// JSON-RPC); byte strings as 0x-prefixed hex. The parse* functions validate a node's answers field by field:
// a node is not trusted to answer in shape.
import { getAddress, isAddress } from 'viem';
import { type Hex, isHex } from '../bytes.js';
import { NodeRpcError } from '../errors.js';

/** A 0x-prefixed hex quantity without leading zeros ("0x0", "0x1a"). */
export type HexQuantity = `0x${string}`;

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
export type ReceiptStatus = 'success' | 'failure' | 'skipped';

/** params of mosaic_submitTask (by name). */
export interface SubmitTaskParams {
  taskId: HexQuantity;
  /** The encoded bundle. */
  bundle: Hex;
}

/** result of mosaic_submitTask. */
export interface SubmitTaskResult {
  taskId: HexQuantity;
  /** keccak256 of the bundle, equal to the record's. */
  bundleHash: Hex;
  /** True the first time; false when the node already held this bundle (resubmission is idempotent). */
  accepted: boolean;
}

/** params of mosaic_getTask and mosaic_getTaskResult (by name). */
export interface TaskQueryParams {
  taskId: HexQuantity;
}

/** result of mosaic_getTask, and the `result` of every taskUpdates notification. */
export interface TaskInfo {
  taskId: HexQuantity;
  contractId: HexQuantity;
  /** 4-byte function selector. */
  selector: Hex;
  caller: Hex;
  /** Epoch of the task record (whose committee runs it). */
  epoch: HexQuantity;
  bundleHash: Hex;
  createdBlock: HexQuantity;
  status: TaskState;
  /** Present once status is receipted. */
  receiptStatus?: ReceiptStatus;
  /** Present when status is failed (or receiptStatus is failure/skipped): a reason for people. */
  error?: string;
  /** Unix milliseconds of the last status change. */
  updatedAt: number;
}

/** One member's sealed output shares. */
export interface ResultEnvelopeJson {
  /** 1-based member index (Shamir point). */
  member: number;
  /** The member's operator address. */
  operator: Hex;
  /** The task-result envelope. */
  envelope: Hex;
  /** 65-byte signature by the operator key of resultEnvelopeDigest(task, member, envelope) (EIP-191). */
  signature: Hex;
}

/** result of mosaic_getTaskResult. */
export interface TaskResultJson {
  taskId: HexQuantity;
  status: TaskState;
  receiptStatus?: ReceiptStatus;
  error?: string;
  /** The opened public outputs, ABI-encoded (lang's encoding); "0x" when none or not yet available. */
  publicOutput: Hex;
  /** keccak256(h_1 || ... || h_n), h_i = keccak256(envelope of member i) (bytes32(0) for a member without one). */
  outputHash?: Hex;
  gasUsed?: HexQuantity;
  /** Empty until status is completed or receipted. */
  resultEnvelopes: ResultEnvelopeJson[];
}

/** params of mosaic_putCode (by name). */
export interface PutCodeParams {
  codeHash: Hex;
  code: Hex;
}

/** params of mosaic_subscribe for task updates: `{ topic: "taskUpdates", params: { taskId } }`. */
export interface SubscribeTaskUpdatesParams {
  topic: 'taskUpdates';
  params: TaskQueryParams;
}

/** A subscription notification (method "mosaic_subscription"). */
export interface SubscriptionNotification<T = unknown> {
  subscription: string;
  topic: string;
  result?: T;
  error?: { code: number; message: string };
}

export function toHexQuantity(value: bigint): HexQuantity {
  if (typeof value !== 'bigint' || value < 0n) throw new RangeError('a quantity must be a non-negative bigint');
  return `0x${value.toString(16)}`;
}

function fail(what: string, problem: string): never {
  throw new NodeRpcError(`node answered with an invalid ${what}: ${problem}`);
}

export function parseQuantity(value: unknown, what: string): bigint {
  if (typeof value === 'string' && /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,63})$/.test(value)) return BigInt(value);
  return fail(what, 'expected a 0x hex quantity');
}

function parseHexField(value: unknown, what: string, bytes?: number): Hex {
  if (!isHex(value)) return fail(what, 'expected 0x hex bytes');
  if (bytes !== undefined && value.length !== 2 + 2 * bytes) return fail(what, `expected ${bytes} bytes`);
  return value.toLowerCase() as Hex;
}

function parseAddressField(value: unknown, what: string): Hex {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) return fail(what, 'expected an address');
  return getAddress(value);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(what, 'expected an object');
  return value as Record<string, unknown>;
}

function parseState(value: unknown, what: string): TaskState {
  if (typeof value !== 'string' || !(TASK_STATES as readonly string[]).includes(value)) {
    return fail(what, `expected one of ${TASK_STATES.join(', ')}`);
  }
  return value as TaskState;
}

function parseReceiptStatus(value: unknown, what: string): ReceiptStatus | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'success' || value === 'failure' || value === 'skipped') return value;
  return fail(what, 'expected success, failure or skipped');
}

function parseError(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return fail('error', 'expected a string');
  return value.slice(0, 1000);
}

/** A parsed TaskInfo (bigints decoded). */
export interface TaskUpdate {
  taskId: bigint;
  contractId: bigint;
  selector: Hex;
  caller: Hex;
  epoch: bigint;
  bundleHash: Hex;
  createdBlock: bigint;
  status: TaskState;
  receiptStatus?: ReceiptStatus;
  error?: string;
  updatedAt: number;
}

export function parseTaskInfo(value: unknown): TaskUpdate {
  const o = object(value, 'task');
  const updatedAt = o.updatedAt;
  if (typeof updatedAt !== 'number' || !Number.isFinite(updatedAt)) fail('task.updatedAt', 'expected a number');
  const receiptStatus = parseReceiptStatus(o.receiptStatus, 'task.receiptStatus');
  const error = parseError(o.error);
  return {
    taskId: parseQuantity(o.taskId, 'task.taskId'),
    contractId: parseQuantity(o.contractId, 'task.contractId'),
    selector: parseHexField(o.selector, 'task.selector', 4),
    caller: parseAddressField(o.caller, 'task.caller'),
    epoch: parseQuantity(o.epoch, 'task.epoch'),
    bundleHash: parseHexField(o.bundleHash, 'task.bundleHash', 32),
    createdBlock: parseQuantity(o.createdBlock, 'task.createdBlock'),
    status: parseState(o.status, 'task.status'),
    ...(receiptStatus ? { receiptStatus } : {}),
    ...(error !== undefined ? { error } : {}),
    updatedAt: updatedAt as number,
  };
}

export interface ResultEnvelopeEntry {
  member: number;
  operator: Hex;
  envelope: Hex;
  signature: Hex;
}

export interface TaskResult {
  taskId: bigint;
  status: TaskState;
  receiptStatus?: ReceiptStatus;
  error?: string;
  publicOutput: Hex;
  outputHash?: Hex;
  gasUsed?: bigint;
  resultEnvelopes: ResultEnvelopeEntry[];
}

const MAX_RESULT_ENVELOPES = 64;

export function parseTaskResult(value: unknown): TaskResult {
  const o = object(value, 'task result');
  if (!Array.isArray(o.resultEnvelopes)) fail('task result.resultEnvelopes', 'expected an array');
  const list = o.resultEnvelopes as unknown[];
  if (list.length > MAX_RESULT_ENVELOPES) fail('task result.resultEnvelopes', `more than ${MAX_RESULT_ENVELOPES}`);
  const resultEnvelopes = list.map((entry, i) => {
    const e = object(entry, `resultEnvelopes[${i}]`);
    if (typeof e.member !== 'number' || !Number.isInteger(e.member) || e.member < 1 || e.member > 64) {
      fail(`resultEnvelopes[${i}].member`, 'expected an integer in 1..64');
    }
    return {
      member: e.member as number,
      operator: parseAddressField(e.operator, `resultEnvelopes[${i}].operator`),
      envelope: parseHexField(e.envelope, `resultEnvelopes[${i}].envelope`),
      signature: parseHexField(e.signature, `resultEnvelopes[${i}].signature`, 65),
    };
  });
  const receiptStatus = parseReceiptStatus(o.receiptStatus, 'task result.receiptStatus');
  const error = parseError(o.error);
  return {
    taskId: parseQuantity(o.taskId, 'task result.taskId'),
    status: parseState(o.status, 'task result.status'),
    ...(receiptStatus ? { receiptStatus } : {}),
    ...(error !== undefined ? { error } : {}),
    publicOutput: parseHexField(o.publicOutput ?? '0x', 'task result.publicOutput'),
    ...(o.outputHash !== undefined && o.outputHash !== null
      ? { outputHash: parseHexField(o.outputHash, 'task result.outputHash', 32) }
      : {}),
    ...(o.gasUsed !== undefined && o.gasUsed !== null
      ? { gasUsed: parseQuantity(o.gasUsed, 'task result.gasUsed') }
      : {}),
    resultEnvelopes,
  };
}

export function parseSubmitTaskResult(value: unknown): SubmitTaskResult {
  const o = object(value, 'submitTask result');
  if (typeof o.accepted !== 'boolean') fail('submitTask result.accepted', 'expected a boolean');
  parseQuantity(o.taskId, 'submitTask result.taskId');
  return {
    taskId: o.taskId as HexQuantity,
    bundleHash: parseHexField(o.bundleHash, 'submitTask result.bundleHash', 32),
    accepted: o.accepted as boolean,
  };
}
