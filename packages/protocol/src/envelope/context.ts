// The associated data of an envelope: everything the ciphertext is bound to, so an envelope opened anywhere
// else (another chain, Tasks deployment, contract, function, epoch, member slot, purpose, task or bundle) fails.
import { ByteWriter, type Hex, hexToBytes, UINT64_MAX, UINT256_MAX } from '../bytes.js';
import { FormatError } from '../errors.js';

/** What an envelope carries; one byte in the associated data. */
export const ENVELOPE_PURPOSES = { 'task-input': 1, 'task-result': 2, 'data-share': 3 } as const;
export type EnvelopePurpose = keyof typeof ENVELOPE_PURPOSES;

export const MAX_MEMBER_INDEX = 64;
const AAD_DOMAIN = new TextEncoder().encode('mosaic/envelope/v1');
const ZERO32 = new Uint8Array(32);

export interface EnvelopeContext {
  purpose: EnvelopePurpose;
  chainId: bigint;
  /** The Tasks contract (for data shares: the DataRegistry) the envelope's task or record lives in. */
  tasks: Hex;
  contractId: bigint;
  /** The 4-byte function selector, 0x-hex. */
  selector: Hex;
  epoch: bigint;
  /** 1-based member index (the member's Shamir point). */
  memberIndex: number;
  /** The on-chain task id (task-result); absent (zero) for task-input, which is sealed before the task exists. */
  taskId?: bigint;
  /**
   * 32 bytes that tie the envelope to its container: for task-input the bundle's header hash (result key, public
   * arguments, nonce), for task-result the bundleHash of the task.
   */
  binding: Uint8Array;
}

/** The canonical associated-data bytes of a context (fixed layout, 187 bytes). */
export function encodeEnvelopeContext(context: EnvelopeContext): Uint8Array {
  const code = ENVELOPE_PURPOSES[context.purpose];
  if (code === undefined) throw new FormatError(`unknown envelope purpose ${String(context.purpose)}`);
  if (typeof context.chainId !== 'bigint' || context.chainId < 1n || context.chainId > UINT64_MAX) {
    throw new FormatError('chainId must be a bigint in [1, 2^64)');
  }
  if (!Number.isInteger(context.memberIndex) || context.memberIndex < 1 || context.memberIndex > MAX_MEMBER_INDEX) {
    throw new FormatError(`memberIndex must be an integer in [1, ${MAX_MEMBER_INDEX}]`);
  }
  if (!(context.binding instanceof Uint8Array) || context.binding.length !== 32) {
    throw new FormatError('binding must be 32 bytes');
  }
  const taskId = context.taskId ?? 0n;
  if (typeof taskId !== 'bigint' || taskId < 0n || taskId > UINT256_MAX)
    throw new FormatError('taskId must be a uint256');
  return new ByteWriter()
    .bytes(AAD_DOMAIN)
    .u8(code, 'purpose')
    .uint(context.chainId, 8, 'chainId')
    .bytes(hexToBytes(context.tasks, 'tasks address', 20))
    .uint(context.contractId, 32, 'contractId')
    .bytes(hexToBytes(context.selector, 'selector', 4))
    .uint(context.epoch, 8, 'epoch')
    .u16(context.memberIndex, 'memberIndex')
    .bytes(context.taskId === undefined ? ZERO32 : new ByteWriter().uint(taskId, 32, 'taskId').finish())
    .bytes(context.binding)
    .finish();
}
