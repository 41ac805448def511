/**
 * A secret contract's state shares at this node, encrypted at rest. A share alone reveals nothing, but a disk
 * image of t + 1 nodes would; so shares are sealed with XChaCha20-Poly1305 under a key derived from the node's
 * at-rest root (HKDF, own label; keys/at-rest-keyring.ts), with the contract id and state version as associated
 * data (a record cannot be moved to another contract or replayed as another version without failing
 * authentication). A record opens under any root of the keyring and is sealed under the current one.
 *
 * `version` is the number of the contract's tasks the state reflects: the state a task with sequence k reads
 * has version k, and after it the version is k + 1 (also when the task was skipped). `epoch` names the
 * committee the shares belong to (this node's Shamir point is its seat in that epoch's committee); an epoch
 * handover replaces the record with the new committee's share, or deletes it.
 */
import { type FieldVector, vec } from '@mosaic/mpc';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/hashes/utils.js';
import type { Namespace, Store, WriteBatch } from '../db/store.js';
import { type AtRestRoots, atRestKeys } from '../keys/at-rest-keyring.js';

export interface ContractState {
  version: bigint;
  epoch: bigint;
  /** One share vector per state variable, in declaration order. */
  shares: FieldVector[];
}

export class StateStoreError extends Error {
  override name = 'StateStoreError';
}

const MAX_VARIABLES = 4096;
// One codec object, so that several StateStores can share a Store (Store.namespace insists).
const RAW = { encode: (v: Uint8Array) => v, decode: (b: Uint8Array) => b };
const HEADER = 16 + 24;

export class StateStore {
  readonly records: Namespace<Uint8Array>;
  /** The at-rest keys, the current one first. */
  private readonly keys: Uint8Array[];

  /** @param secret The at-rest roots, or the X25519 secret key alone (the root before any rotation). */
  constructor(store: Store, secret: Uint8Array | AtRestRoots) {
    this.records = store.namespace('contract-state', RAW);
    this.keys = atRestKeys(secret, 'mosaic/state-at-rest/v1');
  }

  /**
   * A stored record (`key` as in `records`) sealed again under the current key, the same plaintext and header;
   * undefined when it is sealed under the current key already.
   */
  resealed(key: string, record: Uint8Array): Uint8Array | undefined {
    const contractId = BigInt(`0x${key}`);
    if (this.decrypt(contractId, record, this.keys.slice(0, 1)) !== undefined) return undefined;
    const plain = this.decrypt(contractId, record, this.keys.slice(1));
    if (plain === undefined) {
      throw new StateStoreError(`state record of contract ${contractId} fails authentication (tampered or foreign)`);
    }
    const header = new DataView(record.buffer, record.byteOffset, record.byteLength);
    const nonce = randomBytes(24);
    const aad = aadOf(contractId, header.getBigUint64(0, false), header.getBigUint64(8, false));
    const sealed = xchacha20poly1305(this.keys[0]!, nonce, aad).encrypt(plain);
    plain.fill(0);
    const out = new Uint8Array(HEADER + sealed.length);
    out.set(record.subarray(0, 16), 0);
    out.set(nonce, 16);
    out.set(sealed, HEADER);
    return out;
  }

  private decrypt(contractId: bigint, record: Uint8Array, keys: readonly Uint8Array[]): Uint8Array | undefined {
    if (record.length < HEADER + 16 + 4) return undefined;
    const header = new DataView(record.buffer, record.byteOffset, record.byteLength);
    const aad = aadOf(contractId, header.getBigUint64(0, false), header.getBigUint64(8, false));
    for (const key of keys) {
      try {
        return xchacha20poly1305(key, record.subarray(16, HEADER), aad).decrypt(record.subarray(HEADER));
      } catch {
        // not this key: try the next one
      }
    }
    return undefined;
  }

  async get(contractId: bigint): Promise<ContractState | undefined> {
    const sealed = await this.records.get(keyOf(contractId));
    return sealed === undefined ? undefined : this.open(contractId, sealed);
  }

  /** Stages the new state of a contract in `batch` (written with the task's completion). */
  put(batch: WriteBatch, contractId: bigint, state: ContractState): void {
    batch.put(this.records, keyOf(contractId), this.seal(contractId, state));
  }

  delete(batch: WriteBatch, contractId: bigint): void {
    batch.del(this.records, keyOf(contractId));
  }

  private seal(contractId: bigint, state: ContractState): Uint8Array {
    const words = state.shares.reduce((sum, v) => sum + v.length, 0);
    const plain = new Uint8Array(4 + 4 * state.shares.length + 4 * words);
    const view = new DataView(plain.buffer);
    view.setUint32(0, state.shares.length, true);
    let at = 4;
    for (const v of state.shares) {
      view.setUint32(at, vec.size(v), true);
      at += 4;
    }
    for (const v of state.shares) {
      plain.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
      at += v.byteLength;
    }
    const nonce = randomBytes(24);
    const sealed = xchacha20poly1305(this.keys[0]!, nonce, aadOf(contractId, state.version, state.epoch)).encrypt(
      plain,
    );
    const out = new Uint8Array(HEADER + sealed.length);
    const header = new DataView(out.buffer);
    header.setBigUint64(0, state.version, false);
    header.setBigUint64(8, state.epoch, false);
    out.set(nonce, 16);
    out.set(sealed, HEADER);
    return out;
  }

  private open(contractId: bigint, record: Uint8Array): ContractState {
    if (record.length < HEADER + 16 + 4)
      throw new StateStoreError(`state record of contract ${contractId} is truncated`);
    const header = new DataView(record.buffer, record.byteOffset, record.byteLength);
    const version = header.getBigUint64(0, false);
    const epoch = header.getBigUint64(8, false);
    const plain = this.decrypt(contractId, record, this.keys);
    if (plain === undefined) {
      throw new StateStoreError(`state record of contract ${contractId} fails authentication (tampered or foreign)`);
    }
    const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
    const count = view.getUint32(0, true);
    if (count > MAX_VARIABLES || 4 + 4 * count > plain.length) throw new StateStoreError('state record is malformed');
    const sizes: number[] = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const size = view.getUint32(4 + 4 * i, true);
      sizes.push(size);
      total += size;
    }
    if (4 + 4 * count + 16 * total !== plain.length) throw new StateStoreError('state record is malformed');
    let at = 4 + 4 * count;
    const shares = sizes.map((size) => {
      const v = new Uint32Array(plain.slice(at, at + 16 * size).buffer);
      at += 16 * size;
      return v as FieldVector;
    });
    return { version, epoch, shares };
  }
}

function keyOf(contractId: bigint): string {
  return contractId.toString(16).padStart(64, '0');
}

function aadOf(contractId: bigint, version: bigint, epoch: bigint): Uint8Array {
  const aad = new Uint8Array(48);
  const view = new DataView(aad.buffer);
  for (let i = 0; i < 4; i++) view.setBigUint64(8 * i, (contractId >> BigInt(64 * (3 - i))) & 0xffffffffffffffffn);
  view.setBigUint64(32, version);
  view.setBigUint64(40, epoch);
  return aad;
}
