/**
 * Committee membership from the ledger. The committee of secret contract `id` in `epoch` is
 * `Epochs.committeeOf(bytes32(id), epoch, n)` (n from SecretContracts); member k (1-based, the Shamir point)
 * is the k-th address drawn, and its libp2p peer id is the one it registered (`NodeRegistry.keysOf`).
 *
 * An epoch's committee never changes once the epoch exists (seed and snapshot are fixed), and a node's keys
 * never change once registered, so committees are cached per (contract, epoch).
 *
 * MPC sessions: `openSession` binds a session id to (contract, epoch) and opens it on `MpcStreams` with the
 * committee's peer ids; `isMember` (the MpcStreams hook) accepts a peer for party k of a session only if the
 * session is bound here and the peer is the registered peer id of member k. A session id not bound here is
 * refused: its membership cannot be known.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id';
import type { MosaicContracts } from '@mosaic/contracts';
import type { Transport } from '@mosaic/mpc';
import * as Digest from 'multiformats/hashes/digest';
import { type Address, getAddress, type Hex, hexToBytes, keccak256, numberToHex, toHex } from 'viem';
import type { IsMember, MpcStreams } from '../sessions/libp2p-transport.js';
import { sessionKey } from '../sessions/libp2p-transport.js';

export interface CommitteeMember {
  /** 1-based party index (Shamir point). */
  index: number;
  operator: Address;
  peerId: string;
  x25519PublicKey: Hex;
}

export interface Committee {
  contractId: bigint;
  epoch: bigint;
  n: number;
  t: number;
  members: CommitteeMember[];
}

export class MembershipError extends Error {
  override name = 'MembershipError';
}

export interface CommitteeSessionOptions {
  contractId: bigint;
  epoch: bigint;
  /** 32 bytes; `sessionIdFor` derives one from a label (e.g. a task id). */
  sessionId: Uint8Array;
  /** This node's peer id (to find its party index). */
  self: PeerId;
  openTimeoutMs?: number;
}

export interface CommitteeSession {
  transport: Transport;
  committee: Committee;
  /** This node's party index. */
  self: number;
}

const MAX_CACHED = 512;

/** Who may be party k of a bound session: the committee of (contract, epoch), or an explicit peer list. */
type SessionBinding = { contractId: bigint; epoch: bigint } | { peers: readonly string[] };

export interface PeerSessionOptions {
  sessionId: Uint8Array;
  /** Party k is peers[k - 1] (peer id strings, all distinct). */
  peers: readonly string[];
  self: PeerId;
  openTimeoutMs?: number;
}

export class ChainMembership {
  private readonly committees = new Map<string, Promise<Committee>>();
  private readonly sessions = new Map<string, SessionBinding>();

  constructor(private readonly contracts: MosaicContracts) {}

  /** The committee of secret contract `contractId` in `epoch`, with each member's registered keys. */
  committee(contractId: bigint, epoch: bigint): Promise<Committee> {
    if (contractId < 1n || epoch < 0n) return Promise.reject(new MembershipError('contract id and epoch out of range'));
    const key = `${contractId}:${epoch}`;
    let cached = this.committees.get(key);
    if (cached === undefined) {
      cached = this.load(contractId, epoch);
      // A failed read (chain unreachable, unknown epoch) must not stay cached.
      cached.catch(() => this.committees.delete(key));
      this.committees.set(key, cached);
      if (this.committees.size > MAX_CACHED) this.committees.delete(this.committees.keys().next().value as string);
    }
    return cached;
  }

  /** The MpcStreams hook: is `peer` party `party` of the (bound) session `sessionId`? */
  readonly isMember: IsMember = async (sessionId, party, peer) => {
    const binding = this.sessions.get(sessionKey(sessionId));
    if (binding === undefined) return false;
    if ('peers' in binding) return binding.peers[party - 1] === peer.toString();
    const committee = await this.committee(binding.contractId, binding.epoch);
    const member = committee.members[party - 1];
    return member !== undefined && member.peerId === peer.toString();
  };

