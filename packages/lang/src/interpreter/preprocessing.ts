/**
 * How many double sharings one call of a function consumes (its input check and its body), so that the
 * interpreter can make them all in a single preprocessing round before the check (the engine would otherwise
 * spend a round per batch).
 */
import { doubleSharingsOf } from '../cost/engine-costs.js';
import type { Schedule } from '../ir/schedule.js';
import type { ValidatedFunction } from '../ir/validate.js';
import { inputCheckDoubleSharings } from './input-check.js';

/** The engine makes at most this many double sharings at once (its RESERVE_LIMIT); beyond, none ahead. */
export const RESERVE_LIMIT = 1 << 16;

export function doubleSharingsNeeded(f: ValidatedFunction, plan: Schedule, t: number): number {
  let total = inputCheckDoubleSharings(f, t);
  for (const layer of plan.layers) {
    for (const [kind, list] of layer.batches) {
      const count = list.reduce((s, i) => s + f.registerTypes[i].length, 0);
      total += doubleSharingsOf(kind, count, batchBits(f, list), t);
    }
  }
  return total;
}

/** k of a comparison batch: the widest operand + 1 (what the interpreter passes to the engine). */
export function batchBits(f: ValidatedFunction, list: readonly number[]): number {
  let bits = 1;
  for (const i of list) {
    const ins = f.instructions[i] as { a?: number; b?: number };
    if (ins.a !== undefined && ins.b !== undefined) {
      bits = Math.max(bits, f.registerTypes[ins.a].bits, f.registerTypes[ins.b].bits);
    }
  }
  return bits + 1;
}
