/**
 * The storage service (issue 7; protocol in docs/storage.md). A node plays two roles:
 *
 *  - gateway: takes mosaic_storeData / mosaic_loadData from a client, finds the storage committee of the
 *    pointer on chain (Epochs.committeeOf(pointer, record.storedAtEpoch, n), each member's registered peer id)
 *    and forwards each member its part over libp2p (/mosaic/data/store/1, /mosaic/data/load/1). The gateway
 *    only ever handles envelopes sealed to the members or to the requester: it learns nothing.
 *  - member: checks everything itself, whoever forwarded the request — the chain record, that it is member k of
 *    the pointer's committee, the owner's (store) or the requester's (load) EIP-712 signature, the expiry, on
 *    load DataRegistry.canAccess and the request nonce (each (request, segment) is answered once: a replayed
 *    request is refused) — then stores the share encrypted at rest or returns it sealed to the requester's key.
 *
 * Errors a member reports are `kind: message` (kinds in StorageFailure), never holding a share, key or data.
 */
import { createHash } from 'node:crypto';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { Party, vec } from '@mosaic/mpc';
import {
  checkCommittee,
  DATA_LAYOUTS,
  type DataLayout,
  dataDomain,
  digestContext,
  LOAD_TYPES,
  type LoadRequest,
  layoutElements,
  loadContext,
  MAX_PAYLOAD_BYTES,
  MAX_REQUEST_LIFETIME_S,
  MAX_STORE_BATCH,
  openEnvelope,
  SEGMENT_ELEMENTS,
  SHARE_SEED_BYTES,
  type ShareBinding,
  STORE_TYPES,
  sealEnvelope,
  segmentCount,
  segmentElements,
  shareContext,
  shareFromBytes,
  shareToBytes,
} from '@mosaic/protocol';
import type { Logger } from 'pino';
import { type Address, getAddress, type Hex, hashTypedData, hexToBytes, recoverTypedDataAddress } from 'viem';
import { z } from 'zod';
import type { ChainClients } from '../chain/deployment.js';
import type { AnyChainEvent } from '../chain/events.js';
import type { ChainMembership } from '../chain/membership.js';
import { peerIdFromBytes } from '../chain/membership.js';
import { nodeAead, nodeX25519 } from '../crypto/node-crypto.js';
import type { Namespace, Store } from '../db/store.js';
import {
  recoverySession,
  recoverySessionThreshold,
  runDataHandover,
  runRecovery,
  type SeatInfo,
} from '../epoch/data-handover.js';
import type { NodeKeys } from '../keys/keystore.js';
import { ChannelRequester, serveChannel } from '../p2p/channel.js';
import type { Host } from '../p2p/host.js';
import { RemoteError } from '../p2p/request-response.js';
import type { MpcStreams } from '../sessions/libp2p-transport.js';
import { type ShareRecord, ShareStore, ShareStoreError } from './share-store.js';

export const STORE_PROTOCOL = '/mosaic/data/store/2.0.0';
export const LOAD_PROTOCOL = '/mosaic/data/load/2.0.0';
/** An old member tells a new one that a pointer's shares are handed over to it (it checks on chain). */
export const HANDOVER_PROTOCOL = '/mosaic/data/handover/2.0.0';
/** A member that lost its shares: "which epoch do you hold this pointer in?" and "help me recover". */
export const HELD_PROTOCOL = '/mosaic/data/held/2.0.0';
export const RECOVER_PROTOCOL = '/mosaic/data/recover/2.0.0';

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

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly kind: StorageFailure,
    message: string,
  ) {
    super(message);
  }
}

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 32 bytes as 0x-hex');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected an address');
const signature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'expected a 65-byte signature as 0x-hex');
const small = z.number().int().min(0).max(255);
const segmentIndex = z.number().int().min(0).max(0xffffffff);
const unixSeconds = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40);

export const storeHeaderSchema = z.strictObject({
  pointer: hex32,
  n: small,
  t: small,
  segment: segmentIndex,
  /** The element layout (DATA_LAYOUTS), part of the owner's signed message. */
  layout: z.number().int().min(0).max(1).default(0),
  firstSegment: segmentIndex,
  segmentHashes: z.array(hex32).min(1).max(MAX_STORE_BATCH),
  expiresAt: unixSeconds,
  shareHashes: z.array(hex32).min(1).max(64),
  signature,
  member: z.number().int().min(1).max(64),
});
export type StoreHeader = z.output<typeof storeHeaderSchema>;

export const loadRequestSchema = z.strictObject({
  pointer: hex32,
  requester: address,
  responseKey: hex32,
  nonce: hex32,
  expiresAt: unixSeconds,
  n: small,
  t: small,
});

export const loadHeaderSchema = z.strictObject({
  request: loadRequestSchema,
  signature,
  segment: segmentIndex,
  member: z.number().int().min(1).max(64),
  /** The epoch whose committee is asked (the shares move to each new epoch's committee). */
  epoch: z.string().regex(/^[0-9]{1,20}$/),
  /** 'share': the share sealed to the requester; 'digest': SHA-256 of it, sealed (the client checks it). */
  mode: z.enum(['share', 'digest']),
});

const handoverInviteSchema = z.strictObject({
  pointer: hex32,
  n: small,
  t: small,
  fromEpoch: z.string().regex(/^[0-9]{1,20}$/),
  toEpoch: z.string().regex(/^[0-9]{1,20}$/),
  layout: z.number().int().min(0).max(1).default(0),
});

const heldQuerySchema = z.strictObject({ pointer: hex32 });

const recoverInviteSchema = z.strictObject({
  pointer: hex32,
  n: small,
  t: small,
  epoch: z.string().regex(/^[0-9]{1,20}$/),
  lost: z.number().int().min(1).max(64),
  helpers: z.array(z.number().int().min(1).max(64)).min(2).max(32),
  nonce: hex32,
});
export type LoadHeader = z.output<typeof loadHeaderSchema>;

