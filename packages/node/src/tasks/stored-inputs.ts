/**
 * Secret contracts computing on stored data, the compute side (docs/storage.md, "Computing on stored data").
 * Before a task's agreement round each member of the task's committee asks every member of each stored input's
 * storage committee for its sub-share of the values at this member's point (RESHARE_PROTOCOL, answered by
 * ../storage/stored-input-server.ts). The members then agree on one set S of t_s + 1 storage members that
 * answered all of them (run-task.ts, agreement round) and each combines sum_{j in S} lambda_j(0) g_j(i): a fresh
 * degree-t' sharing of the values. No party ever holds a value.
 */
import type { PeerId } from '@libp2p/interface';
import {
  decodeStoredRef,
  type InputDecl,
  publicArgElements,
  type StoredInputRef,
  type ValidatedFunction,
} from '@mosaic/lang';
import { type FieldVector, interpolationMatrix, vec } from '@mosaic/mpc';
import { decodePublicArgs, shareFromBytes, type TaskBundle } from '@mosaic/protocol';
import { type Address, getAddress, type Hex } from 'viem';
import type { Committee } from '../chain/membership.js';
import type { Host } from '../p2p/host.js';
import { RemoteError, request } from '../p2p/request-response.js';
import type { StorageDirectory } from '../storage/directory.js';
import { describe, memberPeer, StorageError, type StorageFailure } from '../storage/errors.js';
import { frame, RESHARE_PROTOCOL } from '../storage/wire.js';
import type { StoredInputSource } from './run-task.js';
import type { TaskEntry } from './task-book.js';

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

/** The storage member on this node, asked in process when this node is also a member of the storage committee. */
export interface LocalReshare {
  answer(bytes: Uint8Array, peer: PeerId): Promise<Uint8Array>;
}

export interface StoredInputFetcherComponents {
  host: Host;
  self: PeerId;
  directory: Pick<StorageDirectory, 'record' | 'committee' | 'currentEpoch'>;
  local: LocalReshare;
  /** Time limit of one storage member's answer (default 20 s). */
  timeoutMs?: number;
}

type Failure = { kind: StorageFailure; error: string };

export class StoredInputFetcher implements StoredInputSource {
  constructor(private readonly components: StoredInputFetcherComponents) {}

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
    const { directory } = this.components;
    const pointer = ref.pointer.toLowerCase() as Hex;
    const record = await directory.record(pointer);
    const current = await directory.currentEpoch().catch(() => undefined);
    // The data follows each epoch's committee (handover): ask the current one, then the task's, then the one it
    // was stored in, moving on only while the committee asked does not hold it.
    const epochs = [...new Set([current, entry.epoch, record.storedAtEpoch])].filter(
      (e): e is bigint => e !== undefined && e >= record.storedAtEpoch,
    );
    const length = decl.type.arrayLength;
    let last: { epoch: bigint; got: Map<number, FieldVector>; failures: Failure[] } = {
      epoch: record.storedAtEpoch,
      got: new Map(),
      failures: [],
    };
    for (const epoch of epochs) {
      const members = await directory.committee(pointer, epoch, ref.n);
      const got = new Map<number, FieldVector>();
      const failures: Failure[] = [];
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
            const answer = await this.ask(m.peerId, frame(header, raw));
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

  private async ask(peerId: string, message: Uint8Array): Promise<Uint8Array> {
    const { host, self, local } = this.components;
    if (peerId === self.toString()) return local.answer(message, self);
    const peer = memberPeer(peerId);
    try {
      return await request(host, peer, RESHARE_PROTOCOL, message, {
        maxResponseBytes: 16 * (1 << 16) + 64,
        timeoutMs: this.components.timeoutMs ?? 20_000,
      });
    } catch (error) {
      if (error instanceof RemoteError) throw error;
      throw new StorageError('unavailable', `member unreachable: ${String((error as Error).message).slice(0, 120)}`);
    }
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

function summarise(failures: readonly Failure[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ') || 'no answer';
}
