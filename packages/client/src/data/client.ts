// client.data: private data in the network (the ZNP15 storage model, docs/storage.md). store / load / grant / revoke / list.
//
//   store   encode + salt, pointer = SHA-256(payload); DataRegistry.storeData (prepaid); for each segment: Shamir
//           shares (degree t) sealed to each storage member, authorised by the owner's EIP-712 signature, sent to
//           one node (mosaic_storeData), which forwards each envelope to its member over libp2p
//   load    a signed LoadData request (requester, fresh X25519 response key, nonce, expiry) goes to one node
//           (mosaic_loadData, per segment), which asks every member; each checks the signature, the nonce and
//           DataRegistry.canAccess, and answers with its share sealed to the response key; the client reconstructs
//           with the consistency check (a wrong share names its member) and checks SHA-256(payload) = pointer
//   grant / revoke   the compound identity (owner, service) with its own X25519 key pair, registered once on
//           chain; Taccess = setAccess(service, mask of data types)
//   list    the owner's records, from DataStored events and dataOf
import { dataRegistryAbi, epochsAbi, type MosaicAddresses, mosaicTokenAbi, nodeRegistryAbi } from '@mosaic/contracts';
import { interpolationMatrix, vec } from '@mosaic/mpc';
import {
  checkCommittee,
  DATA_LAYOUTS,
  type DataLayout,
  type DataValue,
  DEFAULT_STORAGE_COMMITTEE,
  dataDomain,
  decodePayload,
  digestContext,
  type EnvelopeCrypto,
  encodePayload,
  equalBytes,
  FormatError,
  fromBase64,
  hexToBytes,
  LOAD_TYPES,
  type LoadRequest,
  layoutElements,
  layoutOf,
  loadContext,
  MAX_STORE_BATCH,
  openEnvelope,
  payloadSegmentElements,
  placeSegmentElements,
  publicKeyToHex,
  rpc,
  type ShareBinding,
  STORE_TYPES,
  sealEnvelope,
  segmentCount,
  segmentElements,
  segmentHashAsync,
  sha256Async,
  shareContext,
  shareFromBytes,
  shareHashAsync,
  shareSeeded,
  shareToBytes,
  toHex32,
  type X25519KeyPair,
} from '@mosaic/protocol';
import { type Address, getAddress, type Hex, hashTypedData, parseAbiItem } from 'viem';
import type { z } from 'zod';
import { MosaicClientError, NodeRpcError } from '../errors.js';
import type { NodeConnection } from '../rpc/connection.js';
import { parseAnswer } from '../rpc/wire.js';
import { type Ledger, sendTransaction } from '../sdk/ledger.js';
import { dataPointer } from './pointer.js';
import { type MemberShare, reconstructSegment, type SegmentReconstruction } from './reconstruct.js';

export interface StorageMember {
  member: number;
  operator: Address;
  x25519PublicKey: Uint8Array;
}

export interface DataRecord {
  pointer: Hex;
  owner: Address;
  dataType: number;
  /** Payload bytes (the data plus an 18-byte header). */
  size: bigint;
  storedAtEpoch: bigint;
  paidThroughEpoch: bigint;
}

export interface StoreOptions {
  /** The application's data type number, 0..255 (what grants refer to). */
  dataType: number;
  /** Epochs of storage to prepay (default 10). */
  epochs?: bigint;
  /** Storage committee (default n = 5, t = 2); loads must use the same. */
  n?: number;
  t?: number;
  /** Deposit the storage fee to DataRegistry when the balance is short (approve + deposit). Default true. */
  autoDeposit?: boolean;
  /** Segments in flight at once (default 4). */
  concurrency?: number;
  /**
   * The most the store may cost (MOS smallest units); default: the fee at the rate read just before. The
   * transaction reverts rather than pay more if the fee is raised meanwhile.
   */
  maxFee?: bigint;
}

export interface StoreResult {
  pointer: Hex;
  size: number;
  dataType: number;
  epoch: bigint;
  n: number;
  t: number;
  segments: number;
  members: { member: number; operator: Address }[];
  transactionHash: Hex;
}

export interface LoadOptions {
  n?: number;
  t?: number;
  concurrency?: number;
  /** Request lifetime in seconds (default 600). */
  lifetimeSeconds?: number;
}

