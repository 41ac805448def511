// Private data storage (issue 7, the ZNP15 Tdata model): the formats the client and the storage nodes share.
// The protocol is described in docs/storage.md; in short:
//
//   payload  = version (1) || encoding (1) || salt (16, random) || body
//   pointer  = SHA-256(payload)                       (recorded on chain by DataRegistry.storeData; size = |payload|)
//   segments = the payload cut into SEGMENT_BYTES pieces; each piece is cut into 15-byte field elements
//              (little-endian in the low 120 bits, so always < p) and Shamir-shared (degree t) to the n members
//              of the storage committee Epochs.committeeOf(pointer, storedAtEpoch, n)
//   share envelope = a sealed envelope (see ../envelope) per member and segment, plaintext = the member's share
//              vector (16 bytes per element), bound by its context to (chain, DataRegistry, pointer, epoch,
//              member, segment, n, t)
//
// The salt keeps the public pointer from confirming a guess of low-entropy data (a location, a yes/no answer)
// and lets the same data be stored twice. Signed requests are EIP-712 typed data in the DataRegistry's domain.
import { type FieldVector, interpolationMatrix, vec } from '@mosaic/mpc';
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ByteWriter, type Hex, hexToBytes } from '../bytes.js';
import type { EnvelopeContext } from '../envelope/context.js';
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

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

export function pointerOf(payload: Uint8Array): Hex {
  return toHex32(sha256(payload));
}

// ----- element layouts: how a payload becomes field elements -----

/**
 * How a payload is laid out in field elements. `packed` (0): 15 payload bytes per element, for bytes, text and
 * json. `int64` (1): the 18 header bytes packed (2 elements), then one element per value (v mod p, negative v
 * as p - |v|), so that a secret contract can compute on stored values directly (unpacking a packed element in
 * MPC would need a bit decomposition). The layout is public: it is in the owner's signed StoreShares message
 * and in each member's at-rest header, and it fixes the element count of each segment.
 */
export const DATA_LAYOUTS = { packed: 0, int64: 1 } as const;
export type DataLayout = (typeof DATA_LAYOUTS)[keyof typeof DATA_LAYOUTS];
/** Elements the packed 18-byte header takes in the int64 layout. */
export const INT64_HEADER_ELEMENTS = Math.ceil(PAYLOAD_HEADER_BYTES / ELEMENT_DATA_BYTES);

/** The layout a payload is stored in: int64 data one element per value, everything else packed. */
export function layoutOf(payload: Uint8Array): DataLayout {
  return payload[1] === DATA_ENCODINGS.int64 ? DATA_LAYOUTS.int64 : DATA_LAYOUTS.packed;
}

export function checkLayout(layout: unknown): asserts layout is DataLayout {
  if (layout !== DATA_LAYOUTS.packed && layout !== DATA_LAYOUTS.int64) {
    throw new FormatError(`unknown data layout ${String(layout)}`);
  }
}

/** Field elements of a whole payload of `size` bytes in `layout`; throws when the size does not fit it. */
export function layoutElements(size: number, layout: DataLayout = DATA_LAYOUTS.packed): number {
  if (layout === DATA_LAYOUTS.packed) return Math.ceil(size / ELEMENT_DATA_BYTES);
  if (size < PAYLOAD_HEADER_BYTES || (size - PAYLOAD_HEADER_BYTES) % 8 !== 0) {
    throw new FormatError(`a payload of ${size} bytes is not an int64 payload (18 + 8 per value)`);
  }
  return INT64_HEADER_ELEMENTS + (size - PAYLOAD_HEADER_BYTES) / 8;
}

/** Values of an int64-layout payload of `size` bytes. */
export function int64ValueCount(size: number): number {
  return layoutElements(size, DATA_LAYOUTS.int64) - INT64_HEADER_ELEMENTS;
}

export function segmentCount(size: number, layout: DataLayout = DATA_LAYOUTS.packed): number {
  if (layout === DATA_LAYOUTS.packed) return Math.ceil(size / SEGMENT_BYTES);
  return Math.ceil(layoutElements(size, layout) / SEGMENT_ELEMENTS);
}

