/**
 * MPC sessions over libp2p streams (`/mosaic/mpc/1.0.0`).
 *
 * One long-lived stream per pair of parties per session: the party with the lower index dials, the other
 * accepts, and both ends send on it. Each end opens with a handshake (session id, its party index); the
 * accepting end checks that the session is open here and that the remote peer is the member for the index it
 * claims (`isMember`, which the chain registry will provide), and answers with its own handshake, which the
 * dialing end checks the same way. Anything else (unknown session, wrong peer, duplicate stream, malformed
 * bytes) resets the stream: frames of a refused peer never reach the party. Until the handshake is checked, a
 * stream may carry the handshake's 37 bytes and nothing more (docs/security.md, "Unauthenticated peers").
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { type Transport, TransportClosedError } from '@mosaic/mpc';
import { StreamReader } from '../p2p/stream-reader.js';
import {
  decodeHandshake,
  encodeHandshake,
  HANDSHAKE_BYTES,
  type Handshake,
  lengthPrefixed,
  MAX_MESSAGE_BYTES,
  PROTOCOL,
  SESSION_ID_BYTES,
  WireError,
} from '../p2p/wire.js';
import { errorMessage } from '../util/error-message.js';
import { Link } from './link.js';

/** Whether `peer` is the member with index `party` of the session's committee. */
export type IsMember = (sessionId: Uint8Array, party: number, peer: PeerId) => boolean | Promise<boolean>;

export interface Refusal {
  peer: string;
  /** The party index the peer claimed, when its handshake could be read. */
  party?: number;
  reason: string;
}

export interface MpcStreamsOptions {
  isMember: IsMember;
  /** How long an inbound stream naming a session not open here yet may wait for it (default 10 s). */
  unknownSessionGraceMs?: number;
  /** Time limit for the remote's handshake once a stream is open (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Streams per connection for this protocol, each way (default 64). */
  maxStreams?: number;
  onRefused?: (refusal: Refusal) => void;
  /** Counts MPC frame bytes sent and received (for metrics). */
  onTraffic?: (direction: 'in' | 'out', bytes: number) => void;
}

export interface SessionOptions {
  /** 32 bytes. */
  sessionId: Uint8Array;
  /** This node's party index, 1..members.length. */
  self: number;
  /** The peer id of each party (index i for party i + 1): whom to dial. */
  members: readonly PeerId[];
  /** Time limit for every link of the session to open (default 30 s); a link that misses it fails. */
  openTimeoutMs?: number;
}

const MAX_REFUSALS_KEPT = 100;
const MAX_WAITING_INBOUND = 64;
/** Inbound streams of one peer waiting for their sessions: one peer cannot take every waiting place. */
const MAX_WAITING_PER_PEER = 8;
/** Unread bytes a stream may buffer before its handshake is checked: the handshake and little more. */
const PRE_HANDSHAKE_READ_BUFFER = 4096;

export class MpcStreams {
  private readonly sessions = new Map<string, Session>();
  /** Inbound streams waiting for their session to open here, by session key. */
  private readonly waiting = new Map<string, Set<() => void>>();
  private waitingCount = 0;
  private readonly waitingByPeer = new Map<string, number>();
  /** The most recent refusals, for tests and diagnostics. */
  readonly refusals: Refusal[] = [];
  readonly isMember: IsMember;
  readonly handshakeTimeoutMs: number;
  readonly onTraffic: ((direction: 'in' | 'out', bytes: number) => void) | undefined;
  private readonly graceMs: number;
  private readonly maxStreams: number;
  private started = false;

  constructor(
    readonly node: Libp2p,
    private readonly options: MpcStreamsOptions,
  ) {
    this.isMember = options.isMember;
    this.graceMs = options.unknownSessionGraceMs ?? 10_000;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    this.maxStreams = options.maxStreams ?? 64;
    this.onTraffic = options.onTraffic;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.node.handle(PROTOCOL, (stream, connection) => this.accept(stream, connection), {
      maxInboundStreams: this.maxStreams,
      maxOutboundStreams: this.maxStreams,
    });
    this.started = true;
  }

  async stop(): Promise<void> {
    for (const session of [...this.sessions.values()]) session.close();
    for (const wakers of this.waiting.values()) for (const wake of wakers) wake();
    if (this.started) await this.node.unhandle(PROTOCOL);
    this.started = false;
  }

  /** Opens this node's side of a session; its links connect in the background. */
  openSession(options: SessionOptions): Transport {
    if (!this.started) throw new Error('MpcStreams not started');
    const key = sessionKey(options.sessionId);
    if (this.sessions.has(key)) throw new Error(`session ${key} is already open`);
    const session = new Session(this, options, () => this.sessions.delete(key));
    this.sessions.set(key, session);
    const wakers = this.waiting.get(key);
    if (wakers) for (const wake of wakers) wake();
    session.connect();
    return session;
  }