export interface MemberNote {
  member: number;
  operator: Address;
  reason: string;
}

export interface LoadResult {
  pointer: Hex;
  data: DataValue;
  record: DataRecord;
  /** The epoch whose storage committee answered (the shares move to each new epoch's committee). */
  epoch: bigint;
  /** Members whose shares were used for every segment. */
  answered: number[];
  /** Members that did not answer (offline, refused, unreadable), with the first reason seen. */
  missing: MemberNote[];
  /** Members whose share was wrong (failed the consistency check): a tampering or faulty node. */
  wrong: MemberNote[];
}

export interface CompoundIdentity {
  owner: Address;
  service: Address;
  /** The identity's public key (on chain). */
  identityKey: Hex;
  /** The data types the service may use. */
  dataTypes: number[];
  /** Present when this call created the identity: keep (and hand to the service) its secret key. */
  keyPair?: X25519KeyPair;
}

const DEFAULT_EPOCHS = 10n;
const DEFAULT_LIFETIME_S = 600;

export class DataClient {
  constructor(
    private readonly ledger: Ledger,
    private readonly node: NodeConnection,
    private readonly chainId: bigint,
    private readonly crypto: EnvelopeCrypto,
  ) {}

  private get addresses(): MosaicAddresses {
    return this.ledger.addresses;
  }

  private get wallet() {
    const wallet = this.ledger.walletClient;
    if (!wallet) throw new MosaicClientError('this operation signs or sends a transaction: connect with an account');
    return wallet;
  }

