// Task records and receipt batches as Tasks.sol sees them: task ids, the record chain, and the EIP-712
// `ReceiptBatch` that committee members sign (domain: "Mosaic Tasks" v1, chain id, Tasks address).
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  hashTypedData,
  isAddress,
  keccak256,
  type LocalAccount,
  parseEventLogs,
  type TypedDataDomain,
} from 'viem';
import { tasksAbi } from './artifacts.js';

export const RECEIPT_STATUS = { success: 1, failure: 2, skipped: 3 } as const;
export type ReceiptStatus = (typeof RECEIPT_STATUS)[keyof typeof RECEIPT_STATUS];

/** Status values of `Tasks.taskStatus`. */
export const TASK_STATUS = ['unknown', 'pending', 'receipted', 'refunded'] as const;
export type TaskStatus = (typeof TASK_STATUS)[number];

/** A task as created (from its TaskCreated event); the tuple Tasks chains and commitReceipts takes back. */
export interface TaskRecord {
  caller: Address;
  fn: Hex;
  bundleHash: Hex;
  gasLimit: bigint;
  gasPrice: bigint;
  createdBlock: bigint;
}

/** What committee members sign for each task. */
export interface TaskReceipt {
  taskId: bigint;
  status: ReceiptStatus;
  outputHash: Hex;
  publicOutput: Hex;
  stateCommitment: Hex;
  gasUsed: bigint;
  /** The Ethereum call made with the public output in the commit transaction (zero address: none). */
  callTarget: Address;
  /** Its function selector; calldata is callSelector ++ publicOutput. */
  callSelector: Hex;
}

/** Receipt fields for a task whose code declares no Ethereum call. */
export const NO_CALL = {
  callTarget: '0x0000000000000000000000000000000000000000',
  callSelector: '0x00000000',
} as const;

export const receiptBatchTypes = {
  ReceiptBatch: [
    { name: 'contractId', type: 'uint256' },
    { name: 'epoch', type: 'uint256' },
    { name: 'receipts', type: 'Receipt[]' },
  ],
  Receipt: [
    { name: 'taskId', type: 'uint256' },
    { name: 'status', type: 'uint8' },
    { name: 'outputHash', type: 'bytes32' },
    { name: 'publicOutput', type: 'bytes' },
    { name: 'stateCommitment', type: 'bytes32' },
    { name: 'gasUsed', type: 'uint64' },
    { name: 'callTarget', type: 'address' },
    { name: 'callSelector', type: 'bytes4' },
  ],
} as const;

export interface ReceiptBatch {
  /** Chain id and Tasks contract address: the signature's domain. */
  chainId: number;
  tasks: Address;
  contractId: bigint;
  epoch: bigint;
  receipts: readonly TaskReceipt[];
}

export function receiptBatchDomain(chainId: number, tasks: Address): TypedDataDomain {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new RangeError('chain id must be a positive integer');
  if (!isAddress(tasks)) throw new TypeError('tasks must be an address');
  return { name: 'Mosaic Tasks', version: '1', chainId, verifyingContract: tasks };
}

/** The EIP-712 typed data of a receipt batch (for signing, hashing or recovering a signer). */
export function receiptBatchTypedData(batch: ReceiptBatch) {
  return {
    domain: receiptBatchDomain(batch.chainId, batch.tasks),
    types: receiptBatchTypes,
    primaryType: 'ReceiptBatch' as const,
    message: { contractId: batch.contractId, epoch: batch.epoch, receipts: batch.receipts },
  };
}

/** The EIP-712 digest of a receipt batch (what `Tasks.receiptBatchDigest` returns). */
export function hashReceiptBatch(batch: ReceiptBatch): Hex {
  return hashTypedData(receiptBatchTypedData(batch));
}

/** A committee member's signature of a receipt batch. */
export function signReceiptBatch(account: LocalAccount, batch: ReceiptBatch): Promise<Hex> {
  return account.signTypedData(receiptBatchTypedData(batch));
}

/** taskId = (contractId << 64) | position in the contract's queue. */
export function taskIdOf(contractId: bigint, sequence: bigint): bigint {
  if (sequence < 0n || sequence >= 1n << 64n) throw new RangeError('task sequence must be a uint64');
  return (contractId << 64n) | sequence;
}

export function splitTaskId(taskId: bigint): { contractId: bigint; sequence: bigint } {
  return { contractId: taskId >> 64n, sequence: taskId & ((1n << 64n) - 1n) };
}

/** One link of a contract's task chain: bytes24(keccak256(abi.encode(head, record))) as Tasks computes it. */
export function linkTaskRecord(head: Hex, record: TaskRecord): Hex {
  const encoded = encodeAbiParameters(
    [
      { type: 'bytes24' },
      { type: 'address' },
      { type: 'bytes4' },
      { type: 'bytes32' },
      { type: 'uint64' },
      { type: 'uint128' },
      { type: 'uint64' },
    ],
    [head, record.caller, record.fn, record.bundleHash, record.gasLimit, record.gasPrice, record.createdBlock],
  );
  return keccak256(encoded).slice(0, 50) as Hex;
}

/** The task records of the TaskCreated events in `logs`, with their ids and contract ids. */
export function taskRecordsFromLogs(
  logs: readonly Parameters<typeof parseEventLogs>[0]['logs'][number][],
): { taskId: bigint; contractId: bigint; record: TaskRecord }[] {
  return parseEventLogs({ abi: tasksAbi, eventName: 'TaskCreated', logs: [...logs] }).map((log) => {
    if (log.blockNumber === null) throw new Error('TaskCreated log is pending: no block number yet');
    return {
      taskId: log.args.taskId,
      contractId: log.args.contractId,
      record: {
        caller: log.args.caller,
        fn: log.args.fn,
        bundleHash: log.args.bundleHash,
        gasLimit: log.args.gasLimit,
        gasPrice: log.args.gasPrice,
        createdBlock: log.blockNumber,
      },
    };
  });
}