  refuse(reader: StreamReader, peer: PeerId, reason: string, party?: number): void {
    const refusal: Refusal = { peer: peer.toString(), reason, ...(party === undefined ? {} : { party }) };
    this.refusals.push(refusal);
    if (this.refusals.length > MAX_REFUSALS_KEPT) this.refusals.shift();
    this.options.onRefused?.(refusal);
    reader.fail(new WireError(`refused: ${reason}`));
  }

  private async accept(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer;
    // Until its handshake is checked, a stream may carry the handshake only (the dialer waits for the answer
    // before it sends a frame): a longer first message resets it before it is read.
    stream.maxReadBufferLength = PRE_HANDSHAKE_READ_BUFFER;
    const reader = new StreamReader(stream, MAX_MESSAGE_BYTES, 0, HANDSHAKE_BYTES);
    let hello: Handshake;
    try {
      hello = decodeHandshake(await reader.first(this.handshakeTimeoutMs));
    } catch (error) {
      this.refuse(reader, peer, `bad handshake: ${errorMessage(error)}`);
      return;
    }
    const key = sessionKey(hello.sessionId);
    const session = this.sessions.get(key) ?? (await this.waitForSession(key, peer.toString()));
    if (session === undefined) {
      this.refuse(reader, peer, `unknown session ${key}`, hello.party);
      return;
    }
    await session.acceptInbound(reader, peer, hello.party);
  }

  private waitForSession(key: string, peer: string): Promise<Session | undefined> {
    const byPeer = this.waitingByPeer.get(peer) ?? 0;
    if (this.waitingCount >= MAX_WAITING_INBOUND || byPeer >= MAX_WAITING_PER_PEER || !this.started) {
      return Promise.resolve(undefined);
    }
    this.waitingCount++;
    this.waitingByPeer.set(peer, byPeer + 1);
    return new Promise((resolve) => {
      let wakers = this.waiting.get(key);
      if (!wakers) {
        wakers = new Set();
        this.waiting.set(key, wakers);
      }
      const wake = (): void => {
        clearTimeout(timer);
        this.waitingCount--;
        const left = (this.waitingByPeer.get(peer) ?? 1) - 1;
        if (left > 0) this.waitingByPeer.set(peer, left);
        else this.waitingByPeer.delete(peer);
        wakers.delete(wake);
        if (wakers.size === 0) this.waiting.delete(key);
        resolve(this.sessions.get(key));
      };
      const timer = setTimeout(wake, this.graceMs);
      wakers.add(wake);
    });
  }
}

/** This node's side of one session: the Transport the MPC party uses. */
class Session implements Transport {
  readonly self: number;
  readonly parties: number;
  readonly sessionId: Uint8Array;
  private readonly links: Link[];
  private readonly members: readonly PeerId[];
  private readonly deadline: number;
  private readonly closing = new AbortController();
  private readonly openTimer: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(
    private readonly service: MpcStreams,
    options: SessionOptions,
    private readonly onClose: () => void,
  ) {
    if (options.sessionId.length !== SESSION_ID_BYTES) throw new RangeError('session id must be 32 bytes');
    const n = options.members.length;
    if (!Number.isInteger(options.self) || options.self < 1 || options.self > n) {
      throw new RangeError(`self ${options.self} is not in 1..${n}`);
    }
    this.sessionId = options.sessionId.slice();
    this.self = options.self;
    this.parties = n;
    this.members = [...options.members];
    this.links = Array.from({ length: n + 1 }, (_, j) => new Link(j));
    const openTimeoutMs = options.openTimeoutMs ?? 30_000;
    this.deadline = Date.now() + openTimeoutMs;
    // Links still not open at the deadline fail, so that sends waiting for them reject instead of hanging.
    this.openTimer = setTimeout(() => {
      for (let j = 1; j <= n; j++) {
        const link = this.links[j];
        if (j !== this.self && !link.isOpen) {
          link.fail(new TransportClosedError(`party ${j} did not connect within ${openTimeoutMs} ms`));
        }
      }
    }, openTimeoutMs);
  }

  connect(): void {
    for (let j = this.self + 1; j <= this.parties; j++) {
      this.dial(j).catch((error: unknown) => {
        this.links[j].fail(new TransportClosedError(`could not connect to party ${j}: ${errorMessage(error)}`));
      });
    }
  }

  send(to: number, frame: Uint8Array): undefined | Promise<void> {
    this.check(to);
    this.service.onTraffic?.('out', frame.length);
    const pending = this.closed
      ? Promise.reject(new TransportClosedError('transport closed'))
      : this.links[to].send(frame);
    // The party awaits its sends only after its receives settle; until then a failed send must not count as
    // an unhandled rejection (which would kill the process). The caller still sees the rejection.
    pending?.catch(() => {});
    return pending;
  }