export interface StorageMemberInfo {
  member: number;
  operator: Address;
  peerId: string;
  x25519PublicKey: Hex;
}

export interface DataRecordOnChain {
  owner: Address;
  dataType: number;
  size: number;
  storedAtEpoch: bigint;
  paidThroughEpoch: bigint;
}

export interface MemberOutcome {
  member: number;
  operator: Address;
  ok: boolean;
  /** Load: the member's share (or its digest) sealed to the requester (bytes). */
  envelope?: Uint8Array;
  /** Load: the data's element layout, as the member holds it. */
  layout?: DataLayout;
  digest?: boolean;
  error?: string;
  kind?: StorageFailure;
}

export interface StorageServiceOptions {
  host: Host;
  store: Store;
  chain: ChainClients;
  keys: NodeKeys;
  logger: Logger;
  /** Time limit of one member exchange (default 20 s). */
  timeoutMs?: number;
  /** For epoch handovers and recovery (MPC sessions among members); without them, data stays where stored. */
  membership?: ChainMembership;
  streams?: MpcStreams;
  /** Time limit of a handover or recovery session (default 60 s). */
  sessionTimeoutMs?: number;
}

const MAX_ENVELOPE_BYTES = 16 * SEGMENT_ELEMENTS + 1024;
const MAX_HEADER_BYTES = 8 * 1024;
const MAX_CACHED = 1024;
/**
 * How long one load request's canAccess answer is reused for its other segments: a revocation stops a load in
 * progress within this time, and every new request is checked afresh.
 */
const ACCESS_CACHE_MS = 1_000;
/** How long a gateway reuses its reading of the current epoch (which committee to ask first). */
const EPOCH_CACHE_MS = 1_000;

export class StorageService {
  readonly shares: ShareStore;
  private readonly nonces: Namespace<Uint8Array>;
  private readonly pendingNonces = new Set<string>();
  private readonly committees = new Map<string, Promise<StorageMemberInfo[]>>();
  private readonly records = new Map<string, DataRecordOnChain>();
  /** One load request's checks (signature, canAccess), reused for its segments for ACCESS_CACHE_MS. */
  private readonly loads = new Map<string, { at: number; check: Promise<void> }>();
  /** Recovered store signers by (typed-data hash, signature): one recovery per signed batch of segments. */
  private readonly signers = new Map<string, Promise<Address>>();
  private readonly stops: (() => Promise<void> | void)[] = [];
  /** One requester per protocol: a long-lived stream to each member. */
  private readonly channels = new Map<string, ChannelRequester>();
  private prunedAt = 0;
  /** The epoch each pointer was last loaded from at this gateway. */
  private readonly heldEpochs = new Map<string, bigint>();
  /** Epoch handovers run one epoch at a time, in order. */
  private epochQueue: Promise<void> = Promise.resolve();
  /** Handovers this node runs or ran (pointer:toEpoch): an invitation and the local scan start each once. */
  private readonly handovers = new Map<string, Promise<void>>();
  private stopped = false;
  private epochRead: { at: number; read: Promise<bigint> } | undefined;

  constructor(private readonly options: StorageServiceOptions) {
    this.shares = new ShareStore(options.store, options.keys.x25519SecretKey);
    this.nonces = options.store.namespace('data-nonces', {
      encode: (v: Uint8Array) => v,
      decode: (b: Uint8Array) => b,
    });
  }

  private get chainId(): bigint {
    return BigInt(this.options.chain.deployment.chainId);
  }

  private get dataRegistry(): Hex {
    return this.options.chain.deployment.addresses.dataRegistry;
  }