/** Field elements in segment `segment` of a payload of `size` bytes. */
export function segmentElements(size: number, segment: number, layout: DataLayout = DATA_LAYOUTS.packed): number {
  if (layout === DATA_LAYOUTS.packed) {
    const start = segment * SEGMENT_BYTES;
    const bytes = Math.min(SEGMENT_BYTES, size - start);
    if (!Number.isInteger(segment) || segment < 0 || bytes <= 0) throw new FormatError(`no segment ${segment}`);
    return Math.ceil(bytes / ELEMENT_DATA_BYTES);
  }
  const count = Math.min(SEGMENT_ELEMENTS, layoutElements(size, layout) - segment * SEGMENT_ELEMENTS);
  if (!Number.isInteger(segment) || segment < 0 || count <= 0) throw new FormatError(`no segment ${segment}`);
  return count;
}

const P = (1n << 127n) - 1n;
const MASK32 = 0xffffffffn;

/** The field elements of segment `segment` of `payload` in `layout` (what the client secret-shares). */
export function payloadSegmentElements(payload: Uint8Array, segment: number, layout: DataLayout): FieldVector {
  if (layout === DATA_LAYOUTS.packed) {
    return bytesToElements(payload.subarray(segment * SEGMENT_BYTES, (segment + 1) * SEGMENT_BYTES));
  }
  const count = segmentElements(payload.length, segment, layout);
  const out = new Uint32Array(4 * count);
  const first = segment * SEGMENT_ELEMENTS;
  if (first === 0) out.set(bytesToElements(payload.subarray(0, PAYLOAD_HEADER_BYTES)));
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let k = Math.max(0, INT64_HEADER_ELEMENTS - first); k < count; k++) {
    const v = view.getBigInt64(PAYLOAD_HEADER_BYTES + 8 * (first + k - INT64_HEADER_ELEMENTS), true);
    const e = v < 0n ? P + v : v;
    for (let w = 0; w < 4; w++) out[4 * k + w] = Number((e >> BigInt(32 * w)) & MASK32);
  }
  return out;
}

/**
 * Writes segment `segment`'s reconstructed elements into `payload` (the inverse of payloadSegmentElements);
 * throws when an element is not a valid element of the layout (the pointer check then fails anyway).
 */
export function placeSegmentElements(
  payload: Uint8Array,
  segment: number,
  layout: DataLayout,
  elements: FieldVector,
): void {
  if (layout === DATA_LAYOUTS.packed) {
    const length = Math.min(SEGMENT_BYTES, payload.length - segment * SEGMENT_BYTES);
    payload.set(elementsToBytes(elements, length), segment * SEGMENT_BYTES);
    return;
  }
  const count = segmentElements(payload.length, segment, layout);
  if (vec.size(elements) !== count) throw new FormatError('element count does not match the layout');
  const first = segment * SEGMENT_ELEMENTS;
  if (first === 0) {
    payload.set(elementsToBytes(elements.subarray(0, 4 * INT64_HEADER_ELEMENTS), PAYLOAD_HEADER_BYTES), 0);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let k = Math.max(0, INT64_HEADER_ELEMENTS - first); k < count; k++) {
    let e = 0n;
    for (let w = 3; w >= 0; w--) e = (e << 32n) | BigInt(elements[4 * k + w]!);
    const v = e < 1n << 63n ? e : e >= P - (1n << 63n) ? e - P : undefined;
    if (v === undefined) throw new FormatError(`element ${first + k} is not an int64 value`);
    view.setBigInt64(PAYLOAD_HEADER_BYTES + 8 * (first + k - INT64_HEADER_ELEMENTS), v, true);
  }
}

/** The field elements of `bytes` (at most one segment): 15 bytes each, little-endian, zero-padded. */
export function bytesToElements(bytes: Uint8Array): FieldVector {
  const count = Math.ceil(bytes.length / ELEMENT_DATA_BYTES);
  const out = new Uint32Array(4 * count);
  if (LITTLE_ENDIAN) {
    const view = new Uint8Array(out.buffer);
    for (let i = 0; i < count; i++) {
      view.set(bytes.subarray(i * ELEMENT_DATA_BYTES, (i + 1) * ELEMENT_DATA_BYTES), 16 * i);
    }
  } else {
    for (let i = 0; i < bytes.length; i++) {
      const e = Math.floor(i / ELEMENT_DATA_BYTES);
      const b = i % ELEMENT_DATA_BYTES;
      out[4 * e + (b >> 2)]! |= bytes[i]! << (8 * (b & 3));
    }
  }
  return out;
}

