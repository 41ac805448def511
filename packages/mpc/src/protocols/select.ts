/** Oblivious choice: select(c, x, y) = c ? x : y for a shared bit c, as y + c (x - y): one multiplication. */
import { add, type FieldVector, sub } from '../field/vector.js';
import type { Party } from '../runtime/party.js';
import { mul } from './multiply.js';

export async function select(
  party: Party,
  condition: FieldVector,
  x: FieldVector,
  y: FieldVector,
): Promise<FieldVector> {
  return add(y, await mul(party, condition, sub(x, y)));
}
