/**
 * A member's side of a load (docs/storage.md, "Load"): whoever forwarded the request, the member checks the
 * requester's EIP-712 signature, the expiry, DataRegistry.canAccess, that it is member k of the epoch's committee
 * and holds the share for it, and that the (request, segment) was not answered before; then it answers its share,
 * or a digest of it, sealed to the requester's key.
 */
import { createHash } from 'node:crypto';
import { digestContext, LOAD_TYPES, type LoadRequest, loadContext, sealEnvelope, shareToBytes } from '@mosaic/protocol';
import { type Address, getAddress, type Hex, hashTypedData, hexToBytes, recoverTypedDataAddress } from 'viem';
import { nodeAead, nodeX25519 } from '../crypto/node-crypto.js';
import { remember } from './cache.js';
import type { StorageDirectory } from './directory.js';
import { checkExpiry, checkParams, StorageError } from './errors.js';
import type { ReplayGuard } from './replay-guard.js';
import { type ShareRecord, type ShareStore, ShareStoreError } from './share-store.js';
import { loadHeaderSchema, parseFramed } from './wire.js';

export interface LoadHandlerComponents {
  directory: Pick<StorageDirectory, 'record' | 'checkSeat' | 'binding' | 'domain' | 'canAccess'>;
  shares: Pick<ShareStore, 'get'>;
  replays: Pick<ReplayGuard, 'use'>;
  /** This node's operator (its seat). */
  operator: Address;
}

/**
 * How long one load request's canAccess answer is reused for its other segments: a revocation stops a load in
 * progress within this time, and every new request is checked afresh.
 */
const ACCESS_CACHE_MS = 1_000;

export class LoadHandler {
  /** One load request's checks (signature, canAccess), reused for its segments for ACCESS_CACHE_MS. */
  private readonly checks = new Map<string, { at: number; check: Promise<void> }>();

  constructor(private readonly components: LoadHandlerComponents) {}

  /** A load request for this member's share of a segment: check everything, answer sealed to the requester. */
  async answer(bytes: Uint8Array): Promise<Uint8Array> {
    const { directory } = this.components;
    const { header } = parseFramed(bytes, loadHeaderSchema, 'load request');
    const { request: r, segment, member, mode } = header;
    const pointer = r.pointer.toLowerCase() as Hex;
    checkParams(r.n, r.t);
    checkExpiry(r.expiresAt);
    const message: LoadRequest = {
      pointer,
      requester: getAddress(r.requester),
      responseKey: r.responseKey as Hex,
      nonce: r.nonce as Hex,
      expiresAt: BigInt(r.expiresAt),
      n: r.n,
      t: r.t,
    };
    const typed = { domain: directory.domain, types: LOAD_TYPES, primaryType: 'LoadData', message } as const;
    const requestHash = hashTypedData(typed);
    await this.checkOnce(`${requestHash}:${header.signature}`, async () => {
      let signer: Address;
      try {
        signer = await recoverTypedDataAddress({ ...typed, signature: header.signature as Hex });
      } catch {
        throw new StorageError('bad-signature', 'the load request signature is malformed');
      }
      if (signer !== message.requester) {
        throw new StorageError('bad-signature', `the load request is not signed by its requester ${message.requester}`);
      }
      if (!(await directory.canAccess(message.requester, pointer))) {
        throw new StorageError(
          'access-denied',
          `${message.requester} may not use the data at ${pointer} (DataRegistry.canAccess is false)`,
        );
      }
    });
    const record = await directory.record(pointer);
    const epoch = BigInt(header.epoch);
    if (epoch < record.storedAtEpoch) throw new StorageError('bad-request', 'the data did not exist in that epoch');
    await directory.checkSeat(pointer, epoch, r.n, member, this.components.operator);
    const stored = await this.heldShare(pointer, segment, epoch);
    if (stored.n !== r.n || stored.t !== r.t || stored.member !== member) {
      throw new StorageError('bad-request', `the share is held for committee (n = ${stored.n}, t = ${stored.t})`);
    }
    // Marked used only once this member can answer: a gateway asking another epoch's committee first does not
    // spend the request.
    await this.components.replays.use(`${requestHash}:${segment}${mode === 'share' ? '' : ':digest'}`, r.expiresAt);
    const binding = directory.binding(pointer, epoch, member, segment, r.n, r.t);
    const envelope =
      mode === 'digest'
        ? await seal(digestOf(stored), message.responseKey, digestContext(binding, requestHash))
        : await seal(shareToBytes(stored.share), message.responseKey, loadContext(binding, requestHash));
    // The answer is the record's layout (one byte: the client needs it to read the elements back) and the envelope.
    const out = new Uint8Array(1 + envelope.length);
    out[0] = stored.layout;
    out.set(envelope, 1);
    return out;
  }

  /** This node's share of a segment for `epoch`: 'not-stored' or 'corrupted' when it has none to give. */
  private async heldShare(pointer: Hex, segment: number, epoch: bigint): Promise<ShareRecord> {
    let stored: ShareRecord | undefined;
    try {
      stored = await this.components.shares.get(pointer, segment);
    } catch (error) {
      if (error instanceof ShareStoreError) throw new StorageError('corrupted', error.message);
      throw error;
    }
    if (stored === undefined) throw new StorageError('not-stored', `this node holds no share of segment ${segment}`);
    if (stored.epoch !== epoch) {
      throw new StorageError('not-stored', `this node holds the share for epoch ${stored.epoch}, not ${epoch}`);
    }
    return stored;
  }

  /** Runs a load request's signature and access checks once per ACCESS_CACHE_MS (a load asks per segment). */
  private checkOnce(key: string, check: () => Promise<void>): Promise<void> {
    const now = Date.now();
    const cached = this.checks.get(key);
    if (cached && now - cached.at < ACCESS_CACHE_MS) return cached.check;
    const entry = { at: now, check: check() };
    entry.check.catch(() => this.checks.delete(key));
    remember(this.checks, key, entry);
    return entry.check;
  }
}

function digestOf(stored: ShareRecord): Uint8Array {
  return new Uint8Array(createHash('sha256').update(shareToBytes(stored.share)).digest());
}

function seal(plain: Uint8Array, responseKey: Hex, context: Parameters<typeof sealEnvelope>[2]): Promise<Uint8Array> {
  return sealEnvelope(plain, hexToBytes(responseKey), context, { x25519: nodeX25519, aead: nodeAead });
}
