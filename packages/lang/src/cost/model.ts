/**
 * The cost model: what one call of a function costs a committee, computed from the IR alone (every node and
 * the client get the same figures), and the gas charged for it. A call's cost includes the range check of its
 * secret and stored inputs, which runs before the body.
 *
 *   gas = 10,000 + 8 × multiplications + 1,000 × rounds + 16 × openings + ceil(bytesPerParty / 4)
 *
 * Rounds are the latency a task waits for; multiplications and bytes are the committee's work and
 * bandwidth; openings are elements opened to all. The per-batch figures come from engine-costs.ts.
 */
import type { CompiledContract } from '../compiler/compiled.js';
import type { FunctionMap } from '../dsl/contract.js';
import { checkedRanges, inputCheckDoubleSharings } from '../interpreter/input-check.js';
import { batchBits, doubleSharingsNeeded, RESERVE_LIMIT } from '../interpreter/preprocessing.js';
import { type BatchKind, schedule } from '../ir/schedule.js';
import type { ValidatedFunction, ValidatedModule } from '../ir/validate.js';
import {
  addCost,
  batchCost,
  type CallCost,
  type Committee,
  ELEMENT_BYTES,
  FRAME_HEADER_BYTES,
  inputCheck,
  poolRound,
  zeroCost,
} from './engine-costs.js';

export const GAS = {
  base: 10_000,
  perMultiplication: 8,
  perRound: 1_000,
  perOpening: 16,
  /** gas per this many bytes sent by an average party */
  bytesPerGas: 4,
} as const;

export const DEFAULT_COMMITTEE: Committee = { n: 5, t: 2 };

export interface FunctionCost {
  readonly committee: Committee;
  /** Secure multiplications (degree reductions), comparisons' included. */
  readonly multiplications: number;
  /** Communication rounds of one call. */
  readonly rounds: number;
  /** Elements opened to every party outside multiplications. */
  readonly openings: number;
  /** Bytes one party sends, on average over the committee. */
  readonly bytesPerParty: number;
  /** Scheduled layers with communication. */
  readonly layers: number;
  /** Batched engine calls. */
  readonly engineCalls: number;
  /** Per batch kind: elements and calls. */
  readonly batches: Readonly<Record<BatchKind, { calls: number; elements: number }>>;
  /** The part of the figures above that the range check of the secret and stored inputs takes. */
  readonly inputCheck: {
    readonly elements: number;
    readonly rounds: number;
    readonly multiplications: number;
    readonly openings: number;
    readonly bytesPerParty: number;
  };
  readonly gas: number;
}

export function gasOf(c: Pick<FunctionCost, 'multiplications' | 'rounds' | 'openings' | 'bytesPerParty'>): number {
  return (
    GAS.base +
    GAS.perMultiplication * c.multiplications +
    GAS.perRound * c.rounds +
    GAS.perOpening * c.openings +
    Math.ceil(c.bytesPerParty / GAS.bytesPerGas)
  );
}

/** The storage committee size the cost model charges stored inputs for (the default storage committee). */
export const STORAGE_COMMITTEE_N = 5;

export function costOfFunction(f: ValidatedFunction, committee: Committee = DEFAULT_COMMITTEE): FunctionCost {
  const { n, t } = committee;
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 0 || 2 * t + 1 > n) {
    throw new RangeError(`committee (n = ${n}, t = ${t}) needs 2t + 1 <= n`);
  }
  const plan = schedule(f.instructions, f.registerTypes);
  const batches = Object.fromEntries(
    (['multiply', 'fixedMultiply', 'compare', 'equal', 'open'] as const).map((k) => [k, { calls: 0, elements: 0 }]),
  ) as Record<BatchKind, { calls: number; elements: number }>;
  let total: CallCost = zeroCost();
  const needed = doubleSharingsNeeded(f, plan, t);
  const pooled = needed <= RESERVE_LIMIT;
  if (needed > 0 && pooled) total = addCost(total, poolRound(committee, needed, 2));
  // The input check runs first; beyond the reservation limit it reserves its own randomness (one more round).
  const ranges = checkedRanges(f);
  let check = inputCheck(committee, ranges);
  if (!pooled && ranges.length > 0) check = addCost(check, poolRound(committee, inputCheckDoubleSharings(f, t), 2));
  total = addCost(total, check);
  let layers = 0;
  let engineCalls = 0;
  for (const layer of plan.layers) {
    if (layer.batches.size > 0) layers++;
    for (const [kind, list] of layer.batches) {
      const count = list.reduce((s, i) => s + f.registerTypes[i].length, 0);
      batches[kind].calls++;
      batches[kind].elements += count;
      engineCalls++;
      total = addCost(total, batchCost(committee, kind, count, batchBits(f, list)));
      // beyond the engine's reservation limit each batch makes its own randomness: one more round
      if (!pooled && kind !== 'open') total = addCost(total, poolRound(committee, count, 2));
    }
  }
  // Stored inputs: before the agreement round every member asks each member of the data's storage committee for
  // its sub-shares of the values (one request/response round, one element per storage member and value). The
  // storage committee's size is not known here: charged for the default (5, 2).
  const storedValues = f.inputs.filter((i) => i.visibility === 'stored').reduce((s, i) => s + i.type.arrayLength, 0);
  if (storedValues > 0) {
    total = addCost(total, {
      ...zeroCost(),
      rounds: 1,
      elementsSent: STORAGE_COMMITTEE_N * storedValues,
      frames: STORAGE_COMMITTEE_N,
    });
  }
  const bytesOf = (cost: CallCost) => Math.round(cost.elementsSent * ELEMENT_BYTES + cost.frames * FRAME_HEADER_BYTES);
  const bytesPerParty = bytesOf(total);
  const figures = {
    committee,
    multiplications: Math.round(total.multiplications),
    rounds: total.rounds,
    openings: total.openings,
    bytesPerParty,
    layers,
    engineCalls,
    batches,
    inputCheck: {
      elements: ranges.length,
      rounds: check.rounds,
      multiplications: Math.round(check.multiplications),
      openings: check.openings,
      bytesPerParty: bytesOf(check),
    },
  };
  return { ...figures, gas: gasOf(figures) };
}

/** The cost of one call of `fn`, for a committee of (n, t) (default (5, 2)). */
export function costOf(
  contract: CompiledContract<FunctionMap> | ValidatedModule,
  fn: string,
  committee: Committee = DEFAULT_COMMITTEE,
): FunctionCost {
  const module = 'module' in contract ? contract.module : contract;
  const f = module.functions.find((x) => x.name === fn);
  if (!f) throw new RangeError(`contract ${module.name} has no function ${fn}`);
  return costOfFunction(f, committee);
}
