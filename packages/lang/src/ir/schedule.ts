/**
 * Layer scheduling by multiplicative depth. An interactive instruction (one that needs communication: a
 * product of secrets, a comparison, a truncation, an opening) sits one layer above the deepest interactive
 * instruction it depends on; local instructions cost nothing and sit at the depth of their deepest operand.
 * The interpreter runs all interactive instructions of one layer together, one batched engine call per kind,
 * so the rounds of a function grow with its depth, not with its instruction count.
 */
import type { Instruction } from './module.js';
import type { RegisterType } from './types.js';
import { isInteractive } from './typing.js';

/** The engine call that carries an interactive instruction; calls of one kind in a layer are merged. */
export type BatchKind = 'multiply' | 'fixedMultiply' | 'compare' | 'equal' | 'open';

export interface Layer {
  /** Interactive instructions of this layer, grouped by the batched engine call that runs them. */
  readonly batches: ReadonlyMap<BatchKind, readonly number[]>;
  /** Local instructions whose operands are ready after this layer's interactive ones. */
  readonly local: readonly number[];
}

export interface Schedule {
  /** depth[i]: the layer of instruction i (0 = before any communication). */
  readonly depth: readonly number[];
  readonly layers: readonly Layer[];
  readonly interactive: readonly boolean[];
}

export function batchKind(ins: Instruction): BatchKind {
  switch (ins.op) {
    case 'FixedMul':
      return 'fixedMultiply';
    case 'Lt':
    case 'Le':
    case 'Gt':
    case 'Ge':
      return 'compare';
    case 'Eq':
    case 'Ne':
      return 'equal';
    case 'Reveal':
      return 'open';
    default:
      return 'multiply';
  }
}

export function operandsOf(ins: Instruction): number[] {
  switch (ins.op) {
    case 'Input':
    case 'State':
    case 'Const':
      return [];
    case 'Select':
      return [ins.c, ins.a, ins.b];
    case 'Concat':
      return [...ins.parts];
    case 'Neg':
    case 'Not':
    case 'ToFixed':
    case 'Reveal':
    case 'Sum':
    case 'Slice':
    case 'Broadcast':
    case 'Narrow':
      return [ins.a];
    default:
      return [ins.a, ins.b];
  }
}

export function schedule(instructions: readonly Instruction[], types: readonly RegisterType[]): Schedule {
  const depth: number[] = [];
  const interactive: boolean[] = [];
  const ctx = { type: (r: number) => types[r] };
  let maxDepth = 0;
  instructions.forEach((ins, _i) => {
    let d = 0;
    for (const r of operandsOf(ins)) d = Math.max(d, depth[r]);
    const talks = isInteractive(ins, ctx);
    if (talks) d++;
    depth.push(d);
    interactive.push(talks);
    maxDepth = Math.max(maxDepth, d);
  });
  const layers = Array.from({ length: maxDepth + 1 }, () => ({
    batches: new Map<BatchKind, number[]>(),
    local: [] as number[],
  }));
  instructions.forEach((ins, i) => {
    const layer = layers[depth[i]];
    if (!interactive[i]) {
      layer.local.push(i);
      return;
    }
    const kind = batchKind(ins);
    const list = layer.batches.get(kind);
    if (list) list.push(i);
    else layer.batches.set(kind, [i]);
  });
  return { depth, layers, interactive };
}