  /** Stores data: the on-chain record (prepaid), then every member's share of every segment. */
  async store(data: DataValue | Uint8Array, options: StoreOptions): Promise<StoreResult> {
    const value: DataValue = data instanceof Uint8Array ? { encoding: 'bytes', value: data } : data;
    const { n, t } = committeeParams(options);
    const dataType = options.dataType;
    if (!Number.isInteger(dataType) || dataType < 0 || dataType > 255) {
      throw new MosaicClientError('dataType must be an integer in [0, 255]');
    }
    const epochs = options.epochs ?? DEFAULT_EPOCHS;
    if (typeof epochs !== 'bigint' || epochs < 1n || epochs >= 1n << 64n) {
      throw new MosaicClientError('epochs must be a bigint in [1, 2^64)');
    }
    const payload = encodePayload(value);
    const size = payload.length;
    const wallet = this.wallet;
    const contentHash = toHex32(await sha256Async(payload));
    const pointer = dataPointer(wallet.account.address, contentHash);
    // The committee must exist before anything is paid (committeeOf reverts when n exceeds the staked nodes).
    const currentEpoch = await this.read<bigint>(this.addresses.epochs, epochsAbi, 'currentEpoch', []);
    const [current, cost, balance] = await Promise.all([
      this.committee(pointer, currentEpoch, n),
      this.read<bigint>(this.addresses.dataRegistry, dataRegistryAbi, 'storageCost', [BigInt(size), epochs]),
      this.read<bigint>(this.addresses.dataRegistry, dataRegistryAbi, 'balanceOf', [wallet.account.address]),
    ]);
    const maxFee = options.maxFee ?? cost;
    if (typeof maxFee !== 'bigint' || maxFee < 0n) throw new MosaicClientError('maxFee must be a non-negative bigint');
    if (cost > maxFee) throw new MosaicClientError(`storage costs ${cost}, more than maxFee ${maxFee}`);
    if (balance < cost) {
      if (options.autoDeposit === false) {
        throw new MosaicClientError(`storage costs ${cost}, the DataRegistry balance is ${balance}: deposit first`);
      }
      await this.deposit(cost - balance);
    }
    const receipt = await sendTransaction(this.ledger, this.addresses.dataRegistry, dataRegistryAbi, 'storeData', [
      contentHash,
      dataType,
      BigInt(size),
      epochs,
      maxFee,
    ]);
    const record = await this.record(pointer);
    // Usually recorded in the epoch just read: its committee is already known.
    const members =
      record.storedAtEpoch === currentEpoch ? current : await this.committee(pointer, record.storedAtEpoch, n);
    // int64 data is laid out one element per value, so that secret contracts can compute on it (format.ts).
    const layout = layoutOf(payload);
    const segments = segmentCount(size, layout);
    const expiresAt = BigInt(Math.floor(Date.now() / 1000) + DEFAULT_LIFETIME_S);
    // Segments go in batches, one owner signature per batch (STORE_TYPES); two batches in flight, so the next
    // one is shared and sealed while the members store the previous one.
    const concurrency = Math.max(1, options.concurrency ?? 4);
    const batchSize = Math.min(MAX_STORE_BATCH, Math.ceil(concurrency / 2));
    const batches = Math.ceil(segments / batchSize);
    await pool(batches, Math.ceil(concurrency / batchSize), async (b) => {
      const firstSegment = b * batchSize;
      const prepared: { segment: number; envelopes: Uint8Array[]; shareHashes: Hex[] }[] = [];
      for (let segment = firstSegment; segment < Math.min(segments, firstSegment + batchSize); segment++) {
        // Members 1..t get a seed their share expands from, the others their share (format.ts, shareSeeded).
        // The runtime's AEAD computes the seeds' keystream faster than @noble's stream cipher unless it is @noble.
        const aead = this.crypto.aead.name === 'noble' ? undefined : this.crypto.aead;
        const { seeds, shares } = shareSeeded(payloadSegmentElements(payload, segment, layout), n, t, aead);
        const envelopes = await Promise.all(
          members.map((m, i) =>
            sealEnvelope(
              i < t ? seeds[i]! : shareToBytes(shares[i]!),
              m.x25519PublicKey,
              shareContext(this.binding(pointer, record.storedAtEpoch, m.member, segment, n, t)),
              this.crypto,
            ),
          ),
        );
        for (const seed of seeds) seed.fill(0);
        prepared.push({ segment, envelopes, shareHashes: await Promise.all(envelopes.map(shareHashAsync)) });
        // Sharing and sealing are synchronous work: let the requests already under way move between segments.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const segmentHashes = await Promise.all(prepared.map((p) => segmentHashAsync(p.shareHashes)));
      const signature = await wallet.signTypedData({
        account: wallet.account,
        domain: dataDomain(this.chainId, this.addresses.dataRegistry),
        types: STORE_TYPES,
        primaryType: 'StoreShares',
        message: { pointer, n, t, layout, firstSegment, segmentHashes, expiresAt },
      });
      await Promise.all(
        prepared.map(async ({ segment, envelopes, shareHashes }) => {
          // One call per full share (about 500 KB, as a raw attachment; a node takes 1 MiB per request by
          // default), all in parallel, the seeds of members 1..t riding with the first; the gateway forwards each
          // envelope to its member.
          const groups = envelopes.slice(t).map((e, i) => [{ member: t + 1 + i, envelope: e }]);
          groups[0]!.unshift(...envelopes.slice(0, t).map((e, i) => ({ member: i + 1, envelope: e })));
          const answers = await Promise.all(
            groups.map(async (shares) => {
              const params: z.input<typeof rpc.storeData.params> = {
                pointer,
                n,
                t,
                layout,
                segment,
                firstSegment,
                segmentHashes,
                expiresAt: Number(expiresAt),
                shareHashes,
                signature,
                shares,
              };
              const answer = await this.node.requestBinary(rpc.storeData.name, params);
              return parseAnswer(rpc.storeData.result, answer, `${rpc.storeData.name} answer`);
            }),
          );
          const stored = answers.flatMap((a) => a.stored);
          const failed = stored.filter((s) => s.ok !== true);
          if (stored.length !== n || failed.length > 0) {
            throw new MosaicClientError(
              `segment ${segment} of ${pointer} was not stored by every member: ${failed
                .map((f) => `member ${f.member}: ${String(f.error).slice(0, 200)}`)
                .join('; ')}`,
            );
          }
        }),
      );
    });
    return {
      pointer,
      size,
      dataType,
      epoch: record.storedAtEpoch,
      n,
      t,
      segments,
      members: members.map((m) => ({ member: m.member, operator: m.operator })),
      transactionHash: receipt.transactionHash,
    };
  }

  /** Loads data as its owner or as a service it was granted to; needs t + 1 answering members. */
  async load(pointer: Hex, options: LoadOptions = {}): Promise<LoadResult> {
    checkPointer(pointer);
    const { n, t } = committeeParams(options);
    const wallet = this.wallet;
    const record = await this.record(pointer);
    let heldEpoch = record.storedAtEpoch;
    let members = await this.committee(pointer, heldEpoch, n);
    const responseKeys = await this.crypto.x25519.generateKeyPair();
    const nonce = new Uint8Array(32);
    crypto.getRandomValues(nonce);
    const request: LoadRequest = {
      pointer,
      requester: wallet.account.address,
      responseKey: publicKeyToHex(responseKeys.publicKey),
      nonce: toHex32(nonce),
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + (options.lifetimeSeconds ?? DEFAULT_LIFETIME_S)),
      n,
      t,
    };
    const typed = {
      domain: dataDomain(this.chainId, this.addresses.dataRegistry),
      types: LOAD_TYPES,
      primaryType: 'LoadData',
      message: request,
    } as const;
    const signature = await wallet.signTypedData({ account: wallet.account, ...typed });
    const requestHash = hashTypedData(typed);
    const size = Number(record.size);
    // The layout is not on chain: the members answer it with their shares (a wrong one fails the pointer check).
    let layout: DataLayout | undefined;
    const payload = new Uint8Array(size);
    const missing = new Map<number, string>();
    const wrong = new Set<number>();
    const used = new Set<number>(members.map((m) => m.member));
    const ambiguous = new Map<number, SegmentReconstruction[]>();
    const place = (segment: number, elements: Uint32Array) => {
      placeSegmentElements(payload, segment, layout!, elements);
    };
    const loadSegment = async (segment: number) => {
      {
        let elements = layout === undefined ? -1 : segmentElements(size, segment, layout);
        const shares: MemberShare[] = [];
        const digests = new Map<number, Uint8Array>();
        let epoch = heldEpoch;
        // Asks for the shares of `full` (the others answer with a sealed digest of theirs); records what came.
        const ask = async (full: number[]) => {
          const params: z.input<typeof rpc.loadData.params> = {
            request: { ...request, expiresAt: Number(request.expiresAt) },
            signature,
            segment,
            full,
          };
          const answer = parseAnswer(
            rpc.loadData.result,
            await this.node.requestBinary(rpc.loadData.name, params),
            `${rpc.loadData.name} answer`,
          );
          const given = answer.layout;
          if (layout === undefined) {
            layoutElements(size, given);
            layout = given;
          } else if (given !== layout) {
            throw new FormatError(`segment ${segment} is held in layout ${given}, another in ${layout}`);
          }
          elements = segmentElements(size, segment, layout);
          // The committee that answered: the shares move to each new epoch's committee (docs/storage.md).
          epoch = answeringEpoch(answer.epoch, record.storedAtEpoch);
          if (epoch !== heldEpoch) {
            members = await this.committee(pointer, epoch, n);
            heldEpoch = epoch;
          }
          for (const m of members) {
            if (shares.some((s) => s.member === m.member)) continue;
            const a = answer.answers.find((x) => x.member === m.member);
            if (!a || !('envelope' in a)) {
              const reason = a && 'error' in a ? a.error : 'no answer';
              if (!missing.has(m.member)) missing.set(m.member, reason.slice(0, 300));
              continue;
            }
            const digest = !full.includes(m.member);
            try {
              const binding = this.binding(pointer, epoch, m.member, segment, n, t);
              const plain = await openEnvelope(
                typeof a.envelope === 'string' ? fromBase64(a.envelope, `member ${m.member}'s share`) : a.envelope,
                responseKeys.secretKey,
                digest ? digestContext(binding, requestHash) : loadContext(binding, requestHash),
                this.crypto,
                responseKeys.publicKey,
              );
              if (digest) {
                if (plain.length !== 32) throw new FormatError('a share digest is 32 bytes');
                digests.set(m.member, plain);
                continue;
              }
              const vector = shareFromBytes(plain, `member ${m.member}'s share`);
              if (vec.size(vector) !== elements) throw new FormatError(`share has ${vec.size(vector)} elements`);
              shares.push({ member: m.member, share: vector });
              digests.delete(m.member);
            } catch (error) {
              if (!missing.has(m.member)) missing.set(m.member, `unusable share: ${(error as Error).message}`);
            }
          }
        };
        // First t + 1 shares (skipping members already known to be out) and digests from the others; when a
        // digest disagrees with the polynomial of those shares, or too few shares came, every share is asked.
        const first = members
          .map((m) => m.member)
          .filter((k) => !missing.has(k) && !wrong.has(k))
          .slice(0, t + 1);
        await ask(first.length === t + 1 ? first : members.map((m) => m.member));
        if (shares.length === t + 1 && (await this.digestsAgree(shares, digests))) {
          for (const m of members) {
            if (!digests.has(m.member) && !shares.some((s) => s.member === m.member)) used.delete(m.member);
          }
          place(segment, reconstructSegment(shares, t)[0]!.elements);
          return;
        }
        if (shares.length < members.length) {
          await ask(members.map((m) => m.member).filter((k) => !shares.some((s) => s.member === k)));
        }
        for (const m of members) if (!shares.some((s) => s.member === m.member)) used.delete(m.member);
        if (shares.length < t + 1) {
          throw new MosaicClientError(
            `segment ${segment}: only ${shares.length} of ${n} storage members answered, ${t + 1} are needed (${[
              ...missing,
            ]
              .map(([member, reason]) => `member ${member}: ${reason}`)
              .join('; ')})`,
          );
        }
        const candidates = reconstructSegment(shares, t);
        if (candidates.length > 1) {
          ambiguous.set(segment, candidates);
          return;
        }
        for (const member of candidates[0]!.wrong) {
          wrong.add(member);
          used.delete(member);
        }
        place(segment, candidates[0]!.elements);
      }
    };
    // The answers tell the layout. The packed layout has the fewest segments of a size: those go at once, and
    // int64 data (one element per 8 bytes) then has its remaining segments loaded.
    const first = segmentCount(size, DATA_LAYOUTS.packed);
    try {
      await pool(first, options.concurrency ?? 4, loadSegment);
      const segments = segmentCount(size, layout!);
      await pool(segments - first, options.concurrency ?? 4, (i) => loadSegment(first + i));
    } finally {
      responseKeys.secretKey.fill(0);
    }
    const operatorOf = (member: number) => members[member - 1]!.operator;
    const expected = hexToBytes(pointer, 'pointer', 32);
    const matches = async () =>
      equalBytes(hexToBytes(dataPointer(record.owner, toHex32(await sha256Async(payload))), 'pointer', 32), expected);
    if (ambiguous.size > 0) {
      // The same members are wrong in every segment they tampered with: try each hypothesis, keep the one whose
      // payload hashes to the pointer.
      const hypotheses = new Set([...ambiguous.values()].flatMap((c) => c.map((x) => x.wrong.join(','))));
      let settled = false;
      for (const hypothesis of hypotheses) {
        const chosen = [...ambiguous].map(
          ([segment, c]) => [segment, c.find((x) => x.wrong.join(',') === hypothesis)] as const,
        );
        if (chosen.some(([, c]) => c === undefined)) continue;
        try {
          for (const [segment, c] of chosen) place(segment, c!.elements);
        } catch {
          continue; // an element above 120 bits: not the data
        }
        if (await matches()) {
          for (const member of chosen[0]![1]!.wrong) {
            wrong.add(member);
            used.delete(member);
          }
          settled = true;
          break;
        }
      }
      if (!settled) {
        throw new MosaicClientError(
          `the shares of ${pointer} are inconsistent and no choice of members reproduces the pointer: too many wrong shares`,
        );
      }
    }
    if (!(await matches())) {
      throw new MosaicClientError(
        `the reconstructed data does not hash to its pointer ${pointer}: a share was wrong and could not be identified (${
          used.size
        } members answered; ${[...wrong].map((m) => `member ${m} disagreed`).join(', ') || 'none disagreed'})`,
      );
    }
    return {
      pointer,
      data: decodePayload(payload),
      record,
      epoch: heldEpoch,
      answered: [...used].sort((a, b) => a - b),
      missing: [...missing]
        .filter(([member]) => !wrong.has(member))
        .map(([member, reason]) => ({ member, operator: operatorOf(member), reason })),
      wrong: [...wrong]
        .sort((a, b) => a - b)
        .map((member) => ({
          member,
          operator: operatorOf(member),
          reason: 'its share is not on the polynomial of the others (tampered or corrupted)',
        })),
    };
  }

