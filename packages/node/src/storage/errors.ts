/**
 * How storage members refuse (docs/storage.md): a `StorageError` names one `StorageFailure` kind, travels between
 * nodes as the RemoteError text `kind: message`, and the gateway maps the kinds to JSON-RPC codes. A message never
 * holds a share, key or data.
 */

import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { checkCommittee, MAX_REQUEST_LIFETIME_S } from '@mosaic/protocol';
import type { Logger } from 'pino';
import { RemoteError } from '../p2p/request-response.js';

/** What a member can refuse with; the gateway maps these to JSON-RPC codes. */
export type StorageFailure =
  | 'bad-request'
  | 'not-on-chain'
  | 'not-member'
  | 'bad-signature'
  | 'expired'
  | 'access-denied'
  | 'replayed'
  | 'not-stored'
  | 'corrupted'
  | 'unavailable';

const KINDS = new Set<string>([
  'bad-request',
  'not-on-chain',
  'not-member',
  'bad-signature',
  'expired',
  'access-denied',
  'replayed',
  'not-stored',
  'corrupted',
  'unavailable',
]);

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly kind: StorageFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs a storage member's handler for a peer's request; a failure goes back as a RemoteError named by its kind
 * (an unexpected one, not a StorageError, is logged here under `what`).
 */
export async function answerRemote(logger: Logger, what: string, run: () => Promise<Uint8Array>): Promise<Uint8Array> {
  try {
    return await run();
  } catch (error) {
    const { kind, error: message } = describe(error);
    if (!(error instanceof StorageError)) logger.warn({ err: String(error) }, what);
    throw new RemoteError(`${kind}: ${message}`);
  }
}

/** An error as (kind, message): a member's RemoteError `kind: message`, a local StorageError, or unavailable. */
export function describe(error: unknown): { kind: StorageFailure; error: string } {
  if (error instanceof StorageError) return { kind: error.kind, error: error.message };
  if (error instanceof RemoteError) {
    const match = /^([a-z-]+): (.*)$/s.exec(error.message);
    if (match && KINDS.has(match[1]!)) return { kind: match[1] as StorageFailure, error: match[2]! };
    return { kind: 'unavailable', error: error.message.slice(0, 200) };
  }
  return { kind: 'unavailable', error: 'internal error' };
}

/** Refuses a storage committee shape the protocol does not allow, as a bad request. */
export function checkParams(n: number, t: number): void {
  try {
    checkCommittee(n, t);
  } catch (error) {
    throw new StorageError('bad-request', (error as Error).message);
  }
}

/** Refuses an expired request, and one valid for longer than a request may be. */
export function checkExpiry(expiresAt: number): void {
  const now = Math.floor(Date.now() / 1000);
  if (expiresAt <= now) throw new StorageError('expired', 'the request has expired');
  if (expiresAt > now + MAX_REQUEST_LIFETIME_S + 60) {
    throw new StorageError('bad-request', `a request may be valid for at most ${MAX_REQUEST_LIFETIME_S} s`);
  }
}

/** A member's registered peer id as a PeerId; an unusable one makes the member 'unavailable'. */
export function memberPeer(peerId: string): PeerId {
  try {
    return peerIdFromString(peerId);
  } catch {
    throw new StorageError('unavailable', 'the member registered an unusable peer id');
  }
}
