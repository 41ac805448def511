/**
 * Opening shared values. The king pattern keeps communication linear in n: the vector is cut into n blocks,
 * each party sends each block's share to that block's king, the king reconstructs (checking consistency when
 * it has more shares than the degree needs) and sends the value back to everyone. Every party is king of one
 * block, and the assignment rotates with the round, so the work is spread evenly whatever the batch size.
 */
import { type FieldVector, size, slice, zeros } from '../field/vector.js';
import type { Party } from '../runtime/party.js';
import { reconstruct } from '../sharing/shamir.js';

/** Block boundaries: block b is [bounds[b], bounds[b+1]). */
export function blockBounds(count: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, b) => Math.floor((b * count) / n));
}

/** The party that reconstructs block b in a call that starts at `round`. */
export function kingOf(block: number, n: number, round: number): number {
  return ((block + round) % n) + 1;
}

function myBlock(party: Party, round: number): number {
  return (((party.id - 1 - round) % party.n) + party.n) % party.n;
}

/**
 * Opens `shares` (a sharing of the given degree, default t) to every party. A king may first apply a public
 * function to its reconstructed block (`transform`), so that parties receive f(value) instead of value.
 */
export async function open(
  party: Party,
  shares: FieldVector,
  options: { degree?: number; step?: string; transform?: (values: FieldVector) => FieldVector } = {},
): Promise<FieldVector> {
  const degree = options.degree ?? party.t;
  const step = options.step ?? 'open';
  const { n, id } = party;
  const count = size(shares);
  const round = party.round;
  const bounds = blockBounds(count, n);
  const mine = myBlock(party, round);
  const myLength = bounds[mine + 1] - bounds[mine];

  const toKings = new Map<number, FieldVector>();
  for (let b = 0; b < n; b++) {
    const king = kingOf(b, n, round);
    if (king !== id) toKings.set(king, slice(shares, bounds[b], bounds[b + 1]));
  }
  const fromAll = new Map<number, number>();
  for (const j of party.others()) fromAll.set(j, myLength);
  const received = await party.exchange(`${step}: shares to kings`, toKings, fromAll);

  const points: number[] = [];
  const vectors: FieldVector[] = [];
  for (let j = 1; j <= n; j++) {
    points.push(j);
    vectors.push(j === id ? slice(shares, bounds[mine], bounds[mine + 1]) : received.get(j)!);
  }
  let value = reconstruct(points, vectors, degree);
  if (options.transform) value = options.transform(value);

  const toAll = new Map<number, FieldVector>();
  for (const j of party.others()) toAll.set(j, value);
  const fromKings = new Map<number, number>();
  for (let b = 0; b < n; b++) {
    const king = kingOf(b, n, round);
    if (king !== id) fromKings.set(king, bounds[b + 1] - bounds[b]);
  }
  const opened = await party.exchange(`${step}: values from kings`, toAll, fromKings);

  const out = zeros(count);
  for (let b = 0; b < n; b++) {
    const king = kingOf(b, n, round);
    out.set(king === id ? value : opened.get(king)!, bounds[b] * 4);
  }
  return out;
}

/** Opens `shares` to one party only (a private output); returns the values there and undefined elsewhere. */
export async function openTo(
  party: Party,
  shares: FieldVector,
  receiver: number,
  options: { degree?: number; step?: string } = {},
): Promise<FieldVector | undefined> {
  const degree = options.degree ?? party.t;
  const step = options.step ?? 'open to one party';
  const count = size(shares);
  if (party.id !== receiver) {
    await party.exchange(step, new Map([[receiver, shares]]), new Map());
    return undefined;
  }
  const fromAll = new Map<number, number>();
  for (const j of party.others()) fromAll.set(j, count);
  const received = await party.exchange(step, new Map(), fromAll);
  const points: number[] = [];
  const vectors: FieldVector[] = [];
  for (let j = 1; j <= party.n; j++) {
    points.push(j);
    vectors.push(j === party.id ? shares : received.get(j)!);
  }
  return reconstruct(points, vectors, degree);
}