  receive(from: number, signal?: AbortSignal): Promise<Uint8Array> {
    this.check(from);
    if (this.closed) return Promise.reject(new TransportClosedError('transport closed'));
    return this.links[from].receive(signal);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.openTimer);
    this.closing.abort(new TransportClosedError('transport closed'));
    for (let j = 1; j <= this.parties; j++) if (j !== this.self) this.links[j].close();
    this.onClose();
  }

  /** An inbound stream whose handshake names this session and claims to come from `party`. */
  async acceptInbound(reader: StreamReader, peer: PeerId, party: number): Promise<void> {
    const refuse = (reason: string): void => this.service.refuse(reader, peer, reason, party);
    if (this.closed) return refuse('session closed');
    if (!Number.isInteger(party) || party < 1 || party > this.parties) {
      return refuse(`party ${party} is not in 1..${this.parties}`);
    }
    // The lower index dials: an inbound stream from a higher one breaks the rule (and could be a second
    // stream for a pair that already has one).
    if (party >= this.self) return refuse(`party ${party} must not dial party ${this.self}`);
    if (!(await this.memberCheck(party, peer))) {
      return refuse(`peer ${peer.toString()} is not member ${party} of the session`);
    }
    const link = this.links[party];
    if (this.closed || link.isOpen || link.failed) return refuse(`party ${party} already has a stream or failed`);
    prepare(reader.stream);
    try {
      reader.stream.send(lengthPrefixed(encodeHandshake({ sessionId: this.sessionId, party: this.self })));
    } catch (error) {
      link.fail(new TransportClosedError(`stream of party ${party} failed: ${errorMessage(error)}`));
      return;
    }
    link.attach(reader.stream);
    reader.forward(
      (frame) => {
        this.service.onTraffic?.('in', frame.length);
        link.deliver(frame);
      },
      (error) => link.end(error),
    );
  }

  private async dial(party: number): Promise<void> {
    const peer = this.members[party - 1];
    let delay = 100;
    let lastError: unknown;
    while (!this.closed && Date.now() < this.deadline) {
      const signal = AbortSignal.any([
        this.closing.signal,
        AbortSignal.timeout(Math.max(1, this.deadline - Date.now())),
      ]);
      let reader: StreamReader | undefined;
      try {
        const stream = await this.service.node.dialProtocol(peer, PROTOCOL, { signal });
        prepare(stream);
        // The accepting end may send frames right behind its handshake, before ours is checked.
        reader = new StreamReader(stream, MAX_MESSAGE_BYTES, 1 << 16, HANDSHAKE_BYTES);
        stream.send(lengthPrefixed(encodeHandshake({ sessionId: this.sessionId, party: this.self })));
        const reply = decodeHandshake(await reader.first(this.service.handshakeTimeoutMs));
        if (!equalBytes(reply.sessionId, this.sessionId) || reply.party !== party) {
          throw new WireError(`answer names party ${reply.party} of another session or index`);
        }
        if (!(await this.memberCheck(party, peer))) {
          this.service.refuse(reader, peer, `peer ${peer.toString()} is not member ${party} of the session`, party);
          throw new WireError(`peer ${peer.toString()} is not member ${party}`);
        }
        if (this.closed) {
          reader.fail(new TransportClosedError('transport closed'));
          return;
        }
        const link = this.links[party];
        link.attach(stream);
        reader.forward(
          (frame) => {
            this.service.onTraffic?.('in', frame.length);
            link.deliver(frame);
          },
          (error) => link.end(error),
        );
        return;
      } catch (error) {
        lastError = error;
        reader?.fail(error instanceof Error ? error : new Error(String(error)));
        if (error instanceof WireError && /not member|another session/.test(error.message)) throw error;
      }
      // The remote may not be listening yet, or not have opened the session: try again shortly.
      await sleep(Math.min(delay, Math.max(0, this.deadline - Date.now())), this.closing.signal);
      delay = Math.min(delay * 2, 2_000);
    }
    throw lastError ?? new TransportClosedError('session closed before connecting');
  }

  private async memberCheck(party: number, peer: PeerId): Promise<boolean> {
    try {
      return (await this.service.isMember(this.sessionId, party, peer)) === true;
    } catch {
      return false;
    }
  }

  private check(party: number): void {
    if (!Number.isInteger(party) || party < 1 || party > this.parties || party === this.self) {
      throw new RangeError(`party ${party} is not another party of 1..${this.parties}`);
    }
  }
}

/** Stream settings for MPC: frames are large and sessions may sit idle between rounds. */
function prepare(stream: Stream): void {
  // Room for a paused link's unread frames plus a full yamux window in flight.
  stream.maxReadBufferLength = 2 * MAX_MESSAGE_BYTES + (32 << 20);
}

export function sessionKey(id: Uint8Array): string {
  return Buffer.from(id).toString('hex');
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
