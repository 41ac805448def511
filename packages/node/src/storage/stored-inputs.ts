/**
 * Secret contracts computing on stored data (issue 7; docs/storage.md "Computing on stored data").
 *
 * A function input declared `stored.int64(L)` names data by its pointer (in the task's public arguments, so
 * bound by the bundle hash on chain). Before the task's agreement round each member of the compute committee
 * asks every member of the pointer's storage committee for its **sub-share** (`/mosaic/data/reshare/1.0.0`,
 * the task's bundle attached). A storage member answers only when, itself and on chain:
 *
 *  - the asking peer holds the claimed seat of the task's committee (ChainMembership.committee);
 *  - the task is in its own task book, keccak256(bundle) is the record's bundleHash, and the bundle's public
 *    arguments name this pointer (and storage (n, t)) for that input of the called function;
 *  - DataRegistry.canAccess(task.caller, pointer) is true now;
 *  - it is that seat of the pointer's storage committee for the epoch asked, and holds the data in the int64
 *    layout with exactly the declared number of values.
 *
 * The sub-share: its share s_j of each value, re-shared with a fresh degree-t' polynomial g_j (t' = the compute
 * committee's t) evaluated at the requester's point. g_j(1..t') are expanded from seeds derived from the node's
 * secret key, the task, the pointer, the input and the epoch (HKDF): every compute member gets a point of the
 * same polynomial and the storage member keeps no state. The compute members then agree on one set S of
 * t_s + 1 storage members that answered all of them (run-task.ts, agreement round) and combine
 * sum_{j in S} lambda_j(0) g_j(i): a fresh degree-t' sharing of the values. No party ever holds a value.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import {
  decodeStoredRef,
  type InputDecl,
  publicArgElements,
  type StoredInputRef,
  type ValidatedFunction,
  type ValidatedModule,
} from '@mosaic/lang';
import { type FieldVector, interpolationMatrix, vec } from '@mosaic/mpc';
import {
  DATA_LAYOUTS,
  decodeBundle,
  decodePublicArgs,
  expandShareSeed,
  INT64_HEADER_ELEMENTS,
  int64ValueCount,
  shareFromBytes,
  shareToBytes,
  type TaskBundle,
} from '@mosaic/protocol';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Logger } from 'pino';
import { type Address, getAddress, type Hex, keccak256 } from 'viem';
import { z } from 'zod';
import type { ChainClients } from '../chain/deployment.js';
import type { ChainMembership, Committee } from '../chain/membership.js';
import { nodeAead } from '../crypto/node-crypto.js';
import type { NodeKeys } from '../keys/keystore.js';
import type { Host } from '../p2p/host.js';
import { RemoteError, request, serve } from '../p2p/request-response.js';
import type { TaskBook, TaskEntry } from '../tasks/task-book.js';
import {
  answerRemote,
  describe,
  frame,
  StorageError,
  type StorageFailure,
  type StorageService,
  unframe,
} from './service.js';
import { ShareStoreError } from './share-store.js';

export const RESHARE_PROTOCOL = '/mosaic/data/reshare/1.0.0';

const MAX_BUNDLE_BYTES = 16 << 20;
const MAX_HEADER_BYTES = 4096;
const SEED_LABEL = new TextEncoder().encode('mosaic/data-reshare/v1');

const requestSchema = z.strictObject({
  taskId: z.string().regex(/^0x[0-9a-f]{1,64}$/),
  /** Index of the stored input among the function's inputs. */
  input: z.number().int().min(0).max(255),
  pointer: z.string().regex(/^0x[0-9a-f]{64}$/),
  n: z.number().int().min(3).max(64),
  t: z.number().int().min(1).max(31),
  /** The epoch whose storage committee is asked, and the seat asked. */
  epoch: z.string().regex(/^[0-9]{1,20}$/),
  member: z.number().int().min(1).max(64),
  /** The requester's seat in the task's committee (its Shamir point). */
  computeMember: z.number().int().min(1).max(64),
});