  /**
   * Grants `service` the data types (added to what it has): registers the compound identity (owner, service)
   * first when needed, with a fresh X25519 key pair (returned once: keep it).
   */
  async grant(service: Address, dataTypes: readonly number[]): Promise<CompoundIdentity> {
    const mask = maskOf(dataTypes);
    const owner = this.wallet.account.address;
    let identity = await this.identity(owner, service);
    let keyPair: X25519KeyPair | undefined;
    if (/^0x0{64}$/.test(identity.identityKey)) {
      keyPair = await this.crypto.x25519.generateKeyPair();
      await sendTransaction(this.ledger, this.addresses.dataRegistry, dataRegistryAbi, 'registerIdentity', [
        getAddress(service),
        publicKeyToHex(keyPair.publicKey),
      ]);
      identity = await this.identity(owner, service);
    }
    const next = maskFromTypes(identity.dataTypes) | mask;
    await sendTransaction(this.ledger, this.addresses.dataRegistry, dataRegistryAbi, 'setAccess', [
      getAddress(service),
      next,
    ]);
    return { ...(await this.identity(owner, service)), ...(keyPair ? { keyPair } : {}) };
  }

  /** Revokes the data types from `service` (all of them when none are given): Taccess set again without them. */
  async revoke(service: Address, dataTypes?: readonly number[]): Promise<CompoundIdentity> {
    const owner = this.wallet.account.address;
    const identity = await this.identity(owner, service);
    if (/^0x0{64}$/.test(identity.identityKey)) {
      throw new MosaicClientError(`no compound identity (${owner}, ${service}) is registered: nothing to revoke`);
    }
    const next = dataTypes === undefined ? 0n : maskFromTypes(identity.dataTypes) & ~maskOf(dataTypes);
    await sendTransaction(this.ledger, this.addresses.dataRegistry, dataRegistryAbi, 'setAccess', [
      getAddress(service),
      next,
    ]);
    return this.identity(owner, service);
  }