  async start(): Promise<void> {
    const { host, logger } = this.options;
    // Long-lived channel streams (../p2p/channel.ts): a store or load moves one envelope per member and segment,
    // and a fresh libp2p stream for each cost more CPU than the envelope's checks.
    const serveOptions = { maxRequestBytes: MAX_ENVELOPE_BYTES + MAX_HEADER_BYTES, logger };
    type Handler = (bytes: Uint8Array, peer: PeerId) => Promise<Uint8Array>;
    const handlers: [string, Handler][] = [
      [STORE_PROTOCOL, (bytes, peer) => this.onStore(bytes, peer)],
      [LOAD_PROTOCOL, (bytes, peer) => this.onLoad(bytes, peer)],
    ];
    // Epoch handover and recovery need the committees and MPC streams.
    if (this.options.membership && this.options.streams) {
      handlers.push(
        [HANDOVER_PROTOCOL, (bytes, peer) => this.onHandoverInvite(bytes, peer)],
        [HELD_PROTOCOL, (bytes) => this.onHeldQuery(bytes)],
        [RECOVER_PROTOCOL, (bytes, peer) => this.onRecoverInvite(bytes, peer)],
      );
    }
    for (const [protocol, handle] of handlers) {
      this.stops.push(
        await serveChannel(
          host,
          protocol,
          (bytes, peer) => answerRemote(this.options.logger, 'storage request failed', () => handle(bytes, peer)),
          serveOptions,
        ),
      );
    }
    await this.pruneNonces().catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const channel of this.channels.values()) channel.close();
    for (const stop of this.stops.splice(0)) await stop();
  }

  // ----- durability: epoch handover, recovery -----

  /** Chain events: EpochAdvanced starts the handovers of the pointers this node holds. */
  onChainEvent(event: AnyChainEvent): void {
    if (event.contract !== 'epochs' || event.eventName !== 'EpochAdvanced') return;
    const epoch = BigInt((event.args as { epoch: bigint }).epoch);
    this.epochQueue = this.epochQueue
      .then(() => this.advanceTo(epoch))
      .catch((error: unknown) => {
        this.options.logger.warn({ epoch: String(epoch), err: String(error) }, 'data handovers failed');
      });
  }

  /** Resolves once the handovers queued so far have run (tests). */
  async settled(): Promise<void> {
    await this.epochQueue;
    await Promise.allSettled([...this.handovers.values()]);
  }

  /** Hands every pointer held here for an epoch before `epoch` over to its committee of `epoch`. */
  async advanceTo(epoch: bigint): Promise<void> {
    if (!this.options.membership || !this.options.streams || this.stopped) return;
    const work: Promise<void>[] = [];
    for (const pointer of await this.shares.pointers()) {
      let records: ShareRecord[];
      try {
        records = await this.shares.segmentsOf(pointer);
      } catch {
        continue; // a corrupted record: this node does not hold the pointer (recovery restores it)
      }
      const first = records[0];
      if (first === undefined || first.epoch >= epoch) continue;
      if (records.some((r) => r.epoch !== first.epoch || r.n !== first.n || r.t !== first.t)) continue;
      work.push(this.handover(pointer, first.n, first.t, first.layout, first.epoch, epoch, records));
    }
    await Promise.allSettled(work);
  }

  private handover(
    pointer: Hex,
    n: number,
    t: number,
    layout: DataLayout,
    fromEpoch: bigint,
    toEpoch: bigint,
    held: ShareRecord[] | undefined,
  ): Promise<void> {
    const key = `${pointer}:${toEpoch}`;
    let running = this.handovers.get(key);
    if (running === undefined) {
      running = this.runHandover(pointer, n, t, layout, fromEpoch, toEpoch, held).catch((error: unknown) => {
        this.options.logger.warn(
          { pointer, toEpoch: String(toEpoch), err: String((error as Error).message ?? error).slice(0, 300) },
          'data handover failed at this node',
        );
      });
      this.handovers.set(key, running);
      if (this.handovers.size > MAX_CACHED) this.handovers.delete(this.handovers.keys().next().value as string);
    }
    return running;
  }

  private async runHandover(
    pointer: Hex,
    n: number,
    t: number,
    layout: DataLayout,
    fromEpoch: bigint,
    toEpoch: bigint,
    held: ShareRecord[] | undefined,
  ): Promise<void> {
    const record = await this.record(pointer);
    const segments = segmentCount(record.size, layout);
    const [before, after] = await Promise.all([
      this.committee(pointer, fromEpoch, n),
      this.committee(pointer, toEpoch, n),
    ]);
    const self = this.options.keys.peerId.toString();
    const complete =
      held !== undefined &&
      held.length === segments &&
      held.every(
        (r, i) =>
          r.segment === i && r.layout === layout && vec.size(r.share) === segmentElements(record.size, i, layout),
      );
    if (complete && before.every((m, i) => m.operator === after[i]?.operator)) {
      // The same committee in the same order: the shares stay valid, their epoch moves.
      await this.shares.putAll(held.map((r) => ({ ...r, epoch: toEpoch })));
      return;
    }
    // New members that are not old ones learn of the handover from each old member (they check it on chain).
    if (before.some((m) => m.peerId === self)) {
      const invite = frame(
        { pointer, n, t, fromEpoch: String(fromEpoch), toEpoch: String(toEpoch), layout },
        new Uint8Array(0),
      );
      for (const m of after) {
        if (before.some((b) => b.peerId === m.peerId)) continue;
        void this.exchange(m, HANDOVER_PROTOCOL, invite, async () => new Uint8Array([1])).catch(() => {});
      }
    }
    const seats = (list: StorageMemberInfo[]): SeatInfo[] => list.map((m) => ({ member: m.member, peerId: m.peerId }));
    const fresh = await runDataHandover(this.durability(), {
      pointer,
      n,
      t,
      size: record.size,
      layout,
      fromEpoch,
      toEpoch,
      before: seats(before),
      after: seats(after),
      sizes: Array.from({ length: segments }, (_, i) => segmentElements(record.size, i, layout)),
      held: complete ? held : undefined,
    });
    if (fresh) await this.shares.putAll(fresh);
    else await this.shares.deletePointer(pointer);
    this.options.logger.info(
      { pointer, fromEpoch: String(fromEpoch), toEpoch: String(toEpoch), kept: fresh !== undefined },
      'data handover done',
    );
  }

  private durability() {
    const { membership, streams, keys } = this.options;
    if (!membership || !streams) throw new StorageError('unavailable', 'this node runs no MPC sessions');
    return {
      shares: this.shares,
      membership,
      streams,
      selfPeerId: keys.peerId,
      timeoutMs: this.options.sessionTimeoutMs ?? 60_000,
    };
  }

  private async currentEpoch(): Promise<bigint> {
    try {
      return await this.options.chain.contracts.epochs.read.currentEpoch();
    } catch {
      throw new StorageError('unavailable', 'the chain could not be read');
    }
  }

  /** The current epoch as read at most EPOCH_CACHE_MS ago (a load asks per segment). */
  private recentEpoch(): Promise<bigint> {
    const now = Date.now();
    if (this.epochRead === undefined || now - this.epochRead.at > EPOCH_CACHE_MS) {
      const read = this.currentEpoch();
      read.catch(() => {
        if (this.epochRead?.read === read) this.epochRead = undefined;
      });
      this.epochRead = { at: now, read };
    }
    return this.epochRead.read;
  }

  /** An old member says a pointer is handed over to this node: check it on chain, then take part. */
  private async onHandoverInvite(bytes: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const parsed = handoverInviteSchema.safeParse(unframe(bytes).header);
    if (!parsed.success) throw new StorageError('bad-request', `handover: ${parsed.error.issues[0]?.message}`);
    const { n, t, layout } = parsed.data;
    const pointer = parsed.data.pointer.toLowerCase() as Hex;
    const fromEpoch = BigInt(parsed.data.fromEpoch);
    const toEpoch = BigInt(parsed.data.toEpoch);
    checkParams(n, t);
    const record = await this.record(pointer);
    if (fromEpoch < record.storedAtEpoch || toEpoch <= fromEpoch || toEpoch > (await this.currentEpoch())) {
      throw new StorageError('bad-request', 'the handover epochs are not possible');
    }
    const [before, after] = await Promise.all([
      this.committee(pointer, fromEpoch, n),
      this.committee(pointer, toEpoch, n),
    ]);
    const self = this.options.keys.peerId.toString();
    if (!before.some((m) => m.peerId === peer.toString())) {
      throw new StorageError('not-member', 'the sender is not an old member of the storage committee');
    }
    if (!after.some((m) => m.peerId === self) || before.some((m) => m.peerId === self)) {
      throw new StorageError('not-member', 'this node is not a new member of the storage committee');
    }
    try {
      layoutElements(record.size, layout as DataLayout);
    } catch (error) {
      throw new StorageError('bad-request', (error as Error).message);
    }
    void this.handover(pointer, n, t, layout as DataLayout, fromEpoch, toEpoch, undefined);
    return new Uint8Array([1]);
  }

  /** Which epoch, seat and (n, t) this node holds a pointer in (no share data). */
  private async onHeldQuery(bytes: Uint8Array): Promise<Uint8Array> {
    const parsed = heldQuerySchema.safeParse(unframe(bytes).header);
    if (!parsed.success) throw new StorageError('bad-request', `held: ${parsed.error.issues[0]?.message}`);
    const pointer = parsed.data.pointer.toLowerCase() as Hex;
    const held = await this.heldRecords(pointer);
    if (held === undefined) throw new StorageError('not-stored', 'this node holds no complete share of the data');
    const r = held[0]!;
    return new TextEncoder().encode(
      JSON.stringify({ epoch: String(r.epoch), member: r.member, n: r.n, t: r.t, layout: r.layout }),
    );
  }

  /** This node's records of a pointer when it holds every segment for one epoch; undefined otherwise. */
  private async heldRecords(pointer: Hex): Promise<ShareRecord[] | undefined> {
    let records: ShareRecord[];
    try {
      records = await this.shares.segmentsOf(pointer);
    } catch {
      return undefined;
    }
    const first = records[0];
    if (first === undefined) return undefined;
    const record = await this.record(pointer);
    if (records.length !== segmentCount(record.size, first.layout)) return undefined;
    if (
      records.some(
        (r, i) => r.segment !== i || r.epoch !== first.epoch || r.member !== first.member || r.layout !== first.layout,
      )
    )
      return undefined;
    return records;
  }

  /**
   * Recovers this node's shares of `pointer` from the other members (it lost them): finds the epoch they hold
   * it in, picks t + 1 helpers and runs the recovery session (handover.ts, runRecovery). Returns the seat.
   */
  async recover(pointer: Hex, n: number, t: number): Promise<{ epoch: bigint; member: number; helpers: number[] }> {
    checkParams(n, t);
    pointer = pointer.toLowerCase() as Hex;
    const record = await this.record(pointer);
    const self = this.options.keys.peerId.toString();
    const current = await this.currentEpoch();
    const query = frame({ pointer }, new Uint8Array(0));
    for (const epoch of [...new Set([current, this.heldEpochs.get(pointer), record.storedAtEpoch])]) {
      if (epoch === undefined) continue;
      const members = await this.committee(pointer, epoch, n);
      const seat = members.find((m) => m.peerId === self);
      if (seat === undefined) continue;
      const answers = await Promise.all(
        members
          .filter((m) => m.peerId !== self)
          .map(async (m) => {
            try {
              const reply = await this.exchange(m, HELD_PROTOCOL, query, async () => new Uint8Array(0));
              const held = JSON.parse(new TextDecoder().decode(reply)) as {
                epoch: string;
                member: number;
                n: number;
                t: number;
                layout?: number;
              };
              return held.epoch === String(epoch) && held.member === m.member && held.n === n && held.t === t
                ? { ...m, layout: (held.layout ?? 0) as DataLayout }
                : undefined;
            } catch {
              return undefined;
            }
          }),
      );
      // Helpers must agree on the layout (it fixes the segments' element counts).
      const layout = answers.find((m) => m !== undefined)?.layout ?? DATA_LAYOUTS.packed;
      const holders = answers.filter(
        (m): m is StorageMemberInfo & { layout: DataLayout } => m !== undefined && m.layout === layout,
      );
      if (holders.length < t + 1) continue;
      const helpers = holders.slice(0, t + 1);
      const nonce = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}` as Hex;
      const invite = frame(
        { pointer, n, t, epoch: String(epoch), lost: seat.member, helpers: helpers.map((h) => h.member), nonce },
        new Uint8Array(0),
      );
      const { membership, streams, keys } = this.options;
      if (!membership || !streams) throw new StorageError('unavailable', 'this node runs no MPC sessions');
      const timeoutMs = this.options.sessionTimeoutMs ?? 60_000;
      const transport = membership.openSessionAmong(streams, {
        sessionId: recoverySession(pointer, epoch, seat.member, nonce),
        peers: [...helpers.map((h) => h.peerId), self],
        self: keys.peerId,
        openTimeoutMs: timeoutMs,
      });
      let shares: Uint32Array[] | undefined;
      try {
        let refusal: unknown;
        const invited = Promise.all(
          helpers.map((h) => this.exchange(h, RECOVER_PROTOCOL, invite, async () => new Uint8Array(0))),
        ).catch((error: unknown) => {
          refusal = error;
          transport.close();
        });
        const party = new Party({ transport, t: recoverySessionThreshold(t + 2), timeoutMs });
        try {
          shares = await runRecovery(party, {
            helpers: helpers.map((h) => h.member),
            lost: seat.member,
            sizes: Array.from({ length: segmentCount(record.size, layout) }, (_, i) =>
              segmentElements(record.size, i, layout),
            ),
            held: undefined,
          });
        } catch (error) {
          await invited;
          if (refusal !== undefined) {
            const { kind, error: reason } = describe(refusal);
            throw new StorageError(kind, `a helper refused the recovery: ${reason}`);
          }
          throw new StorageError('unavailable', `the recovery session failed: ${String((error as Error).message)}`);
        }
        await invited;
      } finally {
        transport.close();
      }
      if (!shares) throw new StorageError('unavailable', 'the recovery returned nothing');
      const storedAt = Date.now();
      await this.shares.putAll(
        shares.map((share, segment) => ({
          pointer,
          epoch,
          member: seat.member,
          n,
          t,
          segment,
          size: record.size,
          layout,
          storedAt,
          share,
        })),
      );
      this.options.logger.info({ pointer, epoch: String(epoch), member: seat.member }, 'data shares recovered');
      return { epoch, member: seat.member, helpers: helpers.map((h) => h.member) };
    }
    throw new StorageError('not-stored', 'no epoch has t + 1 members holding the data with this node among them');
  }

  /** A member that lost its shares asks this one to help: check it on chain, then take part in its session. */
  private async onRecoverInvite(bytes: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const parsed = recoverInviteSchema.safeParse(unframe(bytes).header);
    if (!parsed.success) throw new StorageError('bad-request', `recover: ${parsed.error.issues[0]?.message}`);
    const { n, t, lost, helpers, nonce } = parsed.data;
    const pointer = parsed.data.pointer.toLowerCase() as Hex;
    const epoch = BigInt(parsed.data.epoch);
    checkParams(n, t);
    if (helpers.length !== t + 1 || new Set([...helpers, lost]).size !== t + 2) {
      throw new StorageError('bad-request', 'a recovery needs t + 1 distinct helpers other than the lost member');
    }
    const members = await this.committee(pointer, epoch, n);
    if (members[lost - 1]?.peerId !== peer.toString()) {
      throw new StorageError('not-member', `the requester is not member ${lost} of the storage committee`);
    }
    const self = this.options.keys.peerId.toString();
    const mine = helpers.findIndex((h) => members[h - 1]?.peerId === self);
    if (mine < 0) throw new StorageError('not-member', 'this node is not one of the helpers');
    const held = await this.heldRecords(pointer);
    if (
      held === undefined ||
      held[0]!.epoch !== epoch ||
      held[0]!.member !== helpers[mine] ||
      held[0]!.n !== n ||
      held[0]!.t !== t
    ) {
      throw new StorageError('not-stored', 'this node does not hold the data for that committee');
    }
    const { membership, streams, keys } = this.options;
    if (!membership || !streams) throw new StorageError('unavailable', 'this node runs no MPC sessions');
    const timeoutMs = this.options.sessionTimeoutMs ?? 60_000;
    const transport = membership.openSessionAmong(streams, {
      sessionId: recoverySession(pointer, epoch, lost, nonce as Hex),
      peers: [...helpers.map((h) => members[h - 1]!.peerId), members[lost - 1]!.peerId],
      self: keys.peerId,
      openTimeoutMs: timeoutMs,
    });
    // The session runs after the answer (its length depends on the data's size, not the request's time limit).
    void (async () => {
      try {
        const party = new Party({ transport, t: recoverySessionThreshold(t + 2), timeoutMs });
        await runRecovery(party, {
          helpers,
          lost,
          sizes: held.map((r) => vec.size(r.share)),
          held: held.map((r) => r.share),
        });
        this.options.logger.info({ pointer, epoch: String(epoch), lost }, 'helped a member recover its shares');
      } catch (error) {
        this.options.logger.warn(
          { pointer, lost, err: String((error as Error).message ?? error).slice(0, 300) },
          'recovery session failed at this helper',
        );
      } finally {
        transport.close();
      }
    })();
    return new Uint8Array([1]);
  }

  // ----- chain -----

  /**
   * The chain record of a pointer. Owner, type, size and epoch never change once recorded (a pointer cannot be
   * recorded twice), so a record read once is cached; only `paidThroughEpoch` may grow, and access (which
   * depends on it) is always asked of the chain (canAccess).
   */
  async record(pointer: Hex): Promise<DataRecordOnChain> {
    const key = pointer.toLowerCase();
    const cached = this.records.get(key);
    if (cached) return cached;
    const record = await this.readRecord(pointer);
    this.records.set(key, record);
    if (this.records.size > MAX_CACHED) this.records.delete(this.records.keys().next().value as string);
    return record;
  }

  private async readRecord(pointer: Hex): Promise<DataRecordOnChain> {
    let r: { owner: Address; dataType: number; size: bigint; storedAtEpoch: bigint; paidThroughEpoch: bigint };
    try {
      r = (await this.options.chain.contracts.dataRegistry.read.dataOf([pointer])) as typeof r;
    } catch (error) {
      if (String(error).includes('UnknownPointer')) {
        throw new StorageError('not-on-chain', `no data is recorded on chain under pointer ${pointer}`);
      }
      throw new StorageError('unavailable', 'the chain could not be read');
    }
    const size = Number(r.size);
    if (size > MAX_PAYLOAD_BYTES)
      throw new StorageError('bad-request', `recorded size ${size} exceeds this node's limit`);
    return {
      owner: getAddress(r.owner),
      dataType: Number(r.dataType),
      size,
      storedAtEpoch: BigInt(r.storedAtEpoch),
      paidThroughEpoch: BigInt(r.paidThroughEpoch),
    };
  }

  /** The storage committee of `pointer` in `epoch` (fixed once the epoch exists: cached). */
  committee(pointer: Hex, epoch: bigint, n: number): Promise<StorageMemberInfo[]> {
    const key = `${pointer.toLowerCase()}:${epoch}:${n}`;
    let cached = this.committees.get(key);
    if (cached === undefined) {
      cached = this.loadCommittee(pointer, epoch, n);
      cached.catch(() => this.committees.delete(key));
      this.committees.set(key, cached);
      if (this.committees.size > MAX_CACHED) this.committees.delete(this.committees.keys().next().value as string);
    }
    return cached;
  }

  private async loadCommittee(pointer: Hex, epoch: bigint, n: number): Promise<StorageMemberInfo[]> {
    const { contracts } = this.options.chain;
    let operators: readonly Address[];
    try {
      operators = await contracts.epochs.read.committeeOf([pointer, epoch, BigInt(n)]);
    } catch {
      throw new StorageError('bad-request', `epoch ${epoch} has no storage committee of ${n} members`);
    }
    return Promise.all(
      operators.map(async (operator, i) => {
        const [x25519PublicKey, peerIdBytes] = await contracts.nodeRegistry.read.keysOf([operator]);
        return {
          member: i + 1,
          operator: getAddress(operator),
          peerId: peerIdFromBytes(peerIdBytes).toString(),
          x25519PublicKey,
        };
      }),
    );
  }

  // ----- gateway -----

  /** Forwards each member its envelope (member k gets envelopes[k]); one outcome per member given. */
  async forwardStore(
    header: Omit<StoreHeader, 'member'>,
    envelopes: Map<number, Uint8Array>,
  ): Promise<MemberOutcome[]> {
    checkParams(header.n, header.t);
    const record = await this.record(header.pointer as Hex);
    const members = await this.committee(header.pointer as Hex, record.storedAtEpoch, header.n);
    return Promise.all(
      [...envelopes].map(async ([member, envelope]) => {
        const info = members[member - 1];
        if (info === undefined) {
          return {
            member,
            operator: '0x' as Address,
            ok: false,
            kind: 'bad-request' as const,
            error: 'no such member',
          };
        }
        const message = frame({ ...header, member }, envelope);
        try {
          await this.exchange(info, STORE_PROTOCOL, message, (bytes, peer) => this.onStore(bytes, peer));
          return { member, operator: info.operator, ok: true };
        } catch (error) {
          return { member, operator: info.operator, ok: false, ...describe(error) };
        }
      }),
    );
  }

  /** Asks every member of the pointer's committee for its share of a segment. */
  async forwardLoad(
    header: Omit<LoadHeader, 'member' | 'epoch' | 'mode'> & { full?: number[] },
  ): Promise<{ record: DataRecordOnChain; outcomes: MemberOutcome[]; epoch: bigint }> {
    const { request: req } = header;
    checkParams(req.n, req.t);
    const pointer = req.pointer.toLowerCase() as Hex;
    const record = await this.record(pointer);
    // The layout is not on chain (the members hold it): the packed layout has the most segments of any size,
    // so this bounds the segment; each member checks it against its own records.
    if (header.segment >= segmentCount(record.size)) {
      throw new StorageError(
        'bad-request',
        `segment ${header.segment} does not exist (the data has ${segmentCount(record.size)})`,
      );
    }
    // The shares move to each new epoch's committee (handover): ask the epoch this gateway last loaded from,
    // then the current one, then the one the data was stored in, until t + 1 members answer.
    const current = this.options.membership ? await this.recentEpoch().catch(() => undefined) : undefined;
    const epochs = [...new Set([this.heldEpochs.get(pointer), current, record.storedAtEpoch])].filter(
      (e): e is bigint => e !== undefined && e >= record.storedAtEpoch,
    );
    let best: { outcomes: MemberOutcome[]; epoch: bigint } | undefined;
    for (const epoch of epochs) {
      const members = await this.committee(pointer, epoch, req.n);
      const outcomes = await Promise.all(
        members.map(async (info): Promise<MemberOutcome> => {
          const { full, ...rest } = header;
          const mode = full === undefined || full.includes(info.member) ? 'share' : 'digest';
          const message = frame({ ...rest, member: info.member, epoch: String(epoch), mode }, new Uint8Array(0));
          try {
            const answer = await this.exchange(info, LOAD_PROTOCOL, message, (bytes, peer) => this.onLoad(bytes, peer));
            // layout (1 byte) || envelope
            if (answer.length < 1 || answer[0]! > DATA_LAYOUTS.int64) {
              throw new StorageError('unavailable', 'the member answered without a data layout');
            }
            return {
              member: info.member,
              operator: info.operator,
              ok: true,
              envelope: answer.subarray(1),
              layout: answer[0] as DataLayout,
              digest: mode === 'digest',
            };
          } catch (error) {
            return { member: info.member, operator: info.operator, ok: false, ...describe(error) };
          }
        }),
      );
      const answered = outcomes.filter((o) => o.ok).length;
      if (best === undefined || answered > best.outcomes.filter((o) => o.ok).length) best = { outcomes, epoch };
      if (answered >= req.t + 1) {
        this.heldEpochs.set(pointer, epoch);
        if (this.heldEpochs.size > MAX_CACHED) this.heldEpochs.delete(this.heldEpochs.keys().next().value as string);
        break;
      }
      // Only a committee that does not hold the data is worth leaving for another epoch's.
      if (!outcomes.some((o) => o.kind === 'not-stored' || o.kind === 'not-member')) break;
    }
    return { record, ...best! };
  }

  private channelFor(protocol: string): ChannelRequester {
    let channel = this.channels.get(protocol);
    if (!channel) {
      channel = new ChannelRequester({
        host: this.options.host,
        protocol,
        maxResponseBytes: MAX_ENVELOPE_BYTES,
        timeoutMs: this.options.timeoutMs ?? 20_000,
      });
      this.channels.set(protocol, channel);
    }
    return channel;
  }

  private async exchange(
    info: StorageMemberInfo,
    protocol: string,
    message: Uint8Array,
    local: (bytes: Uint8Array, peer: PeerId) => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    if (info.peerId === this.options.keys.peerId.toString()) return local(message, this.options.keys.peerId);
    let peer: PeerId;
    try {
      peer = peerIdFromString(info.peerId);
    } catch {
      throw new StorageError('unavailable', 'the member registered an unusable peer id');
    }
    try {
      return await this.channelFor(protocol).request(peer, message);
    } catch (error) {
      if (error instanceof RemoteError) throw error;
      throw new StorageError(
        'unavailable',
        `member unreachable: ${String((error as Error).message ?? error).slice(0, 120)}`,
      );
    }
  }

  // ----- member -----

  /** A member's share of a segment arrives: check everything, then store it encrypted at rest. */
  async onStore(bytes: Uint8Array, _peer: PeerId): Promise<Uint8Array> {
    const { header: raw, body: envelope } = unframe(bytes);
    const parsed = storeHeaderSchema.safeParse(raw);
    if (!parsed.success) throw new StorageError('bad-request', `store request: ${parsed.error.issues[0]?.message}`);
    const h = parsed.data;
    const pointer = h.pointer.toLowerCase() as Hex;
    checkParams(h.n, h.t);
    checkExpiry(h.expiresAt);
    if (h.shareHashes.length !== h.n) throw new StorageError('bad-request', 'one share hash per member is needed');
    const record = await this.record(pointer);
    const layout = h.layout as DataLayout;
    try {
      layoutElements(record.size, layout);
    } catch (error) {
      throw new StorageError('bad-request', (error as Error).message);
    }
    if (h.segment >= segmentCount(record.size, layout)) {
      throw new StorageError('bad-request', `no segment ${h.segment}`);
    }
    await this.checkMember(pointer, record.storedAtEpoch, h.n, h.member);
    // One signature covers a batch of segments: this segment's share hashes must hash to its entry.
    const at = h.segment - h.firstSegment;
    if (at < 0 || at >= h.segmentHashes.length) {
      throw new StorageError('bad-request', `segment ${h.segment} is not in the signed batch`);
    }
    const hashes = Buffer.concat(h.shareHashes.map((x) => Buffer.from(x.slice(2), 'hex')));
    if (`0x${createHash('sha256').update(hashes).digest('hex')}` !== h.segmentHashes[at]!.toLowerCase()) {
      throw new StorageError('bad-request', "the share hashes do not match the batch's signed segment hash");
    }
    const typed = {
      domain: dataDomain(this.chainId, this.dataRegistry),
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
    const signer = await this.recovered(`${hashTypedData(typed)}:${h.signature}`, () =>
      recoverTypedDataAddress({ ...typed, signature: h.signature as Hex }),
    );
    if (signer !== record.owner) {
      throw new StorageError('bad-signature', `the store request is not signed by the data's owner ${record.owner}`);
    }
    if (`0x${createHash('sha256').update(envelope).digest('hex')}` !== h.shareHashes[h.member - 1]!.toLowerCase()) {
      throw new StorageError('bad-request', 'the share does not match the hash the owner signed');
    }
    const binding = this.binding(pointer, record.storedAtEpoch, h.member, h.segment, h.n, h.t);
    let plain: Uint8Array;
    try {
      plain = await openEnvelope(
        envelope,
        this.options.keys.x25519SecretKey,
        shareContext(binding),
        {
          x25519: nodeX25519,
          aead: nodeAead,
        },
        hexToBytes(this.options.keys.x25519PublicKey),
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
        await this.shares.put({ ...kept, seed: plain, elements: expected });
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
        await this.shares.put({ ...kept, share });
      }
    } finally {
      plain.fill(0);
    }
    this.options.logger.debug({ pointer, segment: h.segment, member: h.member }, 'data share stored');
    return new Uint8Array([1]);
  }

  /** A load request for this member's share of a segment: check everything, answer sealed to the requester. */
  async onLoad(bytes: Uint8Array, _peer: PeerId): Promise<Uint8Array> {
    const { header: raw } = unframe(bytes);
    const parsed = loadHeaderSchema.safeParse(raw);
    if (!parsed.success) throw new StorageError('bad-request', `load request: ${parsed.error.issues[0]?.message}`);
    const { request: r, segment, member } = parsed.data;
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
    const typed = {
      domain: dataDomain(this.chainId, this.dataRegistry),
      types: LOAD_TYPES,
      primaryType: 'LoadData',
      message,
    } as const;
    const requestHash = hashTypedData(typed);
    await this.checkLoad(`${requestHash}:${parsed.data.signature}`, async () => {
      let signer: Address;
      try {
        signer = await recoverTypedDataAddress({ ...typed, signature: parsed.data.signature as Hex });
      } catch {
        throw new StorageError('bad-signature', 'the load request signature is malformed');
      }
      if (signer !== message.requester) {
        throw new StorageError('bad-signature', `the load request is not signed by its requester ${message.requester}`);
      }
      let allowed: boolean;
      try {
        allowed = await this.options.chain.contracts.dataRegistry.read.canAccess([message.requester, pointer]);
      } catch {
        throw new StorageError('unavailable', 'the chain could not be read');
      }
      if (!allowed) {
        throw new StorageError(
          'access-denied',
          `${message.requester} may not use the data at ${pointer} (DataRegistry.canAccess is false)`,
        );
      }
    });
    const record = await this.record(pointer);
    const epoch = BigInt(parsed.data.epoch);
    if (epoch < record.storedAtEpoch) throw new StorageError('bad-request', 'the data did not exist in that epoch');
    await this.checkMember(pointer, epoch, r.n, member);
    let stored: Awaited<ReturnType<ShareStore['get']>>;
    try {
      stored = await this.shares.get(pointer, segment);
    } catch (error) {
      if (error instanceof ShareStoreError) throw new StorageError('corrupted', error.message);
      throw error;
    }
    if (stored === undefined) throw new StorageError('not-stored', `this node holds no share of segment ${segment}`);
    if (stored.epoch !== epoch) {
      throw new StorageError('not-stored', `this node holds the share for epoch ${stored.epoch}, not ${epoch}`);
    }
    if (stored.n !== r.n || stored.t !== r.t || stored.member !== member) {
      throw new StorageError('bad-request', `the share is held for committee (n = ${stored.n}, t = ${stored.t})`);
    }
    // Marked used only once this member can answer: a gateway asking another epoch's committee first does not
    // spend the request.
    const { mode } = parsed.data;
    await this.useNonce(`${requestHash}:${segment}${mode === 'share' ? '' : ':digest'}`, r.expiresAt);
    const binding = this.binding(pointer, epoch, member, segment, r.n, r.t);
    // The answer is the record's layout (one byte: the client needs it to read the elements back) and the envelope.
    const withLayout = (envelope: Uint8Array) => {
      const out = new Uint8Array(1 + envelope.length);
      out[0] = stored.layout;
      out.set(envelope, 1);
      return out;
    };
    if (mode === 'digest') {
      const digest = createHash('sha256').update(shareToBytes(stored.share)).digest();
      return withLayout(
        await sealEnvelope(
          new Uint8Array(digest),
          hexToBytes(message.responseKey),
          digestContext(binding, requestHash),
          {
            x25519: nodeX25519,
            aead: nodeAead,
          },
        ),
      );
    }
    return withLayout(
      await sealEnvelope(
        shareToBytes(stored.share),
        hexToBytes(message.responseKey),
        loadContext(binding, requestHash),
        {
          x25519: nodeX25519,
          aead: nodeAead,
        },
      ),
    );
  }

  /** The signer of (typed-data hash, signature), recovered once; 'bad-signature' when it cannot be. */
  private async recovered(key: string, recover: () => Promise<Address>): Promise<Address> {
    let cached = this.signers.get(key);
    if (cached === undefined) {
      cached = recover().catch(() => {
        throw new StorageError('bad-signature', 'the store request signature is malformed');
      });
      cached.catch(() => this.signers.delete(key));
      this.signers.set(key, cached);
      if (this.signers.size > MAX_CACHED) this.signers.delete(this.signers.keys().next().value as string);
    }
    return cached;
  }

  /** Runs a load request's signature and access checks once per ACCESS_CACHE_MS (a load asks per segment). */
  private async checkLoad(key: string, check: () => Promise<void>): Promise<void> {
    const now = Date.now();
    const cached = this.loads.get(key);
    if (cached && now - cached.at < ACCESS_CACHE_MS) return cached.check;
    const entry = { at: now, check: check() };
    entry.check.catch(() => this.loads.delete(key));
    this.loads.set(key, entry);
    if (this.loads.size > MAX_CACHED) this.loads.delete(this.loads.keys().next().value as string);
    return entry.check;
  }

  private async checkMember(pointer: Hex, epoch: bigint, n: number, member: number): Promise<void> {
    const members = await this.committee(pointer, epoch, n);
    const info = members[member - 1];
    if (info === undefined || info.operator !== getAddress(this.options.keys.operator.address)) {
      throw new StorageError('not-member', `this node is not member ${member} of the storage committee of ${pointer}`);
    }
  }

  /** Marks a (request, segment) used, durably; refuses one seen before. Entries are kept until they expire. */
  private async useNonce(key: string, expiresAt: number): Promise<void> {
    if (this.pendingNonces.has(key) || (await this.nonces.has(key))) {
      throw new StorageError('replayed', 'this load request was already answered (replay)');
    }
    this.pendingNonces.add(key);
    try {
      const value = new Uint8Array(8);
      new DataView(value.buffer).setBigUint64(0, BigInt(expiresAt));
      await this.shares.commits.write((batch) => batch.put(this.nonces, key, value));
    } finally {
      this.pendingNonces.delete(key);
    }
    if (Date.now() - this.prunedAt > 60_000) void this.pruneNonces().catch(() => {});
  }

  private async pruneNonces(): Promise<void> {
    this.prunedAt = Date.now();
    const now = BigInt(Math.floor(Date.now() / 1000));
    for await (const [key, value] of this.nonces.entries()) {
      if (value.length === 8 && new DataView(value.buffer, value.byteOffset).getBigUint64(0) < now) {
        await this.nonces.del(key);
      }
    }
  }

  private binding(pointer: Hex, epoch: bigint, member: number, segment: number, n: number, t: number): ShareBinding {
    return { chainId: this.chainId, dataRegistry: this.dataRegistry, pointer, epoch, member, segment, n, t };
  }
}

