/**
 * The data shares this node holds as a storage committee member, encrypted at rest: one record per
 * (pointer, segment), ChaCha20-Poly1305 (node:crypto) under a key derived from the node's at-rest root (HKDF,
 * own label; keys/at-rest-keyring.ts), with the record's header as associated data. A record opens under any
 * root of the keyring and is sealed under the current one. The header keeps what a later resharing
 * to the next epoch's committee needs: the committee epoch, this node's member index (Shamir point), (n, t),
 * the segment and the payload size. A record moved to another key, or a header edited, fails authentication.
 *
 *   record = header (75 bytes) || nonce (12) || ciphertext || tag (16)
 *   header = "MDS2" || pointer (32) || epoch u64 || member u16 || n u16 || t u16 || segment u32 || size u64
 *            || elements u32 || storedAt u64 (ms) || layout u8    (big-endian)
 *
 * The layout (packed bytes or one int64 per element, client format.ts) fixes the element count of every
 * segment and tells whether a secret contract may take the data as an input. Records written before it
 * existed ("MDS1", 74 bytes of header) are read as packed.
 *
 * Members 1..t of a store receive a 32-byte seed their share expands from (client format.ts, shareSeeded): they
 * keep the seed ("MDSS", same header, the seed as plaintext) and expand it when the share is read. That saves
 * them sealing and writing the whole share, and the network about t/n of the bytes a store would keep.
 */
import { randomBytes } from 'node:crypto';
import { type FieldVector, vec } from '@mosaic/mpc';
import { DATA_LAYOUTS, type DataLayout, expandShareSeed, SHARE_SEED_BYTES } from '@mosaic/protocol';
import type { Hex } from 'viem';
import { chachaOpen, chachaSeal, nodeAead } from '../crypto/node-crypto.js';
import type { Namespace, Store, WriteBatch } from '../db/store.js';
import { type AtRestRoots, atRestKeys } from '../keys/at-rest-keyring.js';

export interface ShareRecord {
  pointer: Hex;
  /** The epoch whose committee this share belongs to. */
  epoch: bigint;
  /** This node's member index in that committee (the Shamir point). */
  member: number;
  n: number;
  t: number;
  segment: number;
  /** Payload size of the whole data (bytes). */
  size: number;
  /** The element layout (DATA_LAYOUTS: 0 packed, 1 int64). */
  layout: DataLayout;
  storedAt: number;
  share: FieldVector;
}

/** A share kept as the seed it expands from (`elements` long): what members 1..t of a store hold. */
export type SeededShareRecord = Omit<ShareRecord, 'share'> & { seed: Uint8Array; elements: number };

export class ShareStoreError extends Error {
  override name = 'ShareStoreError';
}

// One codec object per namespace, so that several ShareStores can share a Store (Store.namespace insists).
const RAW = { encode: (v: Uint8Array) => v, decode: (b: Uint8Array) => b };
const EPOCH = {
  encode: (v: bigint) => new TextEncoder().encode(v.toString()),
  decode: (b: Uint8Array) => BigInt(new TextDecoder().decode(b)),
};

const MAGIC_V1 = new TextEncoder().encode('MDS1');
const MAGIC = new TextEncoder().encode('MDS2');
const MAGIC_SEEDED = new TextEncoder().encode('MDSS');
const HEADER_V1 = 74;
const HEADER = 75;
const NONCE = 12;
const TAG = 16;

/**
 * Group commit: writes that arrive while one fsynced batch is being written go together into the next one, so
 * the segments of a request in flight at once cost one fsync, not one each. Each write resolves only once its
 * batch is durable (as a single `put` with sync would).
 */
export class GroupCommit {
  private queue: { ops: (b: WriteBatch) => void; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly store: Store) {}