/** The inverse of bytesToElements: `length` bytes; throws when an element holds more than 120 bits. */
export function elementsToBytes(elements: FieldVector, length: number): Uint8Array {
  const count = vec.size(elements);
  if (length > count * ELEMENT_DATA_BYTES || length <= (count - 1) * ELEMENT_DATA_BYTES) {
    throw new FormatError('element count does not match the length');
  }
  const out = new Uint8Array(count * ELEMENT_DATA_BYTES);
  for (let i = 0; i < count; i++) {
    if (elements[4 * i + 3]! >>> 24 !== 0) throw new FormatError(`element ${i} holds more than 120 bits`);
  }
  if (LITTLE_ENDIAN) {
    const view = new Uint8Array(elements.buffer, elements.byteOffset, elements.byteLength);
    for (let i = 0; i < count; i++) out.set(view.subarray(16 * i, 16 * i + ELEMENT_DATA_BYTES), i * ELEMENT_DATA_BYTES);
  } else {
    for (let i = 0; i < out.length; i++) {
      const e = Math.floor(i / ELEMENT_DATA_BYTES);
      const b = i % ELEMENT_DATA_BYTES;
      out[i] = (elements[4 * e + (b >> 2)]! >>> (8 * (b & 3))) & 0xff;
    }
  }
  return out.subarray(0, length);
}

/** A share vector's wire bytes (16 per element, little-endian words). */
export function shareToBytes(share: FieldVector): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(share.buffer, share.byteOffset, share.byteLength);
  const out = new Uint8Array(share.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < share.length; i++) view.setUint32(4 * i, share[i]!, true);
  return out;
}

/** A share vector from wire bytes: whole 16-byte elements, each canonical (< p). */
export function shareFromBytes(bytes: Uint8Array, what: string): FieldVector {
  if (bytes.length % 16 !== 0) throw new FormatError(`${what}: not a whole number of 16-byte field elements`);
  let out: Uint32Array;
  if (LITTLE_ENDIAN) {
    out = new Uint32Array(bytes.length / 4);
    new Uint8Array(out.buffer).set(bytes);
  } else {
    out = new Uint32Array(bytes.length / 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, true);
  }
  const bad = vec.firstNonCanonical(out);
  if (bad >= 0) throw new FormatError(`${what}: element ${bad} is not canonical (>= p)`);
  return out;
}

// ----- seeded shares: members 1..t get a 32-byte seed instead of their share -----

/** Bytes of a share seed (what members 1..t receive on store, instead of 16 bytes per element). */
export const SHARE_SEED_BYTES = 32;

/** Seals with XChaCha20-Poly1305 (ciphertext || tag): an AEAD whose ciphertext of zeros is the keystream. */
export type KeystreamAead = {
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Uint8Array;
};

/**
 * The share a seed stands for: the XChaCha20 keystream of key `seed` (nonce 0, from block 1: what
 * XChaCha20-Poly1305 encrypts a message with), 16 bytes per element read as little-endian words, the top bit
 * cleared (127 bits, uniform on [0, 2^127)); the single value p reads as 0 (probability 2^-127). Client and
 * member expand the same way; `aead` (e.g. OpenSSL's on Node.js) computes the same keystream faster, as the
 * ciphertext of zeros.
 */
export function expandShareSeed(seed: Uint8Array, elements: number, aead?: KeystreamAead): FieldVector {
  if (seed.length !== SHARE_SEED_BYTES) throw new FormatError('a share seed is 32 bytes');
  const length = 16 * elements;
  const bytes = aead
    ? aead.seal(seed, new Uint8Array(24), new Uint8Array(0), new Uint8Array(length)).subarray(0, length)
    : xchacha20(seed, new Uint8Array(24), new Uint8Array(length), undefined, 1);
  const out = LITTLE_ENDIAN ? new Uint32Array(bytes.buffer, bytes.byteOffset, 4 * elements) : shareWords(bytes);
  for (let o = 3; o < out.length; o += 4) out[o]! &= 0x7fffffff;
  let bad = vec.firstNonCanonical(out);
  while (bad >= 0) {
    out.fill(0, 4 * bad, 4 * bad + 4);
    bad = vec.firstNonCanonical(out);
  }
  return out;
}

