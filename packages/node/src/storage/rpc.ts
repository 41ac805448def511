/**
 * mosaic_storeData, mosaic_loadData and mosaic_recoverData (docs/storage.md, "JSON-RPC"). The node that receives
 * a store or load is the gateway: it checks the params (zod, size limits), then forwards each storage member its
 * part over libp2p and reports per member.
 *
 * Error codes: the node's (rpc/errors.ts) where they fit — InvalidParams, NotOnChain (no record for the pointer),
 * ChainUnavailable — plus the storage codes below when no t + 1 members answered a load, named after the reason
 * most members gave.
 */
import { MAX_STORAGE_N, MAX_STORE_BATCH, SEGMENT_ELEMENTS } from '@mosaic/client';
import type { Hex } from 'viem';
import { z } from 'zod';
import { RpcError, RpcErrorCode } from '../rpc/errors.js';
import type { RpcRegistry } from '../rpc/registry.js';
import { StorageError, type StorageFailure } from './errors.js';
import type { MemberOutcome, StorageGateway } from './gateway.js';
import type { ShareRecovery } from './recovery.js';
import { loadRequestSchema } from './wire.js';

export const StorageErrorCode = {
  /** The requester may not use the data (DataRegistry.canAccess is false: no grant, revoked, or unpaid). */
  AccessDenied: -32020,
  /** The request's signature is malformed or not the requester's (load) / owner's (store). */
  BadSignature: -32021,
  /** The request was answered before (replay). */
  Replayed: -32022,
  /** The request has expired. */
  Expired: -32023,
  /** Fewer than t + 1 storage members could answer (offline, not holding, corrupted). */
  NotEnoughMembers: -32024,
} as const;

/** One member's envelope of one segment (16 bytes per element, plus the envelope's 73), and its base64. */
const MAX_ENVELOPE_BYTES = 16 * SEGMENT_ELEMENTS + 73;
const MAX_ENVELOPE_B64 = 4 * Math.ceil(MAX_ENVELOPE_BYTES / 3);
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 32 bytes as 0x-hex');

const storeParams = z.strictObject({
  pointer: hex32,
  n: z.number().int().min(3).max(MAX_STORAGE_N),
  t: z.number().int().min(1).max(31),
  segment: z.number().int().min(0).max(0xffffffff),
  /** The element layout (0 packed, 1 int64), part of the owner's signed message. */
  layout: z.number().int().min(0).max(1).default(0),
  firstSegment: z.number().int().min(0).max(0xffffffff),
  segmentHashes: z.array(hex32).min(1).max(MAX_STORE_BATCH),
  expiresAt: z
    .number()
    .int()
    .min(0)
    .max(2 ** 40),
  shareHashes: z.array(hex32).min(3).max(MAX_STORAGE_N),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'expected a 65-byte signature as 0x-hex'),
  shares: z
    .array(
      z.strictObject({
        member: z.number().int().min(1).max(MAX_STORAGE_N),
        // Base64 in JSON, or raw bytes when the request came framed with binary attachments (rpc/binary.ts).
        // The alphabet is checked while decoding (decodeBase64): a regular expression over 700 KB costs more
        // than the decoding itself.
        envelope: z.union([
          z.string().max(MAX_ENVELOPE_B64, 'envelope too large'),
          z.instanceof(Uint8Array).refine((b) => b.length <= MAX_ENVELOPE_BYTES, 'envelope too large'),
        ]),
      }),
    )
    .min(1)
    .max(MAX_STORAGE_N),
});

const loadParams = z.strictObject({
  request: loadRequestSchema,
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'expected a 65-byte signature as 0x-hex'),
  segment: z.number().int().min(0).max(0xffffffff),
  /** Members to answer with their share; the others answer with a sealed digest of it (default: all shares). */
  full: z.array(z.number().int().min(1).max(MAX_STORAGE_N)).max(MAX_STORAGE_N).optional(),
});

const CODES: Partial<Record<StorageFailure, number>> = {
  'access-denied': StorageErrorCode.AccessDenied,
  'bad-signature': StorageErrorCode.BadSignature,
  replayed: StorageErrorCode.Replayed,
  expired: StorageErrorCode.Expired,
  'not-on-chain': RpcErrorCode.NotOnChain,
  'bad-request': RpcErrorCode.InvalidParams,
};

/** The services behind the storage methods. */
export interface StorageMethodServices {
  gateway: Pick<StorageGateway, 'forwardStore' | 'forwardLoad'>;
  recovery: Pick<ShareRecovery, 'recover'>;
}