  /** The compound identity (owner, service) as the chain has it (identityKey zero: not registered). */
  async identity(owner: Address, service: Address): Promise<CompoundIdentity> {
    const [identityKey, mask] = await this.read<readonly [Hex, bigint]>(
      this.addresses.dataRegistry,
      dataRegistryAbi,
      'identityOf',
      [getAddress(owner), getAddress(service)],
    );
    return { owner: getAddress(owner), service: getAddress(service), identityKey, dataTypes: typesOf(mask) };
  }

  /** The records stored by `owner` (default: the connected account), oldest first. */
  async list(owner?: Address): Promise<DataRecord[]> {
    const who = owner ?? this.wallet.account.address;
    const logs = await this.ledger.publicClient.getLogs({
      address: this.addresses.dataRegistry,
      event: parseAbiItem(
        'event DataStored(bytes32 indexed pointer, address indexed owner, uint8 dataType, uint64 size, uint256 paidThroughEpoch, uint256 fee)',
      ),
      args: { owner: getAddress(who) },
      fromBlock: 0n,
      toBlock: 'latest',
    });
    return Promise.all(logs.map((log) => this.record(log.args.pointer as Hex)));
  }

  /** The on-chain record of a pointer; MosaicClientError when there is none. */
  async record(pointer: Hex): Promise<DataRecord> {
    checkPointer(pointer);
    let r: { owner: Address; dataType: number; size: bigint; storedAtEpoch: bigint; paidThroughEpoch: bigint };
    try {
      r = await this.read(this.addresses.dataRegistry, dataRegistryAbi, 'dataOf', [pointer]);
    } catch (cause) {
      throw new MosaicClientError(`no data is recorded on chain under pointer ${pointer}`, { cause });
    }
    return {
      pointer,
      owner: getAddress(r.owner),
      dataType: Number(r.dataType),
      size: BigInt(r.size),
      storedAtEpoch: BigInt(r.storedAtEpoch),
      paidThroughEpoch: BigInt(r.paidThroughEpoch),
    };
  }

