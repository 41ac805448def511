/**
 * MPC sessions among committees, over the libp2p transport (libp2p-transport.ts). A session id is bound here to
 * whoever may join it: the on-chain committee of a (contract, epoch), or an explicit list of peers (the two
 * committees of an epoch handover, the helpers of a recovery). The transport asks `SessionBindings.isMember`
 * before it lets a peer in as party k; a session id not bound here is refused, its membership cannot be known.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Transport } from '@mosaic/mpc';
import { type Committee, MembershipError } from '../chain/membership.js';
import { type IsMember, type SessionOptions, sessionKey } from './libp2p-transport.js';

/** The committee of a secret contract in an epoch (ChainMembership). */
export interface CommitteeSource {
  committee(contractId: bigint, epoch: bigint): Promise<Committee>;
}

/** Opens this node's side of a session on the wire (MpcStreams). */
export interface SessionTransport {
  openSession(options: SessionOptions): Transport;
}

/** Who may be party k of a bound session: the committee of (contract, epoch), or an explicit peer list. */
type SessionBinding = { contractId: bigint; epoch: bigint } | { peers: readonly string[] };

/** The sessions open here and who may join each: the transport's `isMember` hook. */
export class SessionBindings {
  private readonly sessions = new Map<string, SessionBinding>();

  constructor(private readonly components: { committees: CommitteeSource }) {}

  /** The MpcStreams hook: is `peer` party `party` of the (bound) session `sessionId`? */
  readonly isMember: IsMember = async (sessionId, party, peer) => {
    const binding = this.sessions.get(sessionKey(sessionId));
    if (binding === undefined) return false;
    if ('peers' in binding) return binding.peers[party - 1] === peer.toString();
    const committee = await this.components.committees.committee(binding.contractId, binding.epoch);
    const member = committee.members[party - 1];
    return member !== undefined && member.peerId === peer.toString();
  };

  /** Binds a session id to a committee or a list of peers, so that `isMember` can check who joins. */
  bind(sessionId: Uint8Array, binding: SessionBinding): void {
    this.sessions.set(sessionKey(sessionId), binding);
  }

  unbind(sessionId: Uint8Array): void {
    this.sessions.delete(sessionKey(sessionId));
  }
}

export interface CommitteeSessionOptions {
  contractId: bigint;
  epoch: bigint;
  /** 32 bytes; `sessionIdFor` (chain/membership.ts) derives one from a label (e.g. a task id). */
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

export interface PeerSessionOptions {
  sessionId: Uint8Array;
  /** Party k is peers[k - 1] (peer id strings, all distinct). */
  peers: readonly string[];
  self: PeerId;
  openTimeoutMs?: number;
}

export interface CommitteeSessionsComponents {
  committees: CommitteeSource;
  transport: SessionTransport;
  bindings: SessionBindings;
}

/** Opens sessions among a contract's committee or an explicit list of peers, bound while they are open. */
export class CommitteeSessions {
  constructor(private readonly components: CommitteeSessionsComponents) {}

  /** Opens this node's side of an MPC session among the on-chain committee of (contractId, epoch). */
  async openCommittee(options: CommitteeSessionOptions): Promise<CommitteeSession> {
    const committee = await this.components.committees.committee(options.contractId, options.epoch);
    const self = committee.members.find((m) => m.peerId === options.self.toString());
    if (self === undefined) {
      throw new MembershipError(
        `this node is not in the committee of contract ${options.contractId} in epoch ${options.epoch}`,
      );
    }
    const transport = this.open(
      options,
      { contractId: options.contractId, epoch: options.epoch },
      self.index,
      committee.members.map((m) => m.peerId),
    );
    return { transport, committee, self: self.index };
  }

  /** Opens this node's side of a session among an explicit list of peers (e.g. two committees at a handover). */
  openAmong(options: PeerSessionOptions): Transport {
    const self = options.peers.indexOf(options.self.toString()) + 1;
    if (self === 0) throw new MembershipError('this node is not one of the session peers');
    if (new Set(options.peers).size !== options.peers.length) throw new MembershipError('session peers repeat');
    return this.open(options, { peers: [...options.peers] }, self, options.peers);
  }

  private open(
    options: { sessionId: Uint8Array; openTimeoutMs?: number },
    binding: SessionBinding,
    self: number,
    peers: readonly string[],
  ): Transport {
    const { bindings, transport } = this.components;
    const sessionId = options.sessionId.slice();
    bindings.bind(sessionId, binding);
    let inner: Transport;
    try {
      inner = transport.openSession({
        sessionId,
        self,
        members: peers.map((p) => peerIdFromString(p)),
        ...(options.openTimeoutMs === undefined ? {} : { openTimeoutMs: options.openTimeoutMs }),
      });
    } catch (error) {
      bindings.unbind(sessionId);
      throw error;
    }
    return {
      self: inner.self,
      parties: inner.parties,
      send: (to, frame) => inner.send(to, frame),
      receive: (from, signal) => inner.receive(from, signal),
      close: () => {
        inner.close();
        bindings.unbind(sessionId);
      },
    };
  }
}
