// What a share envelope is bound to: its envelope contexts as stored (client to member), as returned on a load
// (member to requester) and as a share digest (docs/storage.md).
import { sha256 } from '@noble/hashes/sha2.js';
import { ByteWriter, type Hex, hexToBytes } from '../bytes.js';
import type { EnvelopeContext } from '../envelope/context.js';

/** What a share envelope is bound to. */
export interface ShareBinding {
  chainId: bigint;
  dataRegistry: Hex;
  pointer: Hex;
  /** The epoch whose committee holds the data (the record's storedAtEpoch). */
  epoch: bigint;
  member: number;
  segment: number;
  n: number;
  t: number;
}

const SHARE_LABEL = new TextEncoder().encode('mosaic/data-share/v1');
const LOAD_LABEL = new TextEncoder().encode('mosaic/data-load/v1');

/** The envelope context of a member's share of a segment, as stored (client → member). */
export function shareContext(b: ShareBinding): EnvelopeContext {
  return {
    purpose: 'data-share',
    chainId: b.chainId,
    tasks: b.dataRegistry,
    contractId: BigInt(b.pointer),
    selector: '0x00000000',
    epoch: b.epoch,
    memberIndex: b.member,
    taskId: BigInt(b.segment),
    binding: sha256(new ByteWriter().bytes(SHARE_LABEL).u16(b.n, 'n').u16(b.t, 't').finish()),
  };
}

/** The envelope context of a member's share of a segment returned to a requester (member → requester). */
export function loadContext(b: ShareBinding, requestHash: Hex): EnvelopeContext {
  return answerContext(LOAD_LABEL, b, requestHash);
}

const DIGEST_LABEL = new TextEncoder().encode('mosaic/data-load-digest/v1');

/**
 * What a member's share digest is sealed under (a load asks members beyond the first t + 1 for SHA-256 of their
 * share instead of the share: the client checks it against the share the others' polynomial gives).
 */
export function digestContext(b: ShareBinding, requestHash: Hex): EnvelopeContext {
  return answerContext(DIGEST_LABEL, b, requestHash);
}

/** The share's context, bound to one signed load request and to what the answer holds (`label`). */
function answerContext(label: Uint8Array, b: ShareBinding, requestHash: Hex): EnvelopeContext {
  const binding = new ByteWriter()
    .bytes(label)
    .bytes(hexToBytes(requestHash, 'requestHash', 32))
    .finish();
  return { ...shareContext(b), binding: sha256(binding) };
}
