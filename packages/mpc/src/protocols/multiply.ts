/**
 * Secure multiplication (Damgard-Nielsen). Each party multiplies its shares locally, which gives a sharing of
 * degree 2t; masks it with the degree-2t half of a double sharing; the kings open the masked products; each
 * party subtracts the degree-t half of the mask. Per party and multiplication: one element to a king, and on
 * average (n-1)/n elements back from the kings, plus the preprocessing: a constant, whatever n.
 * All the multiplications of one call share one round trip.
 */
import { add, type FieldVector, mul as mulVectors, size, subInto } from '../field/vector.js';
import { MpcError } from '../runtime/errors.js';
import type { Party } from '../runtime/party.js';
import { open } from './open.js';

/**
 * Turns a sharing of degree 2t (a local product, or a sum of local products: an inner product costs the same
 * as one multiplication) into a fresh sharing of degree t of the same values.
 */
export async function reduceDegree(party: Party, high: FieldVector, step = 'multiply'): Promise<FieldVector> {
  const mask = await party.pre.doubleSharings(size(high));
  const opened = await open(party, add(high, mask.high), { degree: 2 * party.t, step });
  return subInto(opened, opened, mask.low);
}

export async function mul(party: Party, x: FieldVector, y: FieldVector): Promise<FieldVector> {
  if (x.length !== y.length) {
    throw new MpcError(`multiply: vectors of ${size(x)} and ${size(y)} elements`);
  }
  return reduceDegree(party, mulVectors(x, y));
}

/** x * x */
export function square(party: Party, x: FieldVector): Promise<FieldVector> {
  return mul(party, x, x);
}
