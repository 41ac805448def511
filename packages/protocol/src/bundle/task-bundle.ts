// Building a bundle (caller side: share, seal, encode) and opening one member's part of it (node side).
import { type FieldVector, share, vec } from '@mosaic/mpc';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { getAddress, isAddress } from 'viem';
import type { Hex } from '../bytes.js';
import { type EnvelopeContext, MAX_MEMBER_INDEX } from '../envelope/context.js';
import { open, seal } from '../envelope/seal.js';
import { FormatError } from '../errors.js';
import { fieldElementFromBytes } from '../field.js';
import { assertPublicKey, assertSecretKey } from '../keys/keys.js';
import { nobleX25519, type X25519KeyPair, type X25519Provider } from '../keys/provider.js';
import {
  BUNDLE_VERSION,
  type BundleHeader,
  bundleHash,
  bundleHeaderHash,
  decodeBundle,
  encodeBundle,
  headerOf,
  type TaskBundle,
} from './format.js';
import { decodeSharePayload, encodeSharePayload, type MemberShares } from './shares.js';

export interface CommitteeMemberKey {
  operator: Hex;
  x25519PublicKey: Uint8Array;
}

/** What a bundle is for: its chain, Tasks contract, caller (Tasks.createTask's sender), contract, function, epoch. */
export type TaskTarget = Pick<TaskBundle, 'chainId' | 'tasks' | 'caller' | 'contractId' | 'selector' | 'epoch'>;

export interface SealTaskBundleInput extends TaskTarget {
  t: number;
  /** Members in committee order (member i holds Shamir point i). */
  committee: readonly CommitteeMemberKey[];
  /** The secret arguments as field elements (lang's encodeArgs), shared at degree t. */
  secretArgs: FieldVector;
  publicArgs: Uint8Array;
  /** The caller's result key pair for this task; its secret key also derives the output MAC key. */
  resultKeyPair: X25519KeyPair;
  provider?: X25519Provider;
}

export interface SealedTaskBundle {
  bundle: TaskBundle;
  bytes: Uint8Array;
  hash: Hex;
}

const MAC_KEY_INFO = new TextEncoder().encode('mosaic/output-mac-key/v1');

/**
 * alpha, the caller's MAC key for private outputs, derived from the result secret key (so the result key pair is
 * the only secret the caller keeps per task). Nonzero: alpha = 0 would make every forged share pass.
 */
export function outputMacKeyOf(resultSecretKey: Uint8Array): bigint {
  assertSecretKey(resultSecretKey, 'result secret key');
  const alpha = fieldElementFromBytes(hkdf(sha256, resultSecretKey, undefined, MAC_KEY_INFO, 32));
  return alpha === 0n ? 1n : alpha;
}

export function inputContext(header: BundleHeader, memberIndex: number, headerHash: Uint8Array): EnvelopeContext {
  return {
    purpose: 'task-input',
    chainId: header.chainId,
    tasks: header.tasks,
    contractId: header.contractId,
    selector: header.selector,
    epoch: header.epoch,
    memberIndex,
    binding: headerHash,
  };
}

/** Shares every secret argument at degree t, seals each member's shares to its key, and encodes the bundle. */
export async function sealTaskBundle(input: SealTaskBundleInput): Promise<SealedTaskBundle> {
  const provider = input.provider ?? nobleX25519;
  const n = input.committee.length;
  if (n < 1 || n > MAX_MEMBER_INDEX) throw new FormatError(`committee must have 1..${MAX_MEMBER_INDEX} members`);
  input.committee.forEach((member, i) => {
    if (!isAddress(member.operator)) throw new FormatError(`member ${i + 1}: operator is not an address`);
    assertPublicKey(member.x25519PublicKey, `member ${i + 1} X25519 key`);
  });
  if (!(input.secretArgs instanceof Uint32Array) || input.secretArgs.length % 4 !== 0) {
    throw new FormatError('secretArgs must be a FieldVector');
  }
  const header: BundleHeader = {
    version: BUNDLE_VERSION,
    chainId: input.chainId,
    tasks: getAddress(input.tasks),
    caller: getAddress(input.caller),
    contractId: input.contractId,
    selector: input.selector.toLowerCase() as Hex,
    epoch: input.epoch,
    t: input.t,
    n,
    nonce: randomBytes(16),
    resultPublicKey: input.resultKeyPair.publicKey,
    publicArgs: input.publicArgs,
  };
  const headerHash = bundleHeaderHash(header); // validates the header fields too
  const secretShares = share(input.secretArgs, n, input.t);
  const macKeyShares = share(vec.fromBigInts([outputMacKeyOf(input.resultKeyPair.secretKey)]), n, input.t);
  const members = await Promise.all(
    input.committee.map(async (member, i) => ({
      operator: getAddress(member.operator),
      envelope: await seal(
        encodeSharePayload({ secretShares: secretShares[i]!, outputMacKeyShare: macKeyShares[i]! }),
        member.x25519PublicKey,
        inputContext(header, i + 1, headerHash),
        provider,
      ),
    })),
  );
  const { n: _n, ...fields } = header;
  const bundle: TaskBundle = { ...fields, members };
  const bytes = encodeBundle(bundle);
  return { bundle, bytes, hash: bundleHash(bytes) };
}

export interface OpenedMemberShares extends MemberShares {
  bundle: TaskBundle;
  memberIndex: number;
  operator: Hex;
}

/**
 * Node side: decodes the bundle (if given as bytes), checks that slot `memberIndex` belongs to `expectedOperator`
 * when given, and opens that member's envelope with its X25519 secret key. Throws FormatError or EnvelopeOpenError.
 * The caller must still check the bundle against the chain: bundleHash against the task record, and chainId,
 * tasks, contractId, selector, epoch, n, t and the operators against the committee of the record's epoch.
 */
export async function openMemberShares(
  bundle: TaskBundle | Uint8Array,
  memberIndex: number,
  memberSecretKey: Uint8Array,
  options: { expectedOperator?: Hex; provider?: X25519Provider; memberPublicKey?: Uint8Array } = {},
): Promise<OpenedMemberShares> {
  const decoded = bundle instanceof Uint8Array ? decodeBundle(bundle) : bundle;
  const member = decoded.members[memberIndex - 1];
  if (!Number.isInteger(memberIndex) || member === undefined) {
    throw new FormatError(`member index ${memberIndex} is outside the bundle's committee of ${decoded.members.length}`);
  }
  if (options.expectedOperator !== undefined && getAddress(options.expectedOperator) !== getAddress(member.operator)) {
    throw new FormatError(`bundle slot ${memberIndex} belongs to ${member.operator}, not ${options.expectedOperator}`);
  }
  const header = headerOf(decoded);
  const plaintext = await open(
    member.envelope,
    memberSecretKey,
    inputContext(header, memberIndex, bundleHeaderHash(header)),
    options.provider ?? nobleX25519,
    options.memberPublicKey,
  );
  return { ...decodeSharePayload(plaintext), bundle: decoded, memberIndex, operator: member.operator };
}
