/**
 * mosaic_storeData, mosaic_loadData and mosaic_recoverData (docs/json-rpc.md, "Private data storage"; params and
 * answers are the schemas of @mosaic/protocol). The node that receives the call is the gateway: it checks the
 * params (zod, size limits), then forwards each storage member its part over libp2p and reports per member.
 *
 * Error codes: the node's (rpc/errors.ts) where they fit — InvalidParams, NotOnChain (no record for the pointer),
 * ChainUnavailable — plus the storage codes below when no t + 1 members answered a load, named after the reason
 * most members gave.
 */
import { FormatError, fromBase64, rpc, toBase64 } from '@mosaic/protocol';
import type { Hex } from 'viem';
import type { z } from 'zod';
import { RpcError, RpcErrorCode } from '../rpc/errors.js';
import type { RpcRegistry } from '../rpc/registry.js';
import { StorageError, type StorageFailure } from './errors.js';
import type { MemberOutcome, StorageGateway } from './gateway.js';
import type { ShareRecovery } from './recovery.js';

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
    ...rpc.storeData,
    description: "Forwards the owner's sealed shares of one segment to the pointer's storage committee",
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
    ...rpc.recoverData,
    description:
      'This node lost its shares of a pointer: recovers them from t + 1 other members (re-sharing, the data is never reconstructed)',
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
    ...rpc.loadData,
    description: "Asks the pointer's storage committee for its shares of one segment, sealed to the requester",
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
                envelope: context.binary ? o.envelope : toBase64(o.envelope),
                ...(o.digest ? { digest: true as const } : {}),
              }
            : { member: o.member, operator: o.operator, error: `${o.kind}: ${o.error}` },
        ),
      };
    },
  });
}

function summary(o: MemberOutcome): z.input<typeof rpc.memberOutcome> {
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

/** An envelope sent as base64 in plain JSON, decoded strictly (padded standard alphabet). */
function decodeBase64(text: string, member: number): Uint8Array {
  try {
    return fromBase64(text, `member ${member}'s envelope`);
  } catch (error) {
    if (error instanceof FormatError) {
      throw new RpcError(RpcErrorCode.InvalidParams, `member ${member}'s envelope must be padded base64`);
    }
    throw error;
  }
}
