// The plaintext of a task-input envelope: one member's shares of the secret arguments.
//
//   payload = version (1 byte, 0x01) || outputMacKeyShare (16) || count (u32 BE) || count x share (16 each)
//
// Shares are 16-byte little-endian canonical field elements, at the member's point (its 1-based index), of
// polynomials of degree t. outputMacKeyShare is the member's share of alpha, the caller's MAC key for private
// outputs: the committee returns shares of alpha * y beside each output y, which lets the caller name a member
// whose returned share is wrong even when plain decoding cannot (n = 3, t = 1).
import { type FieldVector, vec } from '@mosaic/mpc';
import { ByteReader, ByteWriter } from '../bytes.js';
import { FormatError } from '../errors.js';
import { decodeFieldElements, encodeFieldElements, FIELD_ELEMENT_BYTES } from '../field.js';

export const SHARE_PAYLOAD_VERSION = 1;
/** Most secret field elements per task (16 MB of shares per member). */
export const MAX_SECRET_ELEMENTS = 1_000_000;

export interface MemberShares {
  /** The member's shares of the secret arguments, in argument order (as lang's encodeArgs lays them out). */
  secretShares: FieldVector;
  /** The member's share of the caller's output MAC key alpha (one element). */
  outputMacKeyShare: FieldVector;
}

export function encodeSharePayload(shares: MemberShares): Uint8Array {
  if (vec.size(shares.outputMacKeyShare) !== 1) throw new FormatError('outputMacKeyShare must be one element');
  const count = vec.size(shares.secretShares);
  if (count > MAX_SECRET_ELEMENTS) throw new FormatError(`more than ${MAX_SECRET_ELEMENTS} secret elements`);
  return new ByteWriter()
    .u8(SHARE_PAYLOAD_VERSION, 'version')
    .bytes(encodeFieldElements(shares.outputMacKeyShare))
    .u32(count, 'count')
    .bytes(encodeFieldElements(shares.secretShares))
    .finish();
}

export function decodeSharePayload(bytes: Uint8Array): MemberShares {
  const reader = new ByteReader(bytes, 'share payload');
  const version = reader.u8('version');
  if (version !== SHARE_PAYLOAD_VERSION) throw new FormatError(`share payload: unknown version ${version}`);
  const outputMacKeyShare = decodeFieldElements(
    reader.bytes(FIELD_ELEMENT_BYTES, 'outputMacKeyShare'),
    'outputMacKeyShare',
  );
  const count = reader.u32('count');
  if (count > MAX_SECRET_ELEMENTS)
    throw new FormatError(`share payload: ${count} elements, more than ${MAX_SECRET_ELEMENTS}`);
  const secretShares = decodeFieldElements(reader.bytes(count * FIELD_ELEMENT_BYTES, 'shares'), 'shares');
  reader.end();
  return { secretShares, outputMacKeyShare };
}
