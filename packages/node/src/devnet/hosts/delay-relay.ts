/**
 * A TCP relay that makes a link look like a wide-area one: every chunk read on one side is written to the other
 * `delayMs ± jitterMs` later, in the order it was read (TCP never reorders bytes). This machine's kernel has no
 * `netem` queueing discipline, so the test bed of docs/testbed.md shapes links in user space with it.
 *
 * A relay cannot drop bytes of a TCP stream; a lost segment shows up at the receiver as a retransmission, so
 * "loss" here is that: with probability `loss`, a chunk waits `retransmitMs` more, and so does every chunk after
 * it on the same direction (head-of-line blocking, as in TCP).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface LinkShape {
  /** One-way delay added to each chunk, in ms (a round trip through the relay pays it twice). */
  delayMs: number;
  /** Each chunk's delay varies uniformly within ± this, in ms (never below zero, never reordering). */
  jitterMs: number;
  /** Probability in [0, 1) that a chunk is "lost" and waits for a retransmission. */
  loss: number;
  /** What a retransmission adds, in ms (default 200: a typical minimum TCP retransmission timeout). */
  retransmitMs: number;
}

export const NO_SHAPE: LinkShape = { delayMs: 0, jitterMs: 0, loss: 0, retransmitMs: 200 };

export interface DelayRelayOptions {
  listenHost: string;
  /** 0 picks a free port. */
  listenPort: number;
  targetHost: string;
  targetPort: number;
  shape?: Partial<LinkShape>;
  /** Seeds the jitter and loss draws, so that a run can be replayed. */
  seed?: number;
}

/** Bytes queued in one direction before the relay stops reading that side (TCP flow control does the rest). */
const HIGH_WATER_BYTES = 8 << 20;
/** Longest delay a shape may ask for, in ms: a relay is a test bed, not a black hole. */
const MAX_DELAY_MS = 60_000;

export function checkShape(shape: Partial<LinkShape>): LinkShape {
  const full = { ...NO_SHAPE, ...shape };
  for (const key of ['delayMs', 'jitterMs', 'retransmitMs'] as const) {
    const v = full[key];
    if (!Number.isFinite(v) || v < 0 || v > MAX_DELAY_MS) {
      throw new RangeError(`link shape: ${key} must be a number of ms in [0, ${MAX_DELAY_MS}], not ${v}`);
    }
  }
  if (!Number.isFinite(full.loss) || full.loss < 0 || full.loss >= 1) {
    throw new RangeError(`link shape: loss must be a probability in [0, 1), not ${full.loss}`);
  }
  return full;
}

/** mulberry32: a small seeded generator of floats in [0, 1); the draws need to be replayable, not secure. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class DelayRelay {
  private shape: LinkShape;
  private readonly random: () => number;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<Socket>();
  private address: { host: string; port: number } | undefined;

  constructor(private readonly options: DelayRelayOptions) {
    this.shape = checkShape(options.shape ?? {});
    this.random = seededRandom(options.seed ?? 1);
    // Half-open: one side's end must not cut the bytes still delayed on their way to it.
    this.server = createServer({ allowHalfOpen: true }, (inbound) => this.relay(inbound));
  }

  /** Listens; resolves with the address it listens on. */
  async start(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.listenPort, this.options.listenHost, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('relay: no TCP address');
    this.address = { host: address.address, port: address.port };
    return this.address;
  }

  get listening(): { host: string; port: number } {
    if (!this.address) throw new Error('relay: not started');
    return this.address;
  }

  /** The shape applies to every chunk read from now on, on every connection. */
  setShape(shape: Partial<LinkShape>): void {
    this.shape = checkShape(shape);
  }

  /** Relayed connections with either side still open. */
  get connections(): number {
    return this.pairs.size;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(inbound: Socket): void {
    const outbound = createConnection({
      host: this.options.targetHost,
      port: this.options.targetPort,
      allowHalfOpen: true,
    });
    for (const socket of [inbound, outbound]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      // A side that fails (a reset, a refused dial) breaks the relayed connection, as a broken link would. A side
      // that closes in order does not: its end is delayed on its way to the other side like its bytes.
      socket.once('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
      socket.once('close', () => {
        this.sockets.delete(socket);
        if (inbound.destroyed && outbound.destroyed) this.pairs.delete(inbound);
      });
    }
    this.pairs.add(inbound);
    this.pipe(inbound, outbound);
    this.pipe(outbound, inbound);
  }

  /** Copies `from` to `to`, each chunk released at its due time, in order. */
  private pipe(from: Socket, to: Socket): void {
    const queue: { due: number; chunk: Buffer | null }[] = [];
    let queuedBytes = 0;
    let lastDue = 0;
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0]!.due <= now + 0.5) {
        const { chunk } = queue.shift()!;
        if (chunk === null) {
          to.end();
          continue;
        }
        queuedBytes -= chunk.length;
        if (!to.destroyed) to.write(chunk);
      }
      if (from.isPaused() && queuedBytes < HIGH_WATER_BYTES / 2) from.resume();
      schedule();
    };
    const schedule = () => {
      if (timer || queue.length === 0) return;
      timer = setTimeout(release, Math.max(0, queue[0]!.due - performance.now()));
    };
    const enqueue = (chunk: Buffer | null) => {
      // Due times never decrease: a chunk that drew a shorter delay waits for the one before it.
      lastDue = Math.max(performance.now() + this.nextDelay(), lastDue);
      queue.push({ due: lastDue, chunk });
      schedule();
    };
    from.on('data', (chunk: Buffer) => {
      queuedBytes += chunk.length;
      enqueue(chunk);
      if (queuedBytes >= HIGH_WATER_BYTES) from.pause();
    });
    from.once('end', () => enqueue(null));
    to.once('close', () => clearTimeout(timer));
  }

  private nextDelay(): number {
    const { delayMs, jitterMs, loss, retransmitMs } = this.shape;
    const jitter = jitterMs === 0 ? 0 : (this.random() * 2 - 1) * jitterMs;
    const retransmission = loss > 0 && this.random() < loss ? retransmitMs : 0;
    return Math.max(0, delayMs + jitter) + retransmission;
  }
}