  write(ops: (batch: WriteBatch) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const items = this.queue.splice(0);
        const batch = this.store.batch();
        try {
          for (const item of items) item.ops(batch);
          await batch.write();
          for (const item of items) item.resolve();
        } catch (error) {
          for (const item of items) item.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

export class ShareStore {
  readonly records: Namespace<Uint8Array>;
  /**
   * Pointers this node handed over and no longer holds, with the epoch they moved to: what `latestEpoch` reports
   * once the records are gone, so that a store request of an earlier epoch is refused here for good.
   */
  readonly movedOn: Namespace<bigint>;
  readonly commits: GroupCommit;
  /** The at-rest keys, the current one first. */
  private readonly keys: Uint8Array[];

  /** @param secret The at-rest roots, or the X25519 secret key alone (the root before any rotation). */
  constructor(store: Store, secret: Uint8Array | AtRestRoots) {
    this.records = store.namespace('data-shares', RAW);
    this.movedOn = store.namespace('data-moved-on', EPOCH);
    this.commits = new GroupCommit(store);
    this.keys = atRestKeys(secret, 'mosaic/data-at-rest/v1');
  }

  /** Stores a record durably (group-committed with the other writes in flight). */
  async put(record: ShareRecord | SeededShareRecord): Promise<number> {
    const sealed = this.seal(record);
    await this.commits.write((batch) => batch.put(this.records, keyOf(record.pointer, record.segment), sealed));
    return sealed.length;
  }

  /** Stores several records in one durable batch (a handover's or a recovery's segments). */
  async putAll(records: readonly ShareRecord[]): Promise<void> {
    const sealed = records.map((r) => [keyOf(r.pointer, r.segment), this.seal(r)] as const);
    await this.commits.write((batch) => {
      for (const [key, value] of sealed) batch.put(this.records, key, value);
    });
  }

  /**
   * Deletes a pointer's records (all segments), durably; with `movedTo`, also records in the same batch that the
   * pointer was handed over to that epoch's committee.
   */
  async deletePointer(pointer: Hex, movedTo?: bigint): Promise<number> {
    const keys: string[] = [];
    for await (const key of this.records.keys({ prefix: `${pointer.toLowerCase()}:` })) keys.push(key);
    if (keys.length > 0 || movedTo !== undefined) {
      await this.commits.write((batch) => {
        for (const k of keys) batch.del(this.records, k);
        if (movedTo !== undefined) batch.put(this.movedOn, pointer.toLowerCase(), movedTo);
      });
    }
    return keys.length;
  }

  /**
   * The latest epoch this node knows the pointer's segment in: the epoch of its record, else the epoch it
   * handed the pointer over to, else undefined. Read from the record's header alone (it is authenticated when
   * the share is opened).
   */
  async latestEpoch(pointer: Hex, segment: number): Promise<bigint | undefined> {
    const sealed = await this.records.get(keyOf(pointer, segment));
    const moved = await this.movedOn.get(pointer.toLowerCase());
    const headerBytes = sealed !== undefined && isMagic(sealed, MAGIC_V1) ? HEADER_V1 : HEADER;
    const held =
      sealed !== undefined && sealed.length >= headerBytes
        ? decodeHeader(sealed.subarray(0, headerBytes)).epoch
        : undefined;
    if (held === undefined) return moved;
    return moved !== undefined && moved > held ? moved : held;
  }

  /** The pointers this node holds shares of. */
  async pointers(): Promise<Hex[]> {
    const out = new Set<string>();
    for await (const key of this.records.keys()) out.add(key.slice(0, 66));
    return [...out] as Hex[];
  }

  /** This node's records of a pointer, by segment (each opened and authenticated). */
  async segmentsOf(pointer: Hex): Promise<ShareRecord[]> {
    const out: ShareRecord[] = [];
    for await (const [key, value] of this.records.entries({ prefix: `${pointer.toLowerCase()}:` })) {
      out.push(this.open(pointer, Number.parseInt(key.slice(67), 16), value));
    }
    return out;
  }

  /** The record, undefined when none; ShareStoreError when it fails authentication or is malformed. */
  async get(pointer: Hex, segment: number): Promise<ShareRecord | undefined> {
    const sealed = await this.records.get(keyOf(pointer, segment));
    return sealed === undefined ? undefined : this.open(pointer, segment, sealed);
  }

  /** Bytes held for all records (what the storage overhead counts). */
  async bytesHeld(): Promise<number> {
    let total = 0;
    for await (const [, value] of this.records.entries()) total += value.length;
    return total;
  }

  /**
   * A stored record sealed again under the current key, the same header and plaintext (a seed stays a seed);
   * undefined when it is sealed under the current key already.
   */
  resealed(bytes: Uint8Array): Uint8Array | undefined {
    const headerBytes = isMagic(bytes, MAGIC_V1) ? HEADER_V1 : HEADER;
    if (bytes.length < headerBytes + NONCE + TAG) throw new ShareStoreError('stored share is truncated');
    if (this.decrypt(bytes, headerBytes, this.keys.slice(0, 1)) !== undefined) return undefined;
    const plain = this.decrypt(bytes, headerBytes, this.keys.slice(1));
    if (plain === undefined)
      throw new ShareStoreError('stored share fails authentication (corrupted or tampered on disk)');
    const nonce = randomBytes(NONCE);
    const sealed = chachaSeal(this.keys[0]!, nonce, bytes.subarray(0, headerBytes), plain);
    plain.fill(0);
    const out = new Uint8Array(headerBytes + NONCE + sealed.length);
    out.set(bytes.subarray(0, headerBytes), 0);
    out.set(nonce, headerBytes);
    out.set(sealed, headerBytes + NONCE);
    return out;
  }

  private decrypt(bytes: Uint8Array, headerBytes: number, keys: readonly Uint8Array[]): Uint8Array | undefined {
    for (const key of keys) {
      try {
        return chachaOpen(
          key,
          bytes.subarray(headerBytes, headerBytes + NONCE),
          bytes.subarray(0, headerBytes),
          bytes.subarray(headerBytes + NONCE),
        );
      } catch {
        // not this key: try the next one
      }
    }
    return undefined;
  }

  seal(record: ShareRecord | SeededShareRecord): Uint8Array {
    const seeded = 'seed' in record;
    if (seeded && record.seed.length !== SHARE_SEED_BYTES) throw new ShareStoreError('a share seed is 32 bytes');
    const header = encodeHeader(record, seeded ? record.elements : vec.size(record.share));
    if (seeded) header.set(MAGIC_SEEDED, 0);
    const nonce = randomBytes(NONCE);
    const plain = seeded
      ? record.seed
      : new Uint8Array(record.share.buffer, record.share.byteOffset, record.share.byteLength);
    const sealed = chachaSeal(this.keys[0]!, nonce, header, plain);
    const out = new Uint8Array(HEADER + NONCE + sealed.length);
    out.set(header, 0);
    out.set(nonce, HEADER);
    out.set(sealed, HEADER + NONCE);
    return out;
  }

  open(pointer: Hex, segment: number, bytes: Uint8Array): ShareRecord {
    const headerBytes = isMagic(bytes, MAGIC_V1) ? HEADER_V1 : HEADER;
    if (bytes.length < headerBytes + NONCE + TAG) throw new ShareStoreError('stored share is truncated');
    const header = bytes.subarray(0, headerBytes);
    const record = decodeHeader(header);
    if (record.pointer !== pointer.toLowerCase() || record.segment !== segment) {
      throw new ShareStoreError('stored share is filed under another pointer or segment');
    }
    const plain = this.decrypt(bytes, headerBytes, this.keys);
    if (plain === undefined) {
      throw new ShareStoreError('stored share fails authentication (corrupted or tampered on disk)');
    }
    let share: Uint32Array;
    if (isMagic(bytes, MAGIC_SEEDED)) {
      if (plain.length !== SHARE_SEED_BYTES) throw new ShareStoreError('stored share seed has the wrong length');
      share = expandShareSeed(plain, record.elements, nodeAead);
      plain.fill(0);
    } else {
      if (plain.length !== 16 * record.elements) throw new ShareStoreError('stored share has the wrong length');
      share = new Uint32Array(plain.length / 4);
      new Uint8Array(share.buffer).set(plain);
    }
    if (vec.firstNonCanonical(share) >= 0) throw new ShareStoreError('stored share holds a non-canonical element');
    const { elements: _elements, ...rest } = record;
    return { ...rest, share };
  }
}

export function keyOf(pointer: Hex, segment: number): string {
  return `${pointer.toLowerCase()}:${segment.toString(16).padStart(8, '0')}`;
}

function encodeHeader(r: Omit<ShareRecord, 'share'>, elements: number): Uint8Array {
  const out = new Uint8Array(HEADER);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out.set(Buffer.from(r.pointer.slice(2), 'hex'), 4);
  view.setBigUint64(36, r.epoch);
  view.setUint16(44, r.member);
  view.setUint16(46, r.n);
  view.setUint16(48, r.t);
  view.setUint32(50, r.segment);
  view.setBigUint64(54, BigInt(r.size));
  view.setUint32(62, elements);
  view.setBigUint64(66, BigInt(r.storedAt));
  out[74] = r.layout;
  return out;
}

function decodeHeader(header: Uint8Array): Omit<ShareRecord, 'share'> & { elements: number } {
  const v1 = isMagic(header, MAGIC_V1);
  if (!v1 && !isMagic(header, MAGIC) && !isMagic(header, MAGIC_SEEDED)) {
    throw new ShareStoreError('stored share has a bad header');
  }
  const layout = v1 ? DATA_LAYOUTS.packed : header[74];
  if (layout !== DATA_LAYOUTS.packed && layout !== DATA_LAYOUTS.int64) {
    throw new ShareStoreError('stored share has an unknown layout');
  }
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  return {
    pointer: `0x${Buffer.from(header.subarray(4, 36)).toString('hex')}` as Hex,
    epoch: view.getBigUint64(36),
    member: view.getUint16(44),
    n: view.getUint16(46),
    t: view.getUint16(48),
    segment: view.getUint32(50),
    size: Number(view.getBigUint64(54)),
    elements: view.getUint32(62),
    storedAt: Number(view.getBigUint64(66)),
    layout,
  };
}

function isMagic(bytes: Uint8Array, magic: Uint8Array): boolean {
  return bytes.length >= 4 && magic.every((b, i) => bytes[i] === b);
}