function shareWords(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

/**
 * Shamir sharing of degree t among n where members 1..t's shares are expanded from fresh random seeds (any t
 * shares of a degree-t sharing are uniform and independent of the secret, so this is the same distribution as
 * drawing the coefficients) and members t+1..n's are interpolated from (0, secret), (1, s_1) .. (t, s_t).
 * Members 1..t are sent only their seed: the store moves (n - t) / n of the share bytes.
 */
export function shareSeeded(
  secrets: FieldVector,
  n: number,
  t: number,
  aead?: KeystreamAead,
): { seeds: Uint8Array[]; shares: FieldVector[] } {
  const count = vec.size(secrets);
  const seeds = Array.from({ length: t }, () => {
    const seed = new Uint8Array(SHARE_SEED_BYTES);
    crypto.getRandomValues(seed);
    return seed;
  });
  const known = [secrets, ...seeds.map((seed) => expandShareSeed(seed, count, aead))];
  const points = Array.from({ length: t + 1 }, (_, i) => i);
  const rest = Array.from({ length: n - t }, (_, i) => t + 1 + i);
  const derived = vec.matrixApply(interpolationMatrix(points, rest), known);
  return { seeds, shares: [...known.slice(1), ...derived] };
}

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
  return {
    ...shareContext(b),
    binding: sha256(
      new ByteWriter()
        .bytes(LOAD_LABEL)
        .bytes(hexToBytes(requestHash, 'requestHash', 32))
        .finish(),
    ),
  };
}

const DIGEST_LABEL = new TextEncoder().encode('mosaic/data-load-digest/v1');

/**
 * What a member's share digest is sealed under (a load asks members beyond the first t + 1 for SHA-256 of their
 * share instead of the share: the client checks it against the share the others' polynomial gives).
 */
export function digestContext(b: ShareBinding, requestHash: Hex): EnvelopeContext {
  return {
    ...shareContext(b),
    binding: sha256(
      new ByteWriter()
        .bytes(DIGEST_LABEL)
        .bytes(hexToBytes(requestHash, 'requestHash', 32))
        .finish(),
    ),
  };
}

// ----- signed requests (EIP-712, in the DataRegistry's domain: chain id and contract address) -----

export function dataDomain(chainId: bigint, dataRegistry: Hex) {
  return { name: 'Mosaic DataRegistry', version: '1', chainId, verifyingContract: dataRegistry } as const;
}

/**
 * The owner's authorisation of a batch of segments (one signature for up to MAX_STORE_BATCH segments), with the
 * data's element layout (DATA_LAYOUTS: the members check each segment's element count against it):
 * segmentHashes[i] = segmentHash(shareHashes of segment firstSegment + i), shareHashes[k-1] = SHA-256(envelope k).
 */
export const STORE_TYPES = {
  StoreShares: [
    { name: 'pointer', type: 'bytes32' },
    { name: 'n', type: 'uint8' },
    { name: 't', type: 'uint8' },
    { name: 'layout', type: 'uint8' },
    { name: 'firstSegment', type: 'uint32' },
    { name: 'segmentHashes', type: 'bytes32[]' },
    { name: 'expiresAt', type: 'uint64' },
  ],
} as const;

/** Segments one store signature covers at most. */
export const MAX_STORE_BATCH = 32;

/** SHA-256 of a segment's share hashes, concatenated (32 bytes each, member order). */
export async function segmentHashAsync(shareHashes: readonly Hex[]): Promise<Hex> {
  const bytes = new Uint8Array(32 * shareHashes.length);
  shareHashes.forEach((h, i) => {
    bytes.set(hexToBytes(h, 'share hash', 32), 32 * i);
  });
  return toHex32(await sha256Async(bytes));
}

