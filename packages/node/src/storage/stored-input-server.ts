/**
 * Secret contracts computing on stored data, the storage member's side (docs/storage.md, "Computing on stored
 * data"). A function input declared `stored.int64(L)` names data by its pointer in the task's public arguments.
 * Each member of the task's committee asks every member of the pointer's storage committee for its **sub-share**
 * (RESHARE_PROTOCOL, the task's bundle attached); a storage member answers only when, itself and on chain:
 *
 *  - the asking peer holds the claimed seat of the task's committee;
 *  - the task is known to this node, keccak256(bundle) is its bundleHash, and the bundle's public arguments name
 *    this pointer (and storage (n, t)) for that input of the called function;
 *  - DataRegistry.canAccess(task.caller, pointer) is true now;
 *  - it is that seat of the pointer's storage committee for the epoch asked, and holds the data in the int64
 *    layout with exactly the declared number of values.
 *
 * The sub-share: its share s_j of each value, re-shared with a fresh degree-t' polynomial g_j (t' = the compute
 * committee's t) evaluated at the requester's point. g_j(1..t') are expanded from seeds derived from the node's
 * secret key, the task, the pointer, the input and the epoch (HKDF): every compute member gets a point of the
 * same polynomial and the storage member keeps no state. The compute side (../tasks/stored-inputs.ts) combines
 * the sub-shares of an agreed set of storage members into a fresh sharing of the values.
 *
 * The task side is reached through `TaskLookup`, an interface this module defines, so that storage does not
 * depend on the task executor.
 */
import type { PeerId } from '@libp2p/interface';
import { decodeStoredRef, publicArgElements, type StoredInputRef, type ValidatedFunction } from '@mosaic/lang';
import { type FieldVector, interpolationMatrix, vec } from '@mosaic/mpc';
import {
  DATA_LAYOUTS,
  decodeBundle,
  decodePublicArgs,
  expandShareSeed,
  INT64_HEADER_ELEMENTS,
  int64ValueCount,
  shareToBytes,
} from '@mosaic/protocol';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Logger } from 'pino';
import { type Address, getAddress, type Hex, keccak256 } from 'viem';
import { nodeAead } from '../crypto/node-crypto.js';
import type { Host } from '../p2p/host.js';
import { serve } from '../p2p/request-response.js';
import type { StorageDirectory } from './directory.js';
import { answerRemote, StorageError } from './errors.js';
import { type ShareRecord, type ShareStore, ShareStoreError } from './share-store.js';
import { MAX_RESHARE_HEADER_BYTES, parseFramed, RESHARE_PROTOCOL, reshareRequestSchema } from './wire.js';

/** What a storage member needs to know of a task (as this node recorded it from the chain). */
export interface StoredInputTask {
  taskId: bigint;
  contractId: bigint;
  epoch: bigint;
  caller: string;
  selector: string;
  bundleHash: string;
}

/** The task side, as the storage member sees it. */
export interface TaskLookup {
  /** The task as this node recorded it from the chain, waiting up to `timeoutMs` for it to arrive. */
  waitFor(taskId: bigint, timeoutMs: number): Promise<StoredInputTask | undefined>;
  /** The function a task of `contractId` calls with `selector`, if the contract has one. */
  functionOf(contractId: bigint, selector: Hex): Promise<ValidatedFunction | undefined>;
  /** The committee of a task of `contractId` in `epoch`: its threshold and its members' peer ids by seat. */
  committee(contractId: bigint, epoch: bigint): Promise<{ t: number; members: readonly { peerId: string }[] }>;
}

export interface StoredInputServerComponents {
  host: Host;
  logger: Logger;
  tasks: TaskLookup;
  directory: Pick<StorageDirectory, 'record' | 'checkSeat' | 'canAccess'>;
  shares: Pick<ShareStore, 'segmentsOf'>;
  operator: Address;
  /** The node's X25519 secret key: the sub-share polynomials' seeds derive from it. */
  x25519SecretKey: Uint8Array;
}

const MAX_BUNDLE_BYTES = 16 << 20;
const SEED_LABEL = new TextEncoder().encode('mosaic/data-reshare/v1');

export class StoredInputServer {
  private readonly stops: (() => Promise<void> | void)[] = [];
  /** Seeds of the sub-share polynomials: from the node's key, so answers repeat (no state is kept). */
  private readonly seedKey: Uint8Array;

  constructor(private readonly components: StoredInputServerComponents) {
    this.seedKey = hkdf(sha256, components.x25519SecretKey, undefined, SEED_LABEL, 32);
  }