function checkParams(n: number, t: number): void {
  try {
    checkCommittee(n, t);
  } catch (error) {
    throw new StorageError('bad-request', (error as Error).message);
  }
}

function checkExpiry(expiresAt: number): void {
  const now = Math.floor(Date.now() / 1000);
  if (expiresAt <= now) throw new StorageError('expired', 'the request has expired');
  if (expiresAt > now + MAX_REQUEST_LIFETIME_S + 60) {
    throw new StorageError('bad-request', `a request may be valid for at most ${MAX_REQUEST_LIFETIME_S} s`);
  }
}

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

/** An error as (kind, message): a member's RemoteError `kind: message`, a local StorageError, or unavailable. */
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

export function describe(error: unknown): { kind: StorageFailure; error: string } {
  if (error instanceof StorageError) return { kind: error.kind, error: error.message };
  if (error instanceof RemoteError) {
    const match = /^([a-z-]+): (.*)$/s.exec(error.message);
    if (match && KINDS.has(match[1]!)) return { kind: match[1] as StorageFailure, error: match[2]! };
    return { kind: 'unavailable', error: error.message.slice(0, 200) };
  }
  return { kind: 'unavailable', error: 'internal error' };
}

/** header length (u32, big-endian) || JSON header || body: the messages of the storage protocols. */
export function frame(header: object, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  out.set(body, 4 + json.length);
  return out;
}

export function unframe(bytes: Uint8Array, maxHeaderBytes = MAX_HEADER_BYTES): { header: unknown; body: Uint8Array } {
  if (bytes.length < 4) throw new StorageError('bad-request', 'truncated message');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (length > maxHeaderBytes || 4 + length > bytes.length) throw new StorageError('bad-request', 'bad header length');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + length)));
  } catch {
    throw new StorageError('bad-request', 'header is not JSON');
  }
  return { header, body: bytes.subarray(4 + length) };
}