/** What one compute member gathered for one stored input of a task. */
export interface StoredInputFetch {
  /** Index among the function's inputs. */
  input: number;
  name: string;
  ref: StoredInputRef;
  /** The epoch whose storage committee answered (all compute members must use the same). */
  epoch: bigint;
  /** Storage seat -> that member's sub-share of the values at this member's point. */
  subShares: Map<number, FieldVector>;
  /** Why the input cannot be had (the same text at every member for the same cause); never holds a value. */
  problem?: string;
}

export interface StoredInputsOptions {
  host: Host;
  storage: StorageService;
  book: TaskBook;
  membership: ChainMembership;
  chain: ChainClients;
  keys: NodeKeys;
  logger: Logger;
  moduleOf: (contractId: bigint) => Promise<ValidatedModule>;
  functionOf: (module: ValidatedModule, selector: Hex) => ValidatedFunction | undefined;
  timeoutMs?: number;
}

export class StoredInputs {
  private stops: (() => Promise<void> | void)[] = [];
  /** Seeds of the sub-share polynomials: from the node's key, so answers repeat (no state is kept). */
  private readonly seedKey: Uint8Array;

  constructor(private readonly o: StoredInputsOptions) {
    this.seedKey = hkdf(sha256, o.keys.x25519SecretKey, undefined, SEED_LABEL, 32);
  }