  /** Binds a session id to a committee, so that `isMember` can check its peers. */
  bind(sessionId: Uint8Array, contractId: bigint, epoch: bigint): void {
    this.sessions.set(sessionKey(sessionId), { contractId, epoch });
  }

  unbind(sessionId: Uint8Array): void {
    this.sessions.delete(sessionKey(sessionId));
  }

  /** Opens this node's side of an MPC session among the on-chain committee of (contractId, epoch). */
  async openSession(streams: MpcStreams, options: CommitteeSessionOptions): Promise<CommitteeSession> {
    const committee = await this.committee(options.contractId, options.epoch);
    const self = committee.members.find((m) => m.peerId === options.self.toString());
    if (self === undefined) {
      throw new MembershipError(
        `this node is not in the committee of contract ${options.contractId} in epoch ${options.epoch}`,
      );
    }
    const transport = this.open(
      streams,
      options,
      { contractId: options.contractId, epoch: options.epoch },
      self.index,
      committee.members.map((m) => m.peerId),
    );
    return { transport, committee, self: self.index };
  }

  /** Opens this node's side of a session among an explicit list of peers (e.g. two committees at a handover). */
  openSessionAmong(streams: MpcStreams, options: PeerSessionOptions): Transport {
    const self = options.peers.indexOf(options.self.toString()) + 1;
    if (self === 0) throw new MembershipError('this node is not one of the session peers');
    if (new Set(options.peers).size !== options.peers.length) throw new MembershipError('session peers repeat');
    return this.open(streams, options, { peers: [...options.peers] }, self, options.peers);
  }

  private open(
    streams: MpcStreams,
    options: { sessionId: Uint8Array; openTimeoutMs?: number },
    binding: SessionBinding,
    self: number,
    peers: readonly string[],
  ): Transport {
    const sessionId = options.sessionId.slice();
    this.sessions.set(sessionKey(sessionId), binding);
    let inner: Transport;
    try {
      inner = streams.openSession({
        sessionId,
        self,
        members: peers.map((p) => peerIdFromString(p)),
        ...(options.openTimeoutMs === undefined ? {} : { openTimeoutMs: options.openTimeoutMs }),
      });
    } catch (error) {
      this.unbind(sessionId);
      throw error;
    }
    return {
      self: inner.self,
      parties: inner.parties,
      send: (to, frame) => inner.send(to, frame),
      receive: (from, signal) => inner.receive(from, signal),
      close: () => {
        inner.close();
        this.unbind(sessionId);
      },
    };
  }

  private async load(contractId: bigint, epoch: bigint): Promise<Committee> {
    const [n, t] = await this.contracts.secretContracts.read.committeeParams([contractId]);
    const operators = await this.contracts.epochs.read.committeeOf([
      numberToHex(contractId, { size: 32 }),
      epoch,
      BigInt(n),
    ]);
    const members = await Promise.all(
      operators.map(async (operator, i): Promise<CommitteeMember> => {
        const [x25519PublicKey, peerIdBytes] = await this.contracts.nodeRegistry.read.keysOf([operator]);
        return {
          index: i + 1,
          operator: getAddress(operator),
          peerId: peerIdFromBytes(peerIdBytes).toString(),
          x25519PublicKey,
        };
      }),
    );
    return { contractId, epoch, n: Number(n), t: Number(t), members };
  }
}

/** The bytes a node registers as its peer id: the peer id's multihash. */
export function peerIdToBytes(peerId: PeerId): Hex {
  return toHex(peerId.toMultihash().bytes);
}

/** Parses registered peer id bytes (chain data: checked, a bad one is an error, not a crash). */
export function peerIdFromBytes(bytes: Hex): PeerId {
  try {
    return peerIdFromMultihash(Digest.decode(hexToBytes(bytes)));
  } catch (error) {
    throw new MembershipError(`registered peer id ${bytes.slice(0, 20)}… is not a libp2p peer id: ${String(error)}`);
  }
}

/** A 32-byte session id bound to its purpose, contract and epoch (domain-separated). */
export function sessionIdFor(contractId: bigint, epoch: bigint, label: string): Uint8Array {
  return hexToBytes(keccak256(toHex(`mosaic/mpc-session/v1/${contractId}/${epoch}/${label}`)));
}
