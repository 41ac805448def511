// The task bundle: what a caller sends to the committee, and whose keccak256 Tasks.createTask records.
//
//   bundle  = header || members
//   header  = magic "MSB" (3 bytes) || version (1 byte, 0x02)
//             || chainId (u64 BE) || tasks (20-byte address) || caller (20-byte address)
//             || contractId (u256 BE) || selector (4)
//             || epoch (u64 BE) || n (u8) || t (u8) || nonce (16) || resultPublicKey (32)
//             || publicArgsLength (u32 BE) || publicArgs
//   members = n x ( operator (20-byte address) || envelopeLength (u32 BE) || envelope )   in committee order
//
// Member i (1-based, Shamir point i) is the i-th entry; its envelope (purpose task-input) is sealed to its
// X25519 key with the header's fields, its index and headerHash = keccak256(header) as associated data, so an
// envelope cannot be moved to another slot or another bundle (another result key or public arguments).
// bundleHash = keccak256(bundle). The nonce makes two identical calls distinct tasks. The caller is the account
// that must create the task: members refuse a bundle whose task another account created (a relaying node cannot
// replay someone's inputs as its own task), and a bundle hash a second task repeats.
// Decoding checks every length and bound and rejects trailing bytes: one value, one encoding.
import { getAddress, keccak256 } from 'viem';
import { ByteReader, ByteWriter, bytesToHex, type Hex, hexToBytes, UINT64_MAX, UINT256_MAX } from '../bytes.js';
import { MAX_MEMBER_INDEX } from '../envelope/context.js';
import { ENVELOPE_OVERHEAD, MAX_ENVELOPE_PLAINTEXT } from '../envelope/seal.js';
import { FormatError } from '../errors.js';
import { assertPublicKey } from '../keys/keys.js';

export const BUNDLE_MAGIC = Uint8Array.from([0x4d, 0x53, 0x42]); // "MSB"
export const BUNDLE_VERSION = 2;
export const MAX_PUBLIC_ARGS_BYTES = 1024 * 1024;
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
const MAX_ENVELOPE_BYTES = MAX_ENVELOPE_PLAINTEXT + ENVELOPE_OVERHEAD;

export interface BundleMember {
  /** The member's operator address (checksummed). */
  operator: Hex;
  /** Its sealed task-input envelope. */
  envelope: Uint8Array;
}

export interface TaskBundle {
  version: typeof BUNDLE_VERSION;
  chainId: bigint;
  /** The Tasks contract address (checksummed). */
  tasks: Hex;
  /** The account that creates the task with Tasks.createTask (checksummed). */
  caller: Hex;
  contractId: bigint;
  /** 4-byte function selector, lowercase 0x-hex. */
  selector: Hex;
  /** The epoch whose committee the bundle is sealed to (the task's epoch). */
  epoch: bigint;
  /** Sharing degree = corruption threshold of the contract. */
  t: number;
  /** 16 random bytes. */
  nonce: Uint8Array;
  /** The caller's ephemeral X25519 key for result envelopes. */
  resultPublicKey: Uint8Array;
  /** Public arguments (lang's encoding). */
  publicArgs: Uint8Array;
  /** One per committee member, in committee order (n = members.length). */
  members: BundleMember[];
}

export type BundleHeader = Omit<TaskBundle, 'members'> & { n: number };

function checkCommittee(n: number, t: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_MEMBER_INDEX)
    throw new FormatError(`n must be in [1, ${MAX_MEMBER_INDEX}]`);
  if (!Number.isInteger(t) || t < 1 || 2 * t + 1 > n)
    throw new FormatError(`t = ${t} needs 1 <= t and 2t + 1 <= n = ${n}`);
}

export function encodeBundleHeader(header: BundleHeader): Uint8Array {
  if (header.version !== BUNDLE_VERSION) throw new FormatError(`unsupported bundle version ${header.version}`);
  checkCommittee(header.n, header.t);
  if (header.chainId < 1n || header.chainId > UINT64_MAX) throw new FormatError('chainId must be in [1, 2^64)');
  if (header.contractId < 1n || header.contractId > UINT256_MAX)
    throw new FormatError('contractId must be a positive uint256');
  if (!(header.nonce instanceof Uint8Array) || header.nonce.length !== 16)
    throw new FormatError('nonce must be 16 bytes');
  assertPublicKey(header.resultPublicKey, 'resultPublicKey');
  if (!(header.publicArgs instanceof Uint8Array)) throw new FormatError('publicArgs must be a Uint8Array');
  try {
    return new ByteWriter()
      .bytes(BUNDLE_MAGIC)
      .u8(header.version, 'version')
      .uint(header.chainId, 8, 'chainId')
      .bytes(hexToBytes(header.tasks, 'tasks address', 20))
      .bytes(hexToBytes(header.caller, 'caller address', 20))
      .uint(header.contractId, 32, 'contractId')
      .bytes(hexToBytes(header.selector, 'selector', 4))
      .uint(header.epoch, 8, 'epoch')
      .u8(header.n, 'n')
      .u8(header.t, 't')
      .bytes(header.nonce)
      .bytes(header.resultPublicKey)
      .lengthPrefixed(header.publicArgs, MAX_PUBLIC_ARGS_BYTES, 'publicArgs')
      .finish();
  } catch (error) {
    if (error instanceof RangeError) throw new FormatError(`bundle: ${error.message}`);
    throw error;
  }
}

