/**
 * A party of an MPC session: its id among n parties, the threshold t, and round-based exchange of element
 * vectors through a Transport. Protocols are plain async functions taking a Party; the parties of a session
 * must call the same protocols in the same order (as an interpreter of one circuit does), and each party
 * awaits one protocol call before starting the next: rounds are numbered and checked on every frame.
 */
import type { FieldVector } from '../field/vector.js';
import { Preprocessing } from '../protocols/preprocessing.js';
import { MpcError, PartyAbortedError, PartyTimeoutError } from './errors.js';
import { DEFAULT_MAX_FRAME_ELEMENTS, decodeFrame, encodeAbortFrame, encodeFrame } from './frame.js';
import type { Transport } from './transport.js';

export interface PartyOptions {
  transport: Transport;
  /** Threshold: secrets stay hidden from any t parties; multiplication needs n >= 2t + 1. */
  t: number;
  /** How long to wait for a party's frame before failing the round (default 30 s). */
  timeoutMs?: number;
  /** Upper bound on the elements of one incoming frame (default 2^22). */
  maxFrameElements?: number;
}

export interface PartyStats {
  rounds: number;
  framesSent: number;
  bytesSent: number;
  bytesReceived: number;
}

export class Party {
  readonly id: number;
  readonly n: number;
  readonly t: number;
  readonly timeoutMs: number;
  readonly maxFrameElements: number;
  readonly transport: Transport;
  readonly stats: PartyStats = { rounds: 0, framesSent: 0, bytesSent: 0, bytesReceived: 0 };
  /** Pools of correlated randomness, filled on demand. */
  readonly pre: Preprocessing;
  private roundCounter = 0;
  private busy = false;
  private aborted = false;

  constructor(options: PartyOptions) {
    const { transport, t } = options;
    this.transport = transport;
    this.id = transport.self;
    this.n = transport.parties;
    this.t = t;
    if (!Number.isInteger(t) || t < 0 || 2 * t + 1 > this.n) {
      throw new RangeError(`threshold t = ${t} needs 0 <= t and 2t + 1 <= n = ${this.n}`);
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxFrameElements = options.maxFrameElements ?? DEFAULT_MAX_FRAME_ELEMENTS;
    this.pre = new Preprocessing(this);
  }

  /** The number of the next round. */
  get round(): number {
    return this.roundCounter;
  }

  /** Ids of all other parties. */
  others(): number[] {
    const out: number[] = [];
    for (let j = 1; j <= this.n; j++) if (j !== this.id) out.push(j);
    return out;
  }

  /**
   * One communication round: sends `outgoing` (party -> vector) and waits for a frame from every party in
   * `incoming` (party -> expected element count, or undefined for any count). Fails with PartyTimeoutError
   * naming every party that did not answer in time, or FrameError for a frame that is malformed, from another
   * round, or of the wrong length.
   */
  async exchange(
    step: string,
    outgoing: ReadonlyMap<number, FieldVector>,
    incoming: ReadonlyMap<number, number | undefined>,
  ): Promise<Map<number, FieldVector>> {
    if (this.busy) throw new MpcError(`party ${this.id}: protocol calls overlap (${step}); await each call in turn`);
    this.busy = true;
    const round = this.roundCounter++;
    this.stats.rounds++;
    try {
      const sends: Promise<void>[] = [];
      for (const [to, vector] of outgoing) {
        if (to === this.id) throw new MpcError(`party ${this.id} cannot send to itself (${step})`);
        const frame = encodeFrame(round, vector);
        this.stats.framesSent++;
        this.stats.bytesSent += frame.length;
        const pending = this.transport.send(to, frame);
        if (pending) sends.push(pending);
      }
      // A timer of our own rather than AbortSignal.timeout(): that one does not keep the process alive, so a
      // party waiting on a silent peer with nothing else scheduled would exit instead of timing out.
      // Settled together and marked handled now: a send that fails while the receives are still pending must
      // not become an unhandled rejection; the error is still thrown below.
      const sent = Promise.all(sends);
      sent.catch(() => {});
      // One controller per receive: a single signal shared by many receives trips Node's listener-leak warning.
      const senders = [...incoming.keys()];
      const deadlines = senders.map(() => new AbortController());
      const timer = setTimeout(() => {
        for (const d of deadlines) d.abort(new DOMException('receive timed out', 'TimeoutError'));
      }, this.timeoutMs);
      let settled: PromiseSettledResult<Uint8Array>[];
      let sendFailure: { error: unknown } | undefined;
      try {
        settled = await Promise.allSettled(senders.map((from, i) => this.transport.receive(from, deadlines[i].signal)));
        sendFailure = await sent.then(
          () => undefined,
          (error: unknown) => ({ error }),
        );
      } finally {
        clearTimeout(timer);
      }
      const late: number[] = [];
      const received = new Map<number, FieldVector>();
      // A party that gave up says why: that first cause wins over what it set off here (closed streams).
      let failure: unknown;
      for (let i = 0; i < senders.length; i++) {
        const from = senders[i];
        const result = settled[i];
        if (result.status === 'rejected') {
          if (isAbort(result.reason)) late.push(from);
          else failure ??= result.reason;
          continue;
        }
        this.stats.bytesReceived += result.value.length;
        const count = incoming.get(from);
        try {
          received.set(
            from,
            decodeFrame(result.value, {
              from,
              round,
              maxElements: this.maxFrameElements,
              ...(count === undefined ? {} : { count }),
            }),
          );
        } catch (error) {
          if (error instanceof PartyAbortedError) throw error;
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
      if (sendFailure) throw sendFailure.error;
      if (late.length) throw new PartyTimeoutError(late, round, this.timeoutMs, step);
      return received;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Tells every other party that this one gives up, and why, before its owner closes the transport: their
   * pending and next receives from it fail with PartyAbortedError carrying the reason. Best effort: a party
   * already gone is skipped. Call it only with text that holds no secret (an error message of the engine).
   */
  abort(reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    const frame = encodeAbortFrame(reason);
    for (const to of this.others()) {
      try {
        this.transport.send(to, frame.slice())?.catch(() => {});
      } catch {
        // the link to that party is gone already
      }
    }
  }

  /** Bytes this party has sent in frames so far (header included). */
  get bytesSent(): number {
    return this.stats.bytesSent;
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
