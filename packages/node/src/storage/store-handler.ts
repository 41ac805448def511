/**
 * A member's side of a store (docs/storage.md, "Store"): whoever forwarded the share, the member checks the
 * chain record, that it is member k of the pointer's committee, the owner's EIP-712 signature over the batch of
 * segments, the expiry and the share's hash, then keeps the share encrypted at rest.
 */
import { createHash } from 'node:crypto';
import { vec } from '@mosaic/mpc';
import {
  type DataLayout,
  layoutElements,
  openEnvelope,
  SHARE_SEED_BYTES,
  STORE_TYPES,
  segmentCount,
  segmentElements,
  shareContext,
  shareFromBytes,
} from '@mosaic/protocol';
import type { Logger } from 'pino';
import { type Address, type Hex, hashTypedData, hexToBytes, recoverTypedDataAddress } from 'viem';
import { nodeAead, nodeX25519 } from '../crypto/node-crypto.js';
import { cachedPromise } from './cache.js';
import type { StorageDirectory } from './directory.js';
import { checkExpiry, checkParams, StorageError } from './errors.js';
import type { ShareStore } from './share-store.js';
import { parseFramed, storeHeaderSchema } from './wire.js';

export interface StoreHandlerComponents {
  directory: Pick<StorageDirectory, 'record' | 'checkSeat' | 'binding' | 'domain' | 'recentEpoch'>;
  shares: Pick<ShareStore, 'put' | 'latestEpoch'>;
  /** This node's operator (its seat) and X25519 key pair (the envelopes are sealed to it). */
  operator: Address;
  x25519SecretKey: Uint8Array;
  x25519PublicKey: Hex;
  logger: Logger;
}

export class StoreHandler {
  /** Recovered store signers by (typed-data hash, signature): one recovery per signed batch of segments. */
  private readonly signers = new Map<string, Promise<Address>>();

  constructor(private readonly components: StoreHandlerComponents) {}

  /**
   * A store is for the epoch its record was made in (the share's envelope is bound to it). Once the data moved on
   * to a later committee (here: a record of a later epoch, or a handover away from this node; on chain: a later
   * epoch), the owner's signed request, replayed, would put back a share that the handover replaced or deleted.
   */
  private async refuseStale(pointer: Hex, segment: number, storedAtEpoch: bigint): Promise<void> {
    const refuse = (why: string) => new StorageError('replayed', `a store of an earlier epoch is refused: ${why}`);
    const held = await this.components.shares.latestEpoch(pointer, segment);
    if (held !== undefined && held > storedAtEpoch) {
      throw refuse(`this member holds the data for epoch ${held}, the store is for epoch ${storedAtEpoch}`);
    }
    const current = await this.components.directory.recentEpoch();
    if (current > storedAtEpoch)
      throw refuse(`the data was recorded in epoch ${storedAtEpoch}, the chain is at ${current}`);
  }

  /** A member's share of a segment arrives: check everything, then store it encrypted at rest. */
  async accept(bytes: Uint8Array): Promise<Uint8Array> {
    const { directory } = this.components;
    const { header: h, body: envelope } = parseFramed(bytes, storeHeaderSchema, 'store request');
    const pointer = h.pointer.toLowerCase() as Hex;
    checkParams(h.n, h.t);
    checkExpiry(h.expiresAt);
    if (h.shareHashes.length !== h.n) throw new StorageError('bad-request', 'one share hash per member is needed');
    const record = await directory.record(pointer);
    const layout = h.layout as DataLayout;
    try {
      layoutElements(record.size, layout);
    } catch (error) {
      throw new StorageError('bad-request', (error as Error).message);
    }
    if (h.segment >= segmentCount(record.size, layout)) {
      throw new StorageError('bad-request', `no segment ${h.segment}`);
    }
    await directory.checkSeat(pointer, record.storedAtEpoch, h.n, h.member, this.components.operator);
    await this.refuseStale(pointer, h.segment, record.storedAtEpoch);
    // One signature covers a batch of segments: this segment's share hashes must hash to its entry.
    const at = h.segment - h.firstSegment;
    if (at < 0 || at >= h.segmentHashes.length) {
      throw new StorageError('bad-request', `segment ${h.segment} is not in the signed batch`);
    }
    const hashes = Buffer.concat(h.shareHashes.map((x) => Buffer.from(x.slice(2), 'hex')));
    if (sha256Hex(hashes) !== h.segmentHashes[at]!.toLowerCase()) {
      throw new StorageError('bad-request', "the share hashes do not match the batch's signed segment hash");
    }
    const typed = {
      domain: directory.domain,
      types: STORE_TYPES,
      primaryType: 'StoreShares',
      message: {
        pointer,
        n: h.n,
        t: h.t,
        layout,
        firstSegment: h.firstSegment,
        segmentHashes: h.segmentHashes as Hex[],
        expiresAt: BigInt(h.expiresAt),
      },
    } as const;
    // A signature is recovered once per batch (the other segments of the batch reuse it).
    const signer = await cachedPromise(this.signers, `${hashTypedData(typed)}:${h.signature}`, () =>
      recoverTypedDataAddress({ ...typed, signature: h.signature as Hex }).catch(() => {
        throw new StorageError('bad-signature', 'the store request signature is malformed');
      }),
    );
    if (signer !== record.owner) {
      throw new StorageError('bad-signature', `the store request is not signed by the data's owner ${record.owner}`);
    }
    if (sha256Hex(envelope) !== h.shareHashes[h.member - 1]!.toLowerCase()) {
      throw new StorageError('bad-request', 'the share does not match the hash the owner signed');
    }
    const binding = directory.binding(pointer, record.storedAtEpoch, h.member, h.segment, h.n, h.t);
    let plain: Uint8Array;
    try {
      plain = await openEnvelope(
        envelope,
        this.components.x25519SecretKey,
        shareContext(binding),
        { x25519: nodeX25519, aead: nodeAead },
        hexToBytes(this.components.x25519PublicKey),
      );
    } catch {
      throw new StorageError('bad-request', 'the share envelope does not open for this member and context');
    }
    const expected = segmentElements(record.size, h.segment, layout);
    const kept = {
      pointer,
      epoch: record.storedAtEpoch,
      member: h.member,
      n: h.n,
      t: h.t,
      segment: h.segment,
      size: record.size,
      layout,
      storedAt: Date.now(),
    };
    try {
      if (plain.length === SHARE_SEED_BYTES && h.member <= h.t) {
        // Members 1..t receive the seed their share expands from (format.ts, shareSeeded), and keep it as such.
        await this.components.shares.put({ ...kept, seed: plain, elements: expected });
      } else {
        let share: Uint32Array;
        try {
          share = shareFromBytes(plain, 'share');
        } catch (error) {
          throw new StorageError('bad-request', (error as Error).message);
        }
        if (vec.size(share) !== expected) {
          throw new StorageError(
            'bad-request',
            `the share has ${vec.size(share)} elements, segment ${h.segment} needs ${expected}`,
          );
        }
        await this.components.shares.put({ ...kept, share });
      }
    } finally {
      plain.fill(0);
    }
    this.components.logger.debug({ pointer, segment: h.segment, member: h.member }, 'data share stored');
    return new Uint8Array([1]);
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}