  /** The storage committee of a pointer in an epoch: Epochs.committeeOf(pointer, epoch, n), with each X25519 key. */
  async committee(pointer: Hex, epoch: bigint, n: number): Promise<StorageMember[]> {
    let operators: readonly Address[];
    try {
      operators = await this.read(this.addresses.epochs, epochsAbi, 'committeeOf', [pointer, epoch, BigInt(n)]);
    } catch (cause) {
      throw new MosaicClientError(`no storage committee of ${n} members in epoch ${epoch} (too few staked nodes?)`, {
        cause,
      });
    }
    return Promise.all(
      operators.map(async (operator, i) => {
        const [key] = await this.read<readonly [Hex, Hex]>(this.addresses.nodeRegistry, nodeRegistryAbi, 'keysOf', [
          operator,
        ]);
        const x25519PublicKey = hexToBytes(key, 'x25519PublicKey', 32);
        if (x25519PublicKey.every((b) => b === 0)) {
          throw new MosaicClientError(`storage member ${i + 1} (${operator}) has no X25519 key`);
        }
        return { member: i + 1, operator: getAddress(operator), x25519PublicKey };
      }),
    );
  }

  /** Prepays storage fees: MOS approve (when needed) + DataRegistry.deposit. */
  async deposit(amount: bigint): Promise<void> {
    if (typeof amount !== 'bigint' || amount <= 0n) throw new MosaicClientError('deposit must be a positive bigint');
    const owner = this.wallet.account.address;
    const allowance = await this.read<bigint>(this.addresses.token, mosaicTokenAbi, 'allowance', [
      owner,
      this.addresses.dataRegistry,
    ]);
    if (allowance < amount) {
      await sendTransaction(this.ledger, this.addresses.token, mosaicTokenAbi, 'approve', [
        this.addresses.dataRegistry,
        amount,
      ]);
    }
    await sendTransaction(this.ledger, this.addresses.dataRegistry, dataRegistryAbi, 'deposit', [amount]);
  }

