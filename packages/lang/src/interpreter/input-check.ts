/**
 * The range check of a call's secret and stored inputs, run in MPC before the function body (outOfRange of
 * @mosaic/mpc). Whoever shares an input can share any field element; an int64 of 2^64, a fixed-point value
 * beyond its 40 bits or a boolean of 2 would make the body's comparisons, truncations and selects compute on
 * values they assume impossible, and could leak another operand's bits through a truncation. A call with an
 * input outside its declared type runs no further: no output, no public output, no new state.
 *
 * Every element of every checked input of every call goes into one vector, so the check takes one set of rounds
 * whatever the number of inputs and calls. Only the verdicts are public (one bit per element), never a value.
 */
import {
  BOOLEAN_RANGE,
  type FieldVector,
  outOfRange,
  type Party,
  rangeCheckDoubleSharings,
  type ValueRange,
  vec,
} from '@mosaic/mpc';
import type { InputDecl } from '../ir/module.js';
import { elementCount, FIXED_TOTAL_BITS, formatDeclared, type ScalarType } from '../ir/types.js';
import type { ValidatedFunction } from '../ir/validate.js';
import { ExecutionError } from './errors.js';

/** The range a value of this scalar type lies in, as the range check takes it. */
export function rangeOf(type: ScalarType): ValueRange {
  switch (type.kind) {
    case 'bool':
      return BOOLEAN_RANGE;
    case 'fixed':
      return { bits: FIXED_TOTAL_BITS, signed: true };
    case 'int':
      return { bits: type.bits, signed: true };
  }
}

/** The inputs the check covers: every input that arrives as shares (secret and stored), in declaration order. */
export function checkedInputs(f: ValidatedFunction): InputDecl[] {
  return f.inputs.filter((i) => i.visibility !== 'public');
}

/** The range of every element one call checks, inputs in declaration order, arrays flat. */
export function checkedRanges(f: ValidatedFunction): ValueRange[] {
  return checkedInputs(f).flatMap((i) => Array.from({ length: elementCount(i.type) }, () => rangeOf(i.type)));
}

/** The double sharings the check of one call takes (calls add up: the ranges repeat). */
export function inputCheckDoubleSharings(f: ValidatedFunction, t: number): number {
  return rangeCheckDoubleSharings(checkedRanges(f), t);
}

/** A call whose secret or stored inputs are not all values of their declared types. Names inputs, never values. */
export class InputRangeError extends ExecutionError {
  constructor(
    readonly functionName: string,
    /** The inputs that failed, by name, with the elements that failed for an array. */
    readonly inputs: readonly { readonly name: string; readonly elements: readonly number[] }[],
    descriptions: readonly string[],
  ) {
    super(`${functionName}: ${descriptions.join('; ')}`);
    this.name = 'InputRangeError';
  }
}

/**
 * Checks the shares of the checked inputs of every call (`calls[c][i]`: call c's shares of its i-th checked
 * input) and returns, per call, undefined when all are in range, else the error that names the inputs.
 */
export async function checkInputs(
  party: Party,
  f: ValidatedFunction,
  calls: readonly (readonly FieldVector[])[],
): Promise<(InputRangeError | undefined)[]> {
  const inputs = checkedInputs(f);
  const ranges = checkedRanges(f);
  if (ranges.length === 0) return calls.map(() => undefined);
  const verdicts = await outOfRange(
    party,
    vec.concat(calls.flatMap((shares) => [...shares])),
    calls.flatMap(() => ranges),
  );
  return calls.map((_, c) => {
    let at = c * ranges.length;
    const failed: { name: string; elements: number[] }[] = [];
    const descriptions: string[] = [];
    for (const input of inputs) {
      const count = elementCount(input.type);
      const elements = verdicts.slice(at, at + count).flatMap((bad, e) => (bad ? [e] : []));
      at += count;
      if (elements.length === 0) continue;
      failed.push({ name: input.name, elements });
      const which =
        input.type.arrayLength === 0 ? '' : ` (element${elements.length > 1 ? 's' : ''} ${elements.join(', ')})`;
      descriptions.push(`${input.visibility} input ${input.name} is not a valid ${formatDeclared(input.type)}${which}`);
    }
    return failed.length === 0 ? undefined : new InputRangeError(f.name, failed, descriptions);
  });
}
