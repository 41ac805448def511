// Result envelopes: a member seals its private output shares to the caller's result key (purpose task-result;
// the associated data binds the task id, the bundle hash and the member index) and signs the envelope with its
// operator key, so a wrong share is attributable to the member and not to the node that relayed it.
import { encodeAbiParameters, getAddress, isAddress, keccak256, recoverMessageAddress } from 'viem';
import { type Hex, hexToBytes } from '../bytes.js';
import type { EnvelopeContext } from '../envelope/context.js';
import { open, seal } from '../envelope/seal.js';
import { FormatError } from '../errors.js';
import { nobleX25519, type X25519Provider } from '../keys/provider.js';
import { decodeResultPayload, encodeResultPayload, type ResultShares } from './payload.js';

export interface ResultTarget {
  chainId: bigint;
  tasks: Hex;
  contractId: bigint;
  selector: Hex;
  /** The epoch of the task record (= the bundle's epoch). */
  epoch: bigint;
  taskId: bigint;
  /** The task's bundleHash as recorded on chain. */
  bundleHash: Hex;
}

export function resultContext(target: ResultTarget, memberIndex: number): EnvelopeContext {
  return {
    purpose: 'task-result',
    chainId: target.chainId,
    tasks: target.tasks,
    contractId: target.contractId,
    selector: target.selector,
    epoch: target.epoch,
    memberIndex,
    taskId: target.taskId,
    binding: hexToBytes(target.bundleHash, 'bundleHash', 32),
  };
}

/** Member side: seals its output shares (and MAC shares) to the caller's result public key. */
export function sealResultShares(
  shares: ResultShares,
  resultPublicKey: Uint8Array,
  target: ResultTarget,
  memberIndex: number,
  provider: X25519Provider = nobleX25519,
): Promise<Uint8Array> {
  return seal(encodeResultPayload(shares), resultPublicKey, resultContext(target, memberIndex), provider);
}

/** Caller side: opens one member's result envelope. Throws FormatError or EnvelopeOpenError. */
export async function openResultShares(
  envelope: Uint8Array,
  resultSecretKey: Uint8Array,
  target: ResultTarget,
  memberIndex: number,
  options: { provider?: X25519Provider; resultPublicKey?: Uint8Array } = {},
): Promise<ResultShares> {
  const plaintext = await open(
    envelope,
    resultSecretKey,
    resultContext(target, memberIndex),
    options.provider ?? nobleX25519,
    options.resultPublicKey,
  );
  return decodeResultPayload(plaintext);
}

const SIGNATURE_DOMAIN = 'mosaic/task-result/v1';

/**
 * What a member signs for its result envelope (as an EIP-191 personal message of these 32 raw bytes):
 * keccak256(abi.encode("mosaic/task-result/v1", chainId, tasks, taskId, uint8 memberIndex, keccak256(envelope))).
 */
export function resultEnvelopeDigest(
  target: Pick<ResultTarget, 'chainId' | 'tasks' | 'taskId'>,
  memberIndex: number,
  envelope: Uint8Array,
): Hex {
  if (!isAddress(target.tasks)) throw new FormatError('tasks must be an address');
  if (!Number.isInteger(memberIndex) || memberIndex < 1 || memberIndex > 255) throw new FormatError('bad member index');
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'string' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'uint8' },
        { type: 'bytes32' },
      ],
      [SIGNATURE_DOMAIN, target.chainId, getAddress(target.tasks), target.taskId, memberIndex, keccak256(envelope)],
    ),
  );
}

/** True when `signature` over the envelope's digest recovers to `operator`. */
export async function verifyResultEnvelopeSignature(
  target: Pick<ResultTarget, 'chainId' | 'tasks' | 'taskId'>,
  memberIndex: number,
  envelope: Uint8Array,
  signature: Hex,
  operator: Hex,
): Promise<boolean> {
  try {
    const digest = resultEnvelopeDigest(target, memberIndex, envelope);
    const signer = await recoverMessageAddress({ message: { raw: digest }, signature });
    return getAddress(signer) === getAddress(operator);
  } catch {
    return false;
  }
}

/** Member side: the signature that goes with a result envelope (any viem account, e.g. the operator's). */
export function signResultEnvelope(
  signer: { signMessage(args: { message: { raw: Hex } }): Promise<Hex> },
  target: Pick<ResultTarget, 'chainId' | 'tasks' | 'taskId'>,
  memberIndex: number,
  envelope: Uint8Array,
): Promise<Hex> {
  return signer.signMessage({ message: { raw: resultEnvelopeDigest(target, memberIndex, envelope) } });
}

/** outputHash = keccak256(h_1 || ... || h_n), h_i = keccak256(envelope of member i), bytes32(0) when it has none. */
export function outputHashOf(envelopes: readonly (Uint8Array | undefined)[]): Hex {
  const parts = envelopes.map((e) => (e ? keccak256(e, 'bytes') : new Uint8Array(32)));
  const all = new Uint8Array(32 * parts.length);
  parts.forEach((p, i) => {
    all.set(p, 32 * i);
  });
  return keccak256(all);
}