  async start(): Promise<void> {
    const { host, logger } = this.components;
    this.stops.push(
      await serve(
        host,
        RESHARE_PROTOCOL,
        (bytes, peer) => answerRemote(logger, 'reshare request failed', () => this.answer(bytes, peer)),
        { maxRequestBytes: MAX_BUNDLE_BYTES + MAX_RESHARE_HEADER_BYTES, timeoutMs: 30_000, logger },
      ),
    );
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) await stop();
  }

  /** A compute member asks for this storage member's sub-share of a stored input: check everything, answer. */
  async answer(bytes: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const { tasks, directory } = this.components;
    const { header: h, body } = parseFramed(bytes, reshareRequestSchema, 'reshare request', MAX_RESHARE_HEADER_BYTES);
    const pointer = h.pointer as Hex;
    const taskId = BigInt(h.taskId);
    const epoch = BigInt(h.epoch);
    // The task as this node recorded it from the chain.
    const task = await tasks.waitFor(taskId, 10_000);
    if (!task) throw new StorageError('bad-request', `task ${taskId} is not known to this node`);
    if (keccak256(body).toLowerCase() !== task.bundleHash.toLowerCase()) {
      throw new StorageError('bad-request', "the bundle does not hash to the task's bundleHash");
    }
    const committee = await tasks.committee(task.contractId, task.epoch);
    if (committee.members[h.computeMember - 1]?.peerId !== peer.toString()) {
      throw new StorageError('not-member', `the requester is not member ${h.computeMember} of the task's committee`);
    }
    const f = await tasks.functionOf(task.contractId, task.selector as Hex);
    const decl = f?.inputs[h.input];
    if (!f || decl?.visibility !== 'stored') {
      throw new StorageError('bad-request', `input ${h.input} of the task's function is not a stored input`);
    }
    const ref = storedRefOf(task, f, h.input, body);
    if (ref.pointer !== pointer || ref.n !== h.n || ref.t !== h.t) {
      throw new StorageError('bad-request', "the task's arguments name another pointer or storage committee");
    }
    const caller = getAddress(task.caller as Address);
    if (!(await directory.canAccess(caller, pointer))) {
      throw new StorageError(
        'access-denied',
        `${caller} may not use the data at ${pointer} (DataRegistry.canAccess is false)`,
      );
    }
    const record = await directory.record(pointer);
    await directory.checkSeat(pointer, epoch, h.n, h.member, this.components.operator);
    const records = await this.int64Records(pointer, epoch, h);
    const values = int64ValueCount(record.size);
    if (values !== decl.type.arrayLength) {
      throw new StorageError(
        'bad-request',
        `the data holds ${values} values, input ${decl.name} takes ${decl.type.arrayLength}`,
      );
    }
    if (records.some((r, i) => r.segment !== i || r.epoch !== epoch || r.layout !== DATA_LAYOUTS.int64)) {
      throw new StorageError('not-stored', 'this node does not hold every segment of the data');
    }
    const all = vec.concat(records.map((r) => r.share));
    const mine = vec.slice(all, INT64_HEADER_ELEMENTS, INT64_HEADER_ELEMENTS + values);
    const sub = this.subShare(mine, committee.t, h.computeMember, { taskId, pointer, input: h.input, epoch });
    this.components.logger.debug({ taskId: String(taskId), pointer, member: h.computeMember }, 'stored input reshared');
    return shareToBytes(sub);
  }

  /** This node's records of the data, in segment order, held for `epoch` at the asked seat in the int64 layout. */
  private async int64Records(
    pointer: Hex,
    epoch: bigint,
    asked: { member: number; n: number; t: number },
  ): Promise<ShareRecord[]> {
    let records: ShareRecord[];
    try {
      records = await this.components.shares.segmentsOf(pointer);
    } catch (error) {
      if (error instanceof ShareStoreError) throw new StorageError('corrupted', error.message);
      throw error;
    }
    records.sort((a, b) => a.segment - b.segment);
    const first = records[0];
    if (!first || first.epoch !== epoch) {
      throw new StorageError('not-stored', `this node holds no share of the data for epoch ${epoch}`);
    }
    if (first.member !== asked.member || first.n !== asked.n || first.t !== asked.t) {
      throw new StorageError('bad-request', `the share is held for committee (n = ${first.n}, t = ${first.t})`);
    }
    if (first.layout !== DATA_LAYOUTS.int64) {
      throw new StorageError('bad-request', 'the data is not int64 data (stored in the packed layout)');
    }
    return records;
  }

  /**
   * g(point) for the polynomial g of degree `degree` with g(0) = `share` and g(1..degree) expanded from seeds
   * derived from this node's key and (task, pointer, input, epoch): the same polynomial for every requester.
   */
  private subShare(
    share: FieldVector,
    degree: number,
    point: number,
    at: { taskId: bigint; pointer: Hex; input: number; epoch: bigint },
  ): FieldVector {
    const count = vec.size(share);
    const seeds = Array.from({ length: degree }, (_, k) => {
      const info = new Uint8Array(32 + 32 + 2 + 8 + 2);
      const view = new DataView(info.buffer);
      info.set(Buffer.from(at.taskId.toString(16).padStart(64, '0'), 'hex'), 0);
      info.set(Buffer.from(at.pointer.slice(2), 'hex'), 32);
      view.setUint16(64, at.input);
      view.setBigUint64(66, at.epoch);
      view.setUint16(74, k + 1);
      return hkdf(sha256, this.seedKey, undefined, info, 32);
    });
    const points = seeds.map((seed) => expandShareSeed(seed, count, nodeAead));
    if (point <= degree) return points[point - 1]!;
    const known = [share, ...points];
    return vec.matrixApply(
      interpolationMatrix(
        known.map((_, i) => i),
        [point],
      ),
      known,
    )[0]!;
  }
}

/** The stored-input reference the task's bundle passes for input `input` of `f`; a bad bundle is a bad request. */
function storedRefOf(task: StoredInputTask, f: ValidatedFunction, input: number, body: Uint8Array): StoredInputRef {
  try {
    const bundle = decodeBundle(body);
    if (bundle.contractId !== task.contractId || bundle.selector.toLowerCase() !== task.selector.toLowerCase()) {
      throw new Error('the bundle is for another call');
    }
    const publicInputs = f.inputs.filter((i) => publicArgElements(i) > 0);
    const args = decodePublicArgs(bundle.publicArgs, publicInputs.map(publicArgElements));
    return decodeStoredRef(args[publicInputs.indexOf(f.inputs[input]!)]!);
  } catch (error) {
    throw new StorageError('bad-request', `bad bundle: ${(error as Error).message}`);
  }
}