export const LOAD_TYPES = {
  LoadData: [
    { name: 'pointer', type: 'bytes32' },
    { name: 'requester', type: 'address' },
    { name: 'responseKey', type: 'bytes32' },
    { name: 'nonce', type: 'bytes32' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'n', type: 'uint8' },
    { name: 't', type: 'uint8' },
  ],
} as const;

/** The owner's authorisation to store one segment's shares: member k's envelope hashes to shareHashes[k - 1]. */
export interface StoreRequest {
  pointer: Hex;
  n: number;
  t: number;
  segment: number;
  shareHashes: Hex[];
  expiresAt: bigint;
}

/** A requester's signed load request; the members seal their shares to `responseKey` (X25519). */
export interface LoadRequest {
  pointer: Hex;
  requester: Hex;
  responseKey: Hex;
  nonce: Hex;
  expiresAt: bigint;
  n: number;
  t: number;
}

export function shareHash(envelope: Uint8Array): Hex {
  return toHex32(sha256(envelope));
}

export function toHex32(bytes: Uint8Array): Hex {
  let out = '0x';
  for (const b of bytes) out += HEX[b];
  return out as Hex;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// ----- base64 (bulk bytes on JSON-RPC: a third smaller than hex; browser-safe and fast) -----

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_PAIRS: string[] = Array.from({ length: 4096 }, (_, i) => B64[i >> 6]! + B64[i & 63]!);
const B64_INDEX = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;
export const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

type NativeBase64 = {
  from(b: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'base64'): string };
  from(s: string, encoding: 'base64'): Uint8Array;
};
/** The runtime's native base64 where it has one (feature-detected: Buffer in Node.js; no import). */
const NATIVE = (globalThis as { Buffer?: NativeBase64 }).Buffer;

export function toBase64(bytes: Uint8Array): string {
  if (NATIVE) return NATIVE.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const parts: string[] = [];
  const CHUNK = 3 * 8192;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    const out: string[] = [];
    let i = start;
    for (; i + 2 < end; i += 3) {
      const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      out.push(B64_PAIRS[v >> 12]! + B64_PAIRS[v & 4095]!);
    }
    if (i < end) {
      const rest = end - i;
      const v = (bytes[i]! << 16) | (rest > 1 ? bytes[i + 1]! << 8 : 0);
      const third = rest > 1 ? B64[(v >> 6) & 63]! : '=';
      out.push(`${B64[v >> 18]!}${B64[(v >> 12) & 63]!}${third}=`);
    }
    parts.push(out.join(''));
  }
  return parts.join('');
}

/** Decodes padded base64; FormatError on any other character or a bad length (checked while decoding). */
export function fromBase64(text: string, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0) throw new FormatError(`${what} must be padded base64`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const expected = (text.length / 4) * 3 - padding;
  if (NATIVE) {
    // Node's decoder skips characters outside the alphabet and stops at '=': any such character makes the
    // output shorter than the padded length says. It also takes the URL alphabet ('-', '_'): refused here.
    const bytes = NATIVE.from(text, 'base64');
    if (bytes.length !== expected || text.indexOf('-') >= 0 || text.indexOf('_') >= 0) {
      throw new FormatError(`${what} must be padded base64`);
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  const out = new Uint8Array(expected);
  let o = 0;
  let bad = 0;
  const last = text.length - 4;
  for (let i = 0; i < text.length; i += 4) {
    const a = B64_INDEX[text.charCodeAt(i)]!;
    const b = B64_INDEX[text.charCodeAt(i + 1)]!;
    let c = B64_INDEX[text.charCodeAt(i + 2)]!;
    let d = B64_INDEX[text.charCodeAt(i + 3)]!;
    if (i === last) {
      if (padding === 2) c = 0;
      if (padding >= 1) d = 0;
    }
    bad |= a | b | c | d;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
  }
  if (bad < 0) throw new FormatError(`${what} must be padded base64`);
  return out;
}

/** SHA-256 with Web Crypto (native in browsers and Node.js) when present, else @noble. */
export async function sha256Async(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (subtle) return new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return sha256(bytes);
}

/** shareHash with Web Crypto where present. */
export async function shareHashAsync(envelope: Uint8Array): Promise<Hex> {
  return toHex32(await sha256Async(envelope));
}
