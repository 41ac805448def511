/**
 * Correlated randomness for the online phase, made by the parties themselves (no dealer):
 * - random sharings [r]_t, and
 * - double sharings ([r]_t, [r]_2t) of one random r, which multiplication consumes.
 * Every party deals random values; applying an (n - t) x n Vandermonde matrix to the n dealt sharings yields
 * n - t sharings that are uniformly random to any t parties (Damgard-Nielsen). Pools keep what a batch made
 * beyond the request, so nothing is wasted.
 */
import { type FieldVector, matrixApply, random, size, slice } from '../field/vector.js';
import type { Party } from '../runtime/party.js';
import { vandermonde } from '../sharing/lagrange.js';
import { share } from '../sharing/shamir.js';

/** Above this many double sharings, reserving ahead costs more (memory traffic) than the rounds it saves. */
const RESERVE_LIMIT = 1 << 16;

export interface DoubleSharings {
  /** Shares of degree t. */
  low: FieldVector;
  /** Shares of degree 2t of the same values. */
  high: FieldVector;
}

class Pool {
  private parts: FieldVector[] = [];
  private available = 0;

  get size(): number {
    return this.available;
  }

  push(v: FieldVector): void {
    if (size(v) === 0) return;
    this.parts.push(v);
    this.available += size(v);
  }

  take(count: number): FieldVector {
    const head = this.parts[0];
    if (head && size(head) === count) {
      // the common case, a batch made for exactly this request: no copy
      this.parts.shift();
      this.available -= count;
      return head;
    }
    const out = new Uint32Array(count * 4);
    let at = 0;
    while (at < count) {
      const head = this.parts[0];
      const use = Math.min(size(head), count - at);
      out.set(slice(head, 0, use), at * 4);
      at += use;
      if (use === size(head)) this.parts.shift();
      else this.parts[0] = slice(head, use, size(head));
    }
    this.available -= count;
    return out;
  }
}

export class Preprocessing {
  private readonly randoms = new Pool();
  private readonly lows = new Pool();
  private readonly highs = new Pool();

  constructor(private readonly party: Party) {}

  /** `count` random sharings of degree t. */
  async randomSharings(count: number): Promise<FieldVector> {
    if (this.randoms.size < count) {
      const [made] = await this.deal(count - this.randoms.size, [this.party.t], 'random sharings');
      this.randoms.push(made);
    }
    return this.randoms.take(count);
  }

  /**
   * Makes sure at least `count` double sharings are in the pool, in one round if any are missing: a protocol
   * that will multiply in several rounds reserves its randomness up front, so that its online rounds do not
   * each wait for a preprocessing round.
   */
  async reserveDoubleSharings(count: number): Promise<void> {
    // Large batches are bandwidth-bound, not latency-bound: making them piecewise keeps vectors cache-sized.
    if (count <= RESERVE_LIMIT) await this.fillDoubleSharings(count);
  }

  private async fillDoubleSharings(count: number): Promise<void> {
    if (this.lows.size >= count) return;
    const [low, high] = await this.deal(count - this.lows.size, [this.party.t, 2 * this.party.t], 'double sharings');
    this.lows.push(low);
    this.highs.push(high);
  }

  /** `count` double sharings ([r]_t, [r]_2t). */
  async doubleSharings(count: number): Promise<DoubleSharings> {
    await this.fillDoubleSharings(count);
    return { low: this.lows.take(count), high: this.highs.take(count) };
  }

  /**
   * One round: every party deals ceil(count / (n - t)) random values, shared once per degree in `degrees`
   * (the same value for all degrees), and extracts n - t outputs per dealt batch.
   */
  private async deal(count: number, degrees: readonly number[], step: string): Promise<FieldVector[]> {
    const { n, t, id } = this.party;
    const outputsPerDealing = n - t;
    const m = Math.ceil(count / outputsPerDealing);
    const secrets = random(m);
    const dealt = degrees.map((d) => share(secrets, n, d));

    const outgoing = new Map<number, FieldVector>();
    for (const j of this.party.others()) {
      const frame = new Uint32Array(degrees.length * m * 4);
      dealt.forEach((shares, k) => {
        frame.set(shares[j - 1], k * m * 4);
      });
      outgoing.set(j, frame);
    }
    const incoming = new Map<number, number>();
    for (const j of this.party.others()) incoming.set(j, degrees.length * m);
    const received = await this.party.exchange(step, outgoing, incoming);

    const matrix = vandermonde(outputsPerDealing, n);
    return degrees.map((_, k) => {
      const inputs: FieldVector[] = [];
      for (let j = 1; j <= n; j++) {
        inputs.push(j === id ? dealt[k][id - 1] : slice(received.get(j)!, k * m, (k + 1) * m));
      }
      // the extracted rows are written straight into one output vector, no concatenation afterwards
      const out = new Uint32Array(outputsPerDealing * m * 4);
      const rows = Array.from({ length: outputsPerDealing }, (_, r) => slice(out, r * m, (r + 1) * m));
      matrixApply(matrix, inputs, rows);
      return out;
    });
  }
}
