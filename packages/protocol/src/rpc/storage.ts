// The storage methods (docs/json-rpc.md, "Private data storage"; formats in docs/storage.md): mosaic_storeData,
// mosaic_loadData and mosaic_recoverData. Envelopes travel as base64 in plain JSON, or as raw bytes when the
// message is framed with binary attachments (binary.ts).
import { z } from 'zod';
import { DATA_LAYOUTS } from '../data/layout.js';
import { MAX_STORAGE_N, SEGMENT_ELEMENTS } from '../data/payload.js';
import { MAX_STORE_BATCH } from '../data/requests.js';
import { ENVELOPE_OVERHEAD } from '../envelope/seal.js';
import {
  absentOrNull,
  address,
  addressHex,
  byteSize,
  hex32,
  quantity,
  segmentIndex,
  signatureHex,
  unixSeconds,
  withoutUndefined,
} from './values.js';

/** One member's envelope of one segment (16 bytes per element, plus the envelope's overhead), and its base64. */
export const MAX_SHARE_ENVELOPE_BYTES = 16 * SEGMENT_ELEMENTS + ENVELOPE_OVERHEAD;
const MAX_SHARE_ENVELOPE_BASE64 = 4 * Math.ceil(MAX_SHARE_ENVELOPE_BYTES / 3);

const memberIndex = z.number().int().min(1).max(MAX_STORAGE_N);
const layout = z.union([z.literal(DATA_LAYOUTS.packed), z.literal(DATA_LAYOUTS.int64)]);

/**
 * An envelope: base64 in JSON, or raw bytes in a binary-framed message. The base64 alphabet is checked while
 * decoding (fromBase64): a regular expression over 700 KB costs more than the decoding itself.
 */
const envelopeParam = z.union([
  z.string().max(MAX_SHARE_ENVELOPE_BASE64, 'envelope too large'),
  z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes')
    .refine((b) => b.length <= MAX_SHARE_ENVELOPE_BYTES, 'envelope too large'),
]);

/** A requester's signed load request (the EIP-712 LoadData message; expiresAt in unix seconds). */
export const loadRequest = z.strictObject({
  pointer: hex32,
  requester: addressHex,
  /** The X25519 key the members seal their answers to. */
  responseKey: hex32,
  nonce: hex32,
  expiresAt: unixSeconds,
  n: byteSize,
  t: byteSize,
});

/** Each member's outcome of a store (and of a failed load, in the error's data). */
export const memberOutcome = z
  .object({
    member: memberIndex,
    operator: address,
    ok: z.boolean(),
    error: absentOrNull(z.string()),
  })
  .transform(withoutUndefined);

export const storeData = {
  name: 'mosaic_storeData',
  positional: [],
  params: z.strictObject({
    pointer: hex32,
    n: z.number().int().min(3).max(MAX_STORAGE_N),
    t: z.number().int().min(1).max(31),
    segment: segmentIndex,
    /** The element layout (DATA_LAYOUTS), part of the owner's signed message. */
    layout: z.number().int().min(0).max(1).default(0),
    firstSegment: segmentIndex,
    segmentHashes: z.array(hex32).min(1).max(MAX_STORE_BATCH),
    expiresAt: unixSeconds,
    shareHashes: z.array(hex32).min(3).max(MAX_STORAGE_N),
    /** The owner's EIP-712 StoreShares signature. */
    signature: signatureHex,
    shares: z
      .array(z.strictObject({ member: memberIndex, envelope: envelopeParam }))
      .min(1)
      .max(MAX_STORAGE_N),
  }),
  result: z.object({
    pointer: hex32,
    segment: segmentIndex,
    stored: z.array(memberOutcome).max(MAX_STORAGE_N),
  }),
} as const;

/** One storage member's answer to a load: its envelope sealed to the requester, or why it has none. */
export const loadAnswer = z.union([
  z
    .object({
      member: memberIndex,
      operator: address,
      /** Base64 in JSON, raw bytes in a binary-framed answer. */
      envelope: envelopeParam,
      /** The envelope holds SHA-256 of the member's share, not the share. */
      digest: z.literal(true).optional(),
    })
    .transform(withoutUndefined),
  z.object({ member: memberIndex, operator: address, error: z.string().transform((v) => v.slice(0, 1000)) }),
]);

export const loadData = {
  name: 'mosaic_loadData',
  positional: [],
  params: z.strictObject({
    request: loadRequest,
    /** The requester's EIP-712 LoadData signature. */
    signature: signatureHex,
    segment: segmentIndex,
    /** Members to answer with their share; the others answer with a sealed digest of it (default: all shares). */
    full: z.array(memberIndex).max(MAX_STORAGE_N).optional(),
  }),
  result: z.object({
    pointer: hex32,
    segment: segmentIndex,
    /** The payload's size in bytes, as recorded on chain. */
    size: z.number().int().nonnegative(),
    /** The epoch whose committee answered (the shares move to each new epoch's committee). */
    epoch: quantity,
    /** The data's element layout as the first answering member holds it (the client checks the pointer). */
    layout: layout.default(DATA_LAYOUTS.packed),
    answers: z.array(loadAnswer).max(MAX_STORAGE_N),
  }),
} as const;

export const recoverData = {
  name: 'mosaic_recoverData',
  /** Only the node's operator calls it: the node serves it on its authenticated operator listener only. */
  access: 'operator',
  positional: [],
  params: z.strictObject({
    pointer: hex32,
    n: z.number().int().min(3).max(MAX_STORAGE_N),
    t: z.number().int().min(1).max(31),
  }),
  result: z.object({
    pointer: hex32,
    /** The epoch whose committee now holds this node's recovered shares. */
    epoch: quantity,
    member: memberIndex,
    /** The members that helped (t + 1). */
    helpers: z.array(memberIndex).max(MAX_STORAGE_N),
  }),
} as const;
