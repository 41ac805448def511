// The plaintext of a task-result envelope: one member's shares of the task's private outputs.
//
//   payload = version (1 byte, 0x01) || count (u32 BE) || count x outputShare (16 each)
//             || hasMacs (1 byte, 0 or 1) || [ count x macShare (16 each) ]
//
// macShare k is the member's share of alpha * output k (alpha: the caller's output MAC key, shared in the bundle).
import { type FieldVector, vec } from '@mosaic/mpc';
import { ByteReader, ByteWriter } from '../bytes.js';
import { FormatError } from '../errors.js';
import { decodeFieldElements, encodeFieldElements, FIELD_ELEMENT_BYTES } from '../field.js';

export const RESULT_PAYLOAD_VERSION = 1;
export const MAX_OUTPUT_ELEMENTS = 500_000;

export interface ResultShares {
  outputShares: FieldVector;
  /** Shares of alpha * output, one per output element; omitted only by executors that do not authenticate. */
  macShares?: FieldVector;
}

export function encodeResultPayload(shares: ResultShares): Uint8Array {
  const count = vec.size(shares.outputShares);
  if (count > MAX_OUTPUT_ELEMENTS) throw new FormatError(`more than ${MAX_OUTPUT_ELEMENTS} output elements`);
  if (shares.macShares !== undefined && vec.size(shares.macShares) !== count) {
    throw new FormatError('macShares must have one element per output share');
  }
  const writer = new ByteWriter()
    .u8(RESULT_PAYLOAD_VERSION, 'version')
    .u32(count, 'count')
    .bytes(encodeFieldElements(shares.outputShares))
    .u8(shares.macShares ? 1 : 0, 'hasMacs');
  if (shares.macShares) writer.bytes(encodeFieldElements(shares.macShares));
  return writer.finish();
}

export function decodeResultPayload(bytes: Uint8Array): ResultShares {
  const reader = new ByteReader(bytes, 'result payload');
  const version = reader.u8('version');
  if (version !== RESULT_PAYLOAD_VERSION) throw new FormatError(`result payload: unknown version ${version}`);
  const count = reader.u32('count');
  if (count > MAX_OUTPUT_ELEMENTS) throw new FormatError(`result payload: ${count} elements, too many`);
  const outputShares = decodeFieldElements(reader.bytes(count * FIELD_ELEMENT_BYTES, 'outputShares'), 'outputShares');
  const hasMacs = reader.u8('hasMacs');
  if (hasMacs > 1) throw new FormatError('result payload: hasMacs must be 0 or 1');
  const macShares =
    hasMacs === 1
      ? decodeFieldElements(reader.bytes(count * FIELD_ELEMENT_BYTES, 'macShares'), 'macShares')
      : undefined;
  reader.end();
  return macShares ? { outputShares, macShares } : { outputShares };
}