export function registerStorageMethods(registry: RpcRegistry, { gateway, recovery }: StorageMethodServices): void {
  registry.method({
    name: 'mosaic_storeData',
    description: "Forwards the owner's sealed shares of one segment to the pointer's storage committee",
    params: storeParams,
    handler: async (params) => {
      const envelopes = new Map<number, Uint8Array>();
      for (const { member, envelope } of params.shares) {
        if (member > params.n)
          throw new RpcError(RpcErrorCode.InvalidParams, `member ${member} exceeds n = ${params.n}`);
        if (envelopes.has(member)) throw new RpcError(RpcErrorCode.InvalidParams, `member ${member} appears twice`);
        envelopes.set(member, typeof envelope === 'string' ? decodeBase64(envelope, member) : envelope);
      }
      const { shares: _shares, ...header } = params;
      const outcomes = await gateway.forwardStore(header, envelopes).catch(rethrow);
      return { pointer: params.pointer, segment: params.segment, stored: outcomes.map(summary) };
    },
  });

  registry.method({
    name: 'mosaic_recoverData',
    description:
      'This node lost its shares of a pointer: recovers them from t + 1 other members (re-sharing, the data is never reconstructed)',
    params: z.strictObject({
      pointer: hex32,
      n: z.number().int().min(3).max(MAX_STORAGE_N),
      t: z.number().int().min(1).max(31),
    }),
    handler: async (params) => {
      const done = await recovery.recover(params.pointer as Hex, params.n, params.t).catch(rethrow);
      return {
        pointer: params.pointer,
        epoch: `0x${done.epoch.toString(16)}`,
        member: done.member,
        helpers: done.helpers,
      };
    },
  });

  registry.method({
    name: 'mosaic_loadData',
    description: "Asks the pointer's storage committee for its shares of one segment, sealed to the requester",
    params: loadParams,
    handler: async (params, context) => {
      const { record, outcomes, epoch } = await gateway.forwardLoad(params).catch(rethrow);
      const answered = outcomes.filter((o) => o.ok);
      if (answered.length < params.request.t + 1) {
        const kind = mostCommon(outcomes.filter((o) => !o.ok).map((o) => o.kind ?? 'unavailable'));
        throw new RpcError(
          CODES[kind] ?? StorageErrorCode.NotEnoughMembers,
          `${answered.length} of ${outcomes.length} storage members answered, ${params.request.t + 1} are needed: ${outcomes
            .filter((o) => !o.ok)
            .map((o) => `member ${o.member}: ${o.error}`)
            .join('; ')}`,
          { answered: answered.map((o) => o.member), failures: outcomes.filter((o) => !o.ok).map(summary) },
        );
      }
      return {
        pointer: params.request.pointer as Hex,
        segment: params.segment,
        size: record.size,
        epoch: `0x${epoch.toString(16)}`,
        // The data's element layout as the first answering member holds it (the client checks the pointer).
        layout: answered[0]?.layout ?? 0,
        answers: outcomes.map((o) =>
          o.ok && o.envelope
            ? {
                member: o.member,
                operator: o.operator,
                // Raw bytes to a binary-framed request, base64 in JSON.
                envelope: context.binary ? o.envelope : Buffer.from(o.envelope).toString('base64'),
                ...(o.digest ? { digest: true } : {}),
              }
            : { member: o.member, operator: o.operator, error: `${o.kind}: ${o.error}` },
        ),
      };
    },
  });
}

function summary(o: MemberOutcome) {
  return o.ok
    ? { member: o.member, operator: o.operator, ok: true }
    : { member: o.member, operator: o.operator, ok: false, error: `${o.kind}: ${o.error}` };
}

function rethrow(error: unknown): never {
  if (error instanceof StorageError) {
    if (error.kind === 'unavailable') throw new RpcError(RpcErrorCode.ChainUnavailable, error.message);
    throw new RpcError(CODES[error.kind] ?? RpcErrorCode.InvalidParams, error.message);
  }
  throw error;
}

function mostCommon(kinds: StorageFailure[]): StorageFailure {
  const counts = new Map<StorageFailure, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  let best: StorageFailure = 'unavailable';
  let count = 0;
  for (const [k, c] of counts) if (c > count) [best, count] = [k, c];
  return best;
}

/**
 * Strict base64. Node's decoder skips characters outside the alphabet and stops at '=', so any such character
 * makes the output shorter than the padded length says; it also takes the URL alphabet ('-', '_'), refused here.
 * (Cheaper than re-encoding to compare: the envelope's bytes are checked against the signed hash anyway.)
 */
function decodeBase64(text: string, member: number): Uint8Array {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  if (
    text.length % 4 !== 0 ||
    bytes.length !== (text.length / 4) * 3 - padding ||
    text.indexOf('-') >= 0 ||
    text.indexOf('_') >= 0
  ) {
    throw new RpcError(RpcErrorCode.InvalidParams, `member ${member}'s envelope must be padded base64`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