  /** Whether each digest is SHA-256 of the share the polynomial of `shares` (t + 1 of them) gives its member. */
  private async digestsAgree(shares: MemberShare[], digests: Map<number, Uint8Array>): Promise<boolean> {
    if (digests.size === 0) return true;
    const others = [...digests.keys()];
    const expected = vec.matrixApply(
      interpolationMatrix(
        shares.map((s) => s.member),
        others,
      ),
      shares.map((s) => s.share),
    );
    for (const [i, member] of others.entries()) {
      const digest = await sha256Async(shareToBytes(expected[i]!));
      if (!equalBytes(digest, digests.get(member)!)) return false;
    }
    return true;
  }

  private binding(pointer: Hex, epoch: bigint, member: number, segment: number, n: number, t: number): ShareBinding {
    return { chainId: this.chainId, dataRegistry: this.addresses.dataRegistry, pointer, epoch, member, segment, n, t };
  }

  private read<T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]) {
    return this.ledger.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>;
  }
}

/** The epoch of the committee that answered a load: a uint64, not before the data was stored. */
function answeringEpoch(epoch: bigint, floor: bigint): bigint {
  if (epoch >= 1n << 64n) throw new NodeRpcError('mosaic_loadData: answer without a valid `epoch`');
  if (epoch < floor) throw new NodeRpcError('mosaic_loadData: the answering committee predates the data');
  return epoch;
}

function committeeParams(options: { n?: number; t?: number }): { n: number; t: number } {
  const n = options.n ?? DEFAULT_STORAGE_COMMITTEE.n;
  const t = options.t ?? (options.n === undefined ? DEFAULT_STORAGE_COMMITTEE.t : Math.floor((n - 1) / 2));
  try {
    checkCommittee(n, t);
  } catch (error) {
    throw new MosaicClientError((error as Error).message);
  }
  return { n, t };
}

function checkPointer(pointer: unknown): asserts pointer is Hex {
  if (typeof pointer !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(pointer) || /^0x0{64}$/.test(pointer)) {
    throw new MosaicClientError('pointer must be a nonzero 32-byte 0x-hex value');
  }
}

function maskOf(dataTypes: readonly number[]): bigint {
  if (!Array.isArray(dataTypes)) throw new MosaicClientError('dataTypes must be an array of integers in [0, 255]');
  let mask = 0n;
  for (const type of dataTypes) {
    if (!Number.isInteger(type) || type < 0 || type > 255) {
      throw new MosaicClientError(`data type ${String(type)} is not an integer in [0, 255]`);
    }
    mask |= 1n << BigInt(type);
  }
  return mask;
}

function maskFromTypes(types: readonly number[]): bigint {
  return maskOf(types);
}

function typesOf(mask: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 256; i++) if ((mask >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/** Runs task(0..count-1) with at most `limit` in flight; the first failure stops new tasks and is thrown. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
  if (failure !== undefined) throw failure;
}
