/**
 * Value codecs between JavaScript values and field elements, as the client needs them: integers are signed
 * field elements (x mod p), fixed point is round(x * 2^16) the same way, booleans 0/1, arrays flattened.
 */
import { decodeFixed, encodeFixed, field } from '@mosaic/mpc';
import type { CompiledContract } from '../compiler/compiled.js';
import type { FunctionMap } from '../dsl/contract.js';
import type { FunctionIr, ValueOutput } from '../ir/module.js';

export type PrivateOutput = ValueOutput & { readonly to: 'private' };

import { type DeclaredType, elementCount, FIXED_FRACTION_BITS, FIXED_TOTAL_BITS, formatDeclared } from '../ir/types.js';
import type { ArgsOf, FunctionName, PrivateResultOf } from '../types.js';

export type JsValue = bigint | number | boolean | JsValue[];

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

export interface EncodedArgs {
  /** Field elements of each secret input, in declaration order: what the client secret-shares. */
  readonly secret: bigint[][];
  /** Field elements of each public input, in declaration order: sent in the clear. */
  readonly public: bigint[][];
}

export function functionIr(contract: CompiledContract<FunctionMap>, fn: string): FunctionIr {
  const info = Object.hasOwn(contract.functions, fn) ? contract.functions[fn] : undefined;
  if (!info) throw new CodecError(`contract ${contract.name} has no function ${fn}`);
  return contract.module.functions[info.index];
}

/** Encodes a call's arguments into field elements, checking every value against its declared type. */
export function encodeArgs<C extends CompiledContract<FunctionMap>, F extends FunctionName<C>>(
  contract: C,
  fn: F,
  values: ArgsOf<C, F>,
): EncodedArgs {
  const f = functionIr(contract, fn);
  const given = values as Record<string, unknown>;
  const out: EncodedArgs = { secret: [], public: [] };
  for (const input of f.inputs) {
    if (!Object.hasOwn(given, input.name)) throw new CodecError(`${fn}: argument ${input.name} is missing`);
    if (input.visibility === 'stored') {
      // The pointer (and the storage committee's (n, t)) goes in the clear, bound by the bundle hash.
      out.public.push(encodeStoredRef(given[input.name], `${fn}.${input.name}`));
      continue;
    }
    const elements = encodeValue(input.type, given[input.name], `${fn}.${input.name}`).map(field.fromSigned);
    (input.visibility === 'secret' ? out.secret : out.public).push(elements);
  }
  for (const name of Object.keys(given)) {
    if (!f.inputs.some((i) => i.name === name)) throw new CodecError(`${fn}: unknown argument ${name}`);
  }
  return out;
}

/** Public-argument elements of a stored input: the pointer in 3 (11 + 11 + 10 bytes) and n * 256 + t in one. */
export const STORED_ARG_ELEMENTS = 4;
/** The storage committee a bare pointer refers to (the client's default). */
export const DEFAULT_STORED_COMMITTEE = { n: 5, t: 2 } as const;

/** A stored input's reference as it travels in the task's public arguments. */
export interface StoredInputRef {
  pointer: `0x${string}`;
  n: number;
  t: number;
}

/** Encodes a pointer (0x + 32 bytes), or { pointer, n, t }, into STORED_ARG_ELEMENTS field elements. */
export function encodeStoredRef(value: unknown, what: string): bigint[] {
  const ref =
    typeof value === 'string' ? { pointer: value, ...DEFAULT_STORED_COMMITTEE } : (value as Partial<StoredInputRef>);
  if (
    typeof ref !== 'object' ||
    ref === null ||
    typeof ref.pointer !== 'string' ||
    !/^0x[0-9a-fA-F]{64}$/.test(ref.pointer)
  ) {
    throw new CodecError(`${what}: expected a data pointer (0x and 32 bytes), or { pointer, n, t }`);
  }
  const { n, t } = ref;
  if (!Number.isInteger(n) || !Number.isInteger(t) || t! < 1 || 2 * t! + 1 > n! || n! > 255) {
    throw new CodecError(`${what}: storage committee (n = ${n}, t = ${t}) needs 1 <= t, 2t + 1 <= n <= 255`);
  }
  const h = ref.pointer.slice(2).toLowerCase();
  return [
    BigInt(`0x${h.slice(0, 22)}`),
    BigInt(`0x${h.slice(22, 44)}`),
    BigInt(`0x${h.slice(44, 64)}`),
    BigInt(n! * 256 + t!),
  ];
}

