// Stored data: the payload and its pointer (docs/storage.md describes the whole protocol). In short:
//
//   payload  = version (1) || encoding (1) || salt (16, random) || body
//   content  = SHA-256(payload)                       (given to DataRegistry.storeData; size = |payload|)
//   pointer  = keccak256(abi.encode(owner, content))  (DataRegistry.pointerOf: only the owner can register it)
//   segments = the payload cut into segments of field elements (layout.ts), each Shamir-shared (degree t) to the
//              n members of the storage committee Epochs.committeeOf(pointer, storedAtEpoch, n)
//   share envelope = a sealed envelope (../envelope) per member and segment, plaintext = the member's share
//              vector (16 bytes per element), bound by its context (binding.ts)
//
// The salt keeps the public pointer from confirming a guess of low-entropy data (a location, a yes/no answer)
// and lets the same data be stored twice.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, type Hex } from '../bytes.js';
import { FormatError } from '../errors.js';

export const PAYLOAD_VERSION = 1;
export const SALT_BYTES = 16;
export const PAYLOAD_HEADER_BYTES = 2 + SALT_BYTES;
/** Data bytes per field element: 15 bytes (120 bits) always fit below p = 2^127 - 1. */
export const ELEMENT_DATA_BYTES = 15;
/**
 * Field elements per segment: 32,768 (a member's share of a segment is 512 KiB, about 700 KB of base64: one
 * member's envelope per JSON-RPC call fits the node's default 1 MiB request limit).
 */
export const SEGMENT_ELEMENTS = 32_768;
/** Payload bytes per segment (491,520). */
export const SEGMENT_BYTES = SEGMENT_ELEMENTS * ELEMENT_DATA_BYTES;
/** Largest payload accepted by the client and the nodes (256 MiB). */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** Largest storage committee. */
export const MAX_STORAGE_N = 64;
/** The default storage committee: n = 5 members, any t + 1 = 3 reconstruct, any t = 2 learn nothing. */
export const DEFAULT_STORAGE_COMMITTEE = { n: 5, t: 2 } as const;
/** Longest a signed request may be valid for (seconds). */
export const MAX_REQUEST_LIFETIME_S = 3600;

/** How the body is to be read back. */
export const DATA_ENCODINGS = { bytes: 0, text: 1, int64: 2, json: 3 } as const;
export type DataEncoding = keyof typeof DATA_ENCODINGS;
/** What `store` takes and `load` returns. */
export type DataValue =
  | { encoding: 'bytes'; value: Uint8Array }
  | { encoding: 'text'; value: string }
  | { encoding: 'int64'; value: bigint[] }
  | { encoding: 'json'; value: unknown };

export function checkCommittee(n: unknown, t: unknown): asserts n is number {
  if (!Number.isInteger(n) || !Number.isInteger(t) || (t as number) < 1 || 2 * (t as number) + 1 > (n as number)) {
    throw new FormatError(`storage committee (n = ${String(n)}, t = ${String(t)}) needs 1 <= t and 2t + 1 <= n`);
  }
  if ((n as number) > MAX_STORAGE_N) throw new FormatError(`storage committee n must be at most ${MAX_STORAGE_N}`);
}

/** The payload of a value, with a fresh salt from the CSPRNG. */
export function encodePayload(data: DataValue): Uint8Array {
  let body: Uint8Array;
  switch (data.encoding) {
    case 'bytes':
      if (!(data.value instanceof Uint8Array)) throw new FormatError('bytes data must be a Uint8Array');
      body = data.value;
      break;
    case 'text':
      if (typeof data.value !== 'string') throw new FormatError('text data must be a string');
      body = new TextEncoder().encode(data.value);
      break;
    case 'int64': {
      if (!Array.isArray(data.value)) throw new FormatError('int64 data must be an array of bigints');
      body = new Uint8Array(8 * data.value.length);
      const view = new DataView(body.buffer);
      data.value.forEach((x, i) => {
        if (typeof x !== 'bigint' || x < -(1n << 63n) || x >= 1n << 63n) {
          throw new FormatError(`int64 value ${i} is not a bigint in [-2^63, 2^63)`);
        }
        view.setBigInt64(8 * i, x, true);
      });
      break;
    }
    case 'json': {
      const text = JSON.stringify(data.value);
      if (text === undefined) throw new FormatError('json data is not serialisable');
      body = new TextEncoder().encode(text);
      break;
    }
    default:
      throw new FormatError(`unknown data encoding ${String((data as { encoding: unknown }).encoding)}`);
  }
  const payload = new Uint8Array(PAYLOAD_HEADER_BYTES + body.length);
  if (payload.length > MAX_PAYLOAD_BYTES) throw new FormatError(`data exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  payload[0] = PAYLOAD_VERSION;
  payload[1] = DATA_ENCODINGS[data.encoding];
  crypto.getRandomValues(payload.subarray(2, PAYLOAD_HEADER_BYTES));
  payload.set(body, PAYLOAD_HEADER_BYTES);
  return payload;
}

export function decodePayload(payload: Uint8Array): DataValue {
  if (payload.length < PAYLOAD_HEADER_BYTES) throw new FormatError('payload is shorter than its header');
  if (payload[0] !== PAYLOAD_VERSION) throw new FormatError(`unknown payload version ${payload[0]}`);
  const body = payload.subarray(PAYLOAD_HEADER_BYTES);
  switch (payload[1]) {
    case DATA_ENCODINGS.bytes:
      return { encoding: 'bytes', value: body.slice() };
    case DATA_ENCODINGS.text:
      return { encoding: 'text', value: new TextDecoder('utf-8', { fatal: true }).decode(body) };
    case DATA_ENCODINGS.int64: {
      if (body.length % 8 !== 0) throw new FormatError('int64 payload is not a whole number of 8-byte values');
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      return {
        encoding: 'int64',
        value: Array.from({ length: body.length / 8 }, (_, i) => view.getBigInt64(8 * i, true)),
      };
    }
    case DATA_ENCODINGS.json:
      return { encoding: 'json', value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) };
    default:
      throw new FormatError(`unknown payload encoding ${payload[1]}`);
  }
}

/** SHA-256 of a payload: the content hash DataRegistry.storeData takes (the pointer also binds the owner). */
export function contentHashOf(payload: Uint8Array): Hex {
  return bytesToHex(sha256(payload));
}
