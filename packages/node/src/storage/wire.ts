/**
 * The storage protocols between nodes (docs/storage.md): their ids, the JSON headers each one carries (checked with
 * zod) and the framing `u32 header length || JSON header || body` they all share.
 */
import { MAX_STORE_BATCH, rpc, SEGMENT_ELEMENTS } from '@mosaic/protocol';
import { z } from 'zod';
import { StorageError } from './errors.js';

/** A gateway forwards a member its sealed share of a segment. */
export const STORE_PROTOCOL = '/mosaic/data/store/2.0.0';
/** A gateway asks a member for its share of a segment (or its digest), sealed to the requester. */
export const LOAD_PROTOCOL = '/mosaic/data/load/2.0.0';
/** An old member tells a new one that a pointer's shares are handed over to it (it checks on chain). */
export const HANDOVER_PROTOCOL = '/mosaic/data/handover/2.0.0';
/** A member that lost its shares: "which epoch do you hold this pointer in?" and "help me recover". */
export const HELD_PROTOCOL = '/mosaic/data/held/2.0.0';
export const RECOVER_PROTOCOL = '/mosaic/data/recover/2.0.0';
/** A task's committee member asks a storage member for its sub-share of a stored input. */
export const RESHARE_PROTOCOL = '/mosaic/data/reshare/1.0.0';

/** One member's envelope of one segment, with room for the envelope's own bytes. */
export const MAX_ENVELOPE_BYTES = 16 * SEGMENT_ELEMENTS + 1024;
export const MAX_HEADER_BYTES = 8 * 1024;

const { hex32, signatureHex: signature, byteSize: small, segmentIndex, unixSeconds } = rpc;
const epochNumber = z.string().regex(/^[0-9]{1,20}$/);
const seat = z.number().int().min(1).max(64);

export const storeHeaderSchema = z.strictObject({
  pointer: hex32,
  n: small,
  t: small,
  segment: segmentIndex,
  /** The element layout (DATA_LAYOUTS), part of the owner's signed message. */
  layout: z.number().int().min(0).max(1).default(0),
  firstSegment: segmentIndex,
  segmentHashes: z.array(hex32).min(1).max(MAX_STORE_BATCH),
  expiresAt: unixSeconds,
  shareHashes: z.array(hex32).min(1).max(64),
  signature,
  member: seat,
});
export type StoreHeader = z.output<typeof storeHeaderSchema>;

/** A requester's signed load request: the JSON-RPC method's, forwarded in the load header. */
export const loadRequestSchema = rpc.loadRequest;

export const loadHeaderSchema = z.strictObject({
  request: loadRequestSchema,
  signature,
  segment: segmentIndex,
  member: seat,
  /** The epoch whose committee is asked (the shares move to each new epoch's committee). */
  epoch: epochNumber,
  /** 'share': the share sealed to the requester; 'digest': SHA-256 of it, sealed (the client checks it). */
  mode: z.enum(['share', 'digest']),
});
export type LoadHeader = z.output<typeof loadHeaderSchema>;

export const handoverInviteSchema = z.strictObject({
  pointer: hex32,
  n: small,
  t: small,
  fromEpoch: epochNumber,
  toEpoch: epochNumber,
  layout: z.number().int().min(0).max(1).default(0),
});

export const heldQuerySchema = z.strictObject({ pointer: hex32 });

/** The answer to a held query: where this member holds the pointer (no share data). */
export interface HeldAnswer {
  epoch: string;
  member: number;
  n: number;
  t: number;
  layout?: number;
}

export const recoverInviteSchema = z.strictObject({
  pointer: hex32,
  n: small,
  t: small,
  epoch: epochNumber,
  lost: seat,
  helpers: z.array(seat).min(2).max(32),
  nonce: hex32,
});

/** The header of a reshare request; its body is the task's bundle. */
export const reshareRequestSchema = z.strictObject({
  taskId: z.string().regex(/^0x[0-9a-f]{1,64}$/),
  /** Index of the stored input among the function's inputs. */
  input: z.number().int().min(0).max(255),
  pointer: z.string().regex(/^0x[0-9a-f]{64}$/),
  n: z.number().int().min(3).max(64),
  t: z.number().int().min(1).max(31),
  /** The epoch whose storage committee is asked, and the seat asked. */
  epoch: epochNumber,
  member: seat,
  /** The requester's seat in the task's committee (its Shamir point). */
  computeMember: seat,
});
export type ReshareRequest = z.output<typeof reshareRequestSchema>;
/** A reshare request's header is small; its body (the bundle) is bounded on its own. */
export const MAX_RESHARE_HEADER_BYTES = 4096;

/** header length (u32, big-endian) || JSON header || body: the messages of the storage protocols. */
export function frame(header: object, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  out.set(body, 4 + json.length);
  return out;
}

export function unframe(bytes: Uint8Array, maxHeaderBytes = MAX_HEADER_BYTES): { header: unknown; body: Uint8Array } {
  if (bytes.length < 4) throw new StorageError('bad-request', 'truncated message');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (length > maxHeaderBytes || 4 + length > bytes.length) throw new StorageError('bad-request', 'bad header length');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + length)));
  } catch {
    throw new StorageError('bad-request', 'header is not JSON');
  }
  return { header, body: bytes.subarray(4 + length) };
}

/**
 * Parses a framed message's header with `schema`; a malformed one is a bad request named `what`. Returns the
 * header and the body.
 */
export function parseFramed<S extends z.ZodType>(
  bytes: Uint8Array,
  schema: S,
  what: string,
  maxHeaderBytes = MAX_HEADER_BYTES,
): { header: z.output<S>; body: Uint8Array } {
  const { header, body } = unframe(bytes, maxHeaderBytes);
  const parsed = schema.safeParse(header);
  if (!parsed.success) throw new StorageError('bad-request', `${what}: ${parsed.error.issues[0]?.message}`);
  return { header: parsed.data, body };
}