/** The inverse of encodeStoredRef; throws CodecError on elements that no reference encodes to. */
export function decodeStoredRef(elements: readonly bigint[], what = 'stored input'): StoredInputRef {
  const limits = [1n << 88n, 1n << 88n, 1n << 80n, 1n << 16n];
  if (elements.length !== STORED_ARG_ELEMENTS || elements.some((e, i) => e < 0n || e >= limits[i]!)) {
    throw new CodecError(`${what}: not a data pointer`);
  }
  const pointer =
    `0x${elements[0]!.toString(16).padStart(22, '0')}${elements[1]!.toString(16).padStart(22, '0')}${elements[2]!.toString(16).padStart(20, '0')}` as const;
  const n = Number(elements[3]! >> 8n);
  const t = Number(elements[3]! & 0xffn);
  if (t < 1 || 2 * t + 1 > n) throw new CodecError(`${what}: storage committee (n = ${n}, t = ${t}) is not valid`);
  return { pointer, n, t };
}

/** Elements an input takes in the task's public arguments (0 for a secret input). */
export function publicArgElements(input: Pick<FunctionIr['inputs'][number], 'visibility' | 'type'>): number {
  if (input.visibility === 'stored') return STORED_ARG_ELEMENTS;
  return input.visibility === 'public' ? elementCount(input.type) : 0;
}

/** A value as signed integers (one per element), checked against its declared type. */
export function encodeValue(type: DeclaredType, value: unknown, what: string): bigint[] {
  if (type.arrayLength > 0) {
    if (!Array.isArray(value) || value.length !== type.arrayLength) {
      throw new CodecError(`${what}: expected an array of ${type.arrayLength} (${formatDeclared(type)})`);
    }
    return value.map((v, i) => encodeScalar(type, v, `${what}[${i}]`));
  }
  return [encodeScalar(type, value, what)];
}

function encodeScalar(type: DeclaredType, value: unknown, what: string): bigint {
  switch (type.kind) {
    case 'bool':
      if (typeof value !== 'boolean') throw new CodecError(`${what}: expected a boolean`);
      return value ? 1n : 0n;
    case 'fixed': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new CodecError(`${what}: expected a finite number`);
      try {
        return encodeFixed(value, { f: FIXED_FRACTION_BITS, k: FIXED_TOTAL_BITS });
      } catch {
        throw new CodecError(`${what}: ${value} is outside the fixed-point range (|x| < 2^23)`);
      }
    }
    case 'int': {
      if (typeof value !== 'bigint') throw new CodecError(`${what}: expected a bigint (${formatDeclared(type)})`);
      const bound = 1n << BigInt(type.bits - 1);
      if (value < -bound || value >= bound)
        throw new CodecError(`${what}: ${value} does not fit ${formatDeclared(type)}`);
      return value;
    }
  }
}

/** Decodes signed integers (or field elements, taken as signed) of one declared type into a JS value. */
export function decodeValue(type: DeclaredType, elements: readonly bigint[], what = 'value'): JsValue {
  if (elements.length !== elementCount(type)) {
    throw new CodecError(`${what}: ${elements.length} elements for ${formatDeclared(type)}`);
  }
  const scalars = elements.map((e) => decodeScalar(type, field.toSigned(e), what));
  return type.arrayLength > 0 ? scalars : scalars[0];
}

function decodeScalar(type: DeclaredType, v: bigint, what: string): bigint | number | boolean {
  switch (type.kind) {
    case 'bool':
      if (v !== 0n && v !== 1n) throw new CodecError(`${what}: ${v} is not a boolean`);
      return v === 1n;
    case 'fixed':
      return decodeFixed(v, { f: FIXED_FRACTION_BITS, k: FIXED_TOTAL_BITS });
    case 'int':
      return v;
  }
}

export function privateOutputs(f: FunctionIr): PrivateOutput[] {
  return f.outputs.filter((o): o is PrivateOutput => o.to === 'private');
}

/**
 * Decodes the private outputs a caller reconstructed: `elements[i]` are the field elements of the i-th
 * private output (declaration order), as reconstruct() returns them.
 */
export function decodeOutputs<C extends CompiledContract<FunctionMap>, F extends FunctionName<C>>(
  contract: C,
  fn: F,
  elements: readonly (readonly bigint[])[],
): PrivateResultOf<C, F> {
  const outs = privateOutputs(functionIr(contract, fn));
  if (elements.length !== outs.length) {
    throw new CodecError(`${fn} has ${outs.length} private outputs, got ${elements.length}`);
  }
  return Object.fromEntries(
    outs.map((o, i) => [o.name, decodeValue(o.type, elements[i], `${fn}.${o.name}`)]),
  ) as PrivateResultOf<C, F>;
}

/** Element counts of the private outputs, in order (how a caller splits the reconstructed vector). */
export function privateOutputSizes(contract: CompiledContract<FunctionMap>, fn: string): number[] {
  return privateOutputs(functionIr(contract, fn)).map((o) => elementCount(o.type));
}