export function headerOf(bundle: TaskBundle): BundleHeader {
  const { members, ...rest } = bundle;
  return { ...rest, n: members.length };
}

/** keccak256 of the encoded header: the binding in every task-input envelope's associated data. */
export function bundleHeaderHash(header: BundleHeader): Uint8Array {
  return keccak256(encodeBundleHeader(header), 'bytes');
}

export function encodeBundle(bundle: TaskBundle): Uint8Array {
  const writer = new ByteWriter().bytes(encodeBundleHeader(headerOf(bundle)));
  for (const [i, member] of bundle.members.entries()) {
    if (!(member.envelope instanceof Uint8Array) || member.envelope.length > MAX_ENVELOPE_BYTES) {
      throw new FormatError(`member ${i + 1}: envelope must be a Uint8Array of at most ${MAX_ENVELOPE_BYTES} bytes`);
    }
    writer.bytes(hexToBytes(member.operator, `member ${i + 1} operator`, 20));
    writer.u32(member.envelope.length, 'envelope length').bytes(member.envelope);
  }
  const bytes = writer.finish();
  if (bytes.length > MAX_BUNDLE_BYTES)
    throw new FormatError(`bundle is ${bytes.length} bytes, more than ${MAX_BUNDLE_BYTES}`);
  return bytes;
}

/** Decodes and validates bundle bytes; throws FormatError (never anything else) on any malformed input. */
export function decodeBundle(bytes: Uint8Array): TaskBundle {
  if (!(bytes instanceof Uint8Array)) throw new FormatError('bundle must be a Uint8Array');
  if (bytes.length > MAX_BUNDLE_BYTES)
    throw new FormatError(`bundle is ${bytes.length} bytes, more than ${MAX_BUNDLE_BYTES}`);
  const reader = new ByteReader(bytes, 'bundle');
  const magic = reader.bytes(3, 'magic');
  if (magic[0] !== BUNDLE_MAGIC[0] || magic[1] !== BUNDLE_MAGIC[1] || magic[2] !== BUNDLE_MAGIC[2]) {
    throw new FormatError('bundle: bad magic (not a Mosaic task bundle)');
  }
  const version = reader.u8('version');
  if (version !== BUNDLE_VERSION) throw new FormatError(`bundle: unsupported version ${version}`);
  const chainId = reader.uint(8, 'chainId');
  if (chainId === 0n) throw new FormatError('bundle: chainId is zero');
  const tasks = getAddress(bytesToHex(reader.bytes(20, 'tasks')));
  const caller = getAddress(bytesToHex(reader.bytes(20, 'caller')));
  const contractId = reader.uint(32, 'contractId');
  if (contractId === 0n) throw new FormatError('bundle: contractId is zero');
  const selector = bytesToHex(reader.bytes(4, 'selector'));
  const epoch = reader.uint(8, 'epoch');
  const n = reader.u8('n');
  const t = reader.u8('t');
  checkCommittee(n, t);
  const nonce = reader.bytes(16, 'nonce').slice();
  const resultPublicKey = reader.bytes(32, 'resultPublicKey').slice();
  if (resultPublicKey.every((b) => b === 0)) throw new FormatError('bundle: resultPublicKey is all zero');
  const publicArgs = reader.lengthPrefixed(MAX_PUBLIC_ARGS_BYTES, 'publicArgs').slice();
  const members: BundleMember[] = [];
  for (let i = 1; i <= n; i++) {
    const operator = getAddress(bytesToHex(reader.bytes(20, `member ${i} operator`)));
    const envelope = reader.lengthPrefixed(MAX_ENVELOPE_BYTES, `member ${i} envelope`).slice();
    if (envelope.length < ENVELOPE_OVERHEAD) throw new FormatError(`bundle: member ${i} envelope is too short`);
    members.push({ operator, envelope });
  }
  reader.end();
  const seen = new Set(members.map((m) => m.operator));
  if (seen.size !== n) throw new FormatError('bundle: an operator appears twice in the committee');
  return {
    version: BUNDLE_VERSION,
    chainId,
    tasks,
    caller,
    contractId,
    selector,
    epoch,
    t,
    nonce,
    resultPublicKey,
    publicArgs,
    members,
  };
}

/** bundleHash = keccak256(bundle bytes), the value Tasks.createTask records. */
export function bundleHash(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}