  async start(): Promise<void> {
    const { host, logger } = this.o;
    this.stops.push(
      await serve(
        host,
        RESHARE_PROTOCOL,
        (bytes, peer) => answerRemote(this.o.logger, 'reshare request failed', () => this.onRequest(bytes, peer)),
        {
          maxRequestBytes: MAX_BUNDLE_BYTES + MAX_HEADER_BYTES,
          timeoutMs: 30_000,
          logger,
        },
      ),
    );
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) await stop();
  }

  // ----- compute side -----

  /**
   * Asks the storage committee of each stored input of `f` for this member's sub-shares. A fetch with a problem
   * makes the task skipped (the caller puts it in the agreement round).
   */
  async fetch(
    entry: TaskEntry,
    _committee: Committee,
    f: ValidatedFunction,
    raw: Uint8Array,
    bundle: TaskBundle,
  ): Promise<StoredInputFetch[]> {
    const inputs = f.inputs.map((decl, index) => ({ decl, index })).filter((i) => i.decl.visibility === 'stored');
    if (inputs.length === 0) return [];
    const publicInputs = f.inputs.filter((i) => publicArgElements(i) > 0);
    const args = decodePublicArgs(bundle.publicArgs, publicInputs.map(publicArgElements));
    return Promise.all(
      inputs.map(async ({ decl, index }) => {
        const ref = decodeStoredRef(args[publicInputs.indexOf(decl)]!, `stored input ${decl.name}`);
        try {
          return await this.fetchOne(entry, decl, index, ref, raw);
        } catch (error) {
          const { kind, error: reason } = describe(error);
          return {
            input: index,
            name: decl.name,
            ref,
            epoch: 0n,
            subShares: new Map(),
            problem: `stored input ${decl.name}: ${kind === 'not-on-chain' ? `no data is recorded under ${ref.pointer}` : reason}`,
          };
        }
      }),
    );
  }

  private async fetchOne(
    entry: TaskEntry,
    decl: InputDecl,
    index: number,
    ref: StoredInputRef,
    raw: Uint8Array,
  ): Promise<StoredInputFetch> {
    const { storage } = this.o;
    const pointer = ref.pointer.toLowerCase() as Hex;
    const record = await storage.record(pointer);
    const current = await this.o.chain.contracts.epochs.read.currentEpoch().catch(() => undefined);
    // The data follows each epoch's committee (handover): ask the current one, then the task's, then the one it
    // was stored in, moving on only while the committee asked does not hold it.
    const epochs = [...new Set([current, entry.epoch, record.storedAtEpoch])].filter(
      (e): e is bigint => e !== undefined && e >= record.storedAtEpoch,
    );
    const length = decl.type.arrayLength;
    let last: { epoch: bigint; got: Map<number, FieldVector>; failures: { kind: StorageFailure; error: string }[] } = {
      epoch: record.storedAtEpoch,
      got: new Map(),
      failures: [],
    };
    for (const epoch of epochs) {
      const members = await storage.committee(pointer, epoch, ref.n);
      const got = new Map<number, FieldVector>();
      const failures: { kind: StorageFailure; error: string }[] = [];
      await Promise.all(
        members.map(async (m) => {
          const header = {
            taskId: `0x${entry.taskId.toString(16)}`,
            input: index,
            pointer,
            n: ref.n,
            t: ref.t,
            epoch: String(epoch),
            member: m.member,
            computeMember: entry.member,
          };
          try {
            const answer = await this.ask(m.peerId, frame(header, raw), (bytes, peer) => this.onRequest(bytes, peer));
            const share = shareFromBytes(answer, `storage member ${m.member}'s sub-share`);
            if (vec.size(share) !== length) throw new StorageError('bad-request', 'a sub-share of the wrong length');
            got.set(m.member, share);
          } catch (error) {
            failures.push(describe(error));
          }
        }),
      );
      last = { epoch, got, failures };
      if (got.size >= ref.t + 1) break;
      if (!failures.some((f) => f.kind === 'not-stored' || f.kind === 'not-member')) break;
    }
    const base = { input: index, name: decl.name, ref, epoch: last.epoch, subShares: last.got };
    if (last.got.size >= ref.t + 1) return base;
    for (const s of last.got.values()) s.fill(0);
    // The reason every compute member sees alike: a denial names the caller (the chain decided it).
    const denied = last.failures.find((f) => f.kind === 'access-denied');
    const problem = denied
      ? `stored input ${decl.name}: access denied for caller ${getAddress(entry.caller as Address)} (DataRegistry.canAccess is false)`
      : `stored input ${decl.name}: ${last.got.size} of ${ref.n} storage members answered, ${ref.t + 1} are needed (${summarise(last.failures)})`;
    return { ...base, subShares: new Map(), problem };
  }

  private async ask(
    peerId: string,
    message: Uint8Array,
    local: (bytes: Uint8Array, peer: PeerId) => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    if (peerId === this.o.keys.peerId.toString()) return local(message, this.o.keys.peerId);
    let peer: PeerId;
    try {
      peer = peerIdFromString(peerId);
    } catch {
      throw new StorageError('unavailable', 'the member registered an unusable peer id');
    }
    try {
      return await request(this.o.host, peer, RESHARE_PROTOCOL, message, {
        maxResponseBytes: 16 * (1 << 16) + 64,
        timeoutMs: this.o.timeoutMs ?? 20_000,
      });
    } catch (error) {
      if (error instanceof RemoteError) throw error;
      throw new StorageError('unavailable', `member unreachable: ${String((error as Error).message).slice(0, 120)}`);
    }
  }

  // ----- storage side -----

  /** A compute member asks for this storage member's sub-share of a stored input: check everything, answer. */
  async onRequest(bytes: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const { header: rawHeader, body } = unframe(bytes, MAX_HEADER_BYTES);
    const parsed = requestSchema.safeParse(rawHeader);
    if (!parsed.success) throw new StorageError('bad-request', `reshare request: ${parsed.error.issues[0]?.message}`);
    const h = parsed.data;
    const pointer = h.pointer as Hex;
    const taskId = BigInt(h.taskId);
    const epoch = BigInt(h.epoch);
    // The task as this node recorded it from the chain.
    const entry = await this.o.book.waitFor(taskId, 10_000);
    if (!entry) throw new StorageError('bad-request', `task ${taskId} is not known to this node`);
    if (keccak256(body).toLowerCase() !== entry.bundleHash.toLowerCase()) {
      throw new StorageError('bad-request', "the bundle does not hash to the task's bundleHash");
    }
    const committee = await this.o.membership.committee(entry.contractId, entry.epoch);
    if (committee.members[h.computeMember - 1]?.peerId !== peer.toString()) {
      throw new StorageError('not-member', `the requester is not member ${h.computeMember} of the task's committee`);
    }
    const module = await this.o.moduleOf(entry.contractId);
    const f = this.o.functionOf(module, entry.selector as Hex);
    const decl = f?.inputs[h.input];
    if (!f || decl?.visibility !== 'stored') {
      throw new StorageError('bad-request', `input ${h.input} of the task's function is not a stored input`);
    }
    let ref: StoredInputRef;
    try {
      const bundle = decodeBundle(body);
      if (bundle.contractId !== entry.contractId || bundle.selector.toLowerCase() !== entry.selector.toLowerCase()) {
        throw new Error('the bundle is for another call');
      }
      const publicInputs = f.inputs.filter((i) => publicArgElements(i) > 0);
      const args = decodePublicArgs(bundle.publicArgs, publicInputs.map(publicArgElements));
      ref = decodeStoredRef(args[publicInputs.indexOf(decl)]!);
    } catch (error) {
      throw new StorageError('bad-request', `bad bundle: ${(error as Error).message}`);
    }
    if (ref.pointer !== pointer || ref.n !== h.n || ref.t !== h.t) {
      throw new StorageError('bad-request', "the task's arguments name another pointer or storage committee");
    }
    let allowed: boolean;
    try {
      allowed = await this.o.chain.contracts.dataRegistry.read.canAccess([
        getAddress(entry.caller as Address),
        pointer,
      ]);
    } catch {
      throw new StorageError('unavailable', 'the chain could not be read');
    }
    if (!allowed) {
      throw new StorageError(
        'access-denied',
        `${getAddress(entry.caller as Address)} may not use the data at ${pointer} (DataRegistry.canAccess is false)`,
      );
    }
    const record = await this.o.storage.record(pointer);
    const members = await this.o.storage.committee(pointer, epoch, h.n);
    if (members[h.member - 1]?.operator !== getAddress(this.o.keys.operator.address)) {
      throw new StorageError(
        'not-member',
        `this node is not member ${h.member} of the storage committee of ${pointer}`,
      );
    }
    let records: Awaited<ReturnType<StorageService['shares']['segmentsOf']>>;
    try {
      records = await this.o.storage.shares.segmentsOf(pointer);
    } catch (error) {
      if (error instanceof ShareStoreError) throw new StorageError('corrupted', error.message);
      throw error;
    }
    records.sort((a, b) => a.segment - b.segment);
    const first = records[0];
    if (!first || first.epoch !== epoch) {
      throw new StorageError('not-stored', `this node holds no share of the data for epoch ${epoch}`);
    }
    if (first.member !== h.member || first.n !== h.n || first.t !== h.t) {
      throw new StorageError('bad-request', `the share is held for committee (n = ${first.n}, t = ${first.t})`);
    }
    if (first.layout !== DATA_LAYOUTS.int64) {
      throw new StorageError('bad-request', 'the data is not int64 data (stored in the packed layout)');
    }
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
    this.o.logger.debug({ taskId: String(taskId), pointer, member: h.computeMember }, 'stored input reshared');
    return shareToBytes(sub);
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

/**
 * The agreed set of storage members for one stored input: the first t_s + 1 seats in `common` (the bitmask of
 * storage members that answered every compute member); undefined when there are fewer.
 */
export function agreedSenders(common: bigint, n: number, t: number): number[] | undefined {
  const seats: number[] = [];
  for (let seat = 1; seat <= n && seats.length < t + 1; seat++) {
    if ((common >> BigInt(seat - 1)) & 1n) seats.push(seat);
  }
  return seats.length === t + 1 ? seats : undefined;
}

/** The bitmask of storage seats a fetch got sub-shares from. */
export function answeredMask(fetch: StoredInputFetch): bigint {
  let mask = 0n;
  for (const seat of fetch.subShares.keys()) mask |= 1n << BigInt(seat - 1);
  return mask;
}

/** This member's share of the values: sum over the senders S of lambda_j(0) * g_j(own point). */
export function combineSubShares(fetch: StoredInputFetch, senders: readonly number[]): FieldVector {
  const parts = senders.map((s) => fetch.subShares.get(s)!);
  return vec.matrixApply(interpolationMatrix(senders, [0]), parts)[0]!;
}

function summarise(failures: readonly { kind: StorageFailure; error: string }[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ') || 'no answer';
}
