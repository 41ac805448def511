/**
 * ABI encoding of public outputs. The receipt carries `abi.encode(public outputs in declaration order)`, with
 * ints as int8..int64 (rounded up to whole bytes), bool, fixed point as its raw int64 (value × 2^16), and
 * fixed-size arrays; an Ethereum call output carries selector ‖ abi.encode(arguments) for its target.
 */
import { decodeAbiParameters, encodeAbiParameters, type Hex, hexToBytes, parseAbiParameters } from 'viem';
import type { CompiledContract } from '../compiler/compiled.js';
import type { FunctionMap } from '../dsl/contract.js';
import type { CallOutput, FunctionIr, ValueOutput } from '../ir/module.js';
import { abiType, type DeclaredType, FIXED_FRACTION_BITS } from '../ir/types.js';
import type { FunctionName, PublicResultOf } from '../types.js';
import { selectorOf } from './selector.js';
import { CodecError, functionIr, type JsValue } from './values.js';

export type PublicOutput = ValueOutput & { readonly to: 'public' };

export function publicOutputs(f: FunctionIr): PublicOutput[] {
  return f.outputs.filter((o): o is PublicOutput => o.to === 'public');
}

export function callOutputs(f: FunctionIr): CallOutput[] {
  return f.outputs.filter((o): o is CallOutput => o.to === 'call');
}

/** The ABI tuple type of a function's public outputs, e.g. "int64 price, bool sold". */
export function publicOutputAbiTypes(f: FunctionIr): string[] {
  return publicOutputs(f).map((o) => abiType(o.type));
}

/** A value as the ABI wants it: signed integers as bigint (fixed point raw), booleans, arrays. */
function abiValue(type: DeclaredType, signed: readonly bigint[], what: string): unknown {
  const bound = 1n << BigInt(type.kind === 'fixed' ? 63 : Math.ceil(type.bits / 8) * 8 - 1);
  const scalar = (v: bigint) => {
    if (type.kind === 'bool') return v === 1n;
    if (v < -bound || v >= bound)
      throw new CodecError(`${what}: ${v} overflows ${abiType({ ...type, arrayLength: 0 })}`);
    return v;
  };
  return type.arrayLength > 0 ? signed.map(scalar) : scalar(signed[0]);
}

function encodeTuple(types: readonly DeclaredType[], values: readonly (readonly bigint[])[], what: string): Hex {
  if (types.length === 0) return '0x';
  const params = parseAbiParameters(types.map(abiType).join(','));
  return encodeAbiParameters(
    params,
    types.map((t, i) => abiValue(t, values[i], `${what} ${i}`)),
  );
}

/** abi.encode of the public outputs; `values[i]` are the signed integers of the i-th public output. */
export function encodePublicOutputs(f: FunctionIr, values: readonly (readonly bigint[])[]): Uint8Array {
  const outs = publicOutputs(f);
  return hexToBytes(
    encodeTuple(
      outs.map((o) => o.type),
      values,
      `${f.name} public output`,
    ),
  );
}

/** selector ‖ abi.encode(arguments) of a call output; `values[k]` are the signed integers of argument k. */
export function encodeCallData(call: CallOutput, values: readonly (readonly bigint[])[]): Uint8Array {
  const selector = hexToBytes(selectorOf(call.signature));
  const params = parseAbiParameters(call.signature.slice(call.signature.indexOf('(') + 1, -1));
  const encoded =
    call.types.length === 0
      ? new Uint8Array(0)
      : hexToBytes(
          encodeAbiParameters(
            params,
            call.types.map((t, k) => abiValue(t, values[k], `${call.name} argument ${k}`)),
          ),
        );
  const out = new Uint8Array(4 + encoded.length);
  out.set(selector, 0);
  out.set(encoded, 4);
  return out;
}

/** Decodes the receipt's ABI-encoded public outputs (not the calls) into typed values. */
export function decodePublicOutputs<C extends CompiledContract<FunctionMap>, F extends FunctionName<C>>(
  contract: C,
  fn: F,
  encoded: Uint8Array,
): PublicResultOf<C, F> {
  const outs = publicOutputs(functionIr(contract, fn));
  if (outs.length === 0) return {} as PublicResultOf<C, F>;
  const params = parseAbiParameters(outs.map((o) => abiType(o.type)).join(','));
  const decoded = decodeAbiParameters(params, encoded) as readonly unknown[];
  return Object.fromEntries(outs.map((o, i) => [o.name, fromAbi(o.type, decoded[i])])) as PublicResultOf<C, F>;
}

export function fromAbi(type: DeclaredType, v: unknown): JsValue {
  const scalar = (x: unknown): bigint | number | boolean => {
    if (type.kind === 'bool') return Boolean(x);
    if (type.kind === 'fixed') return Number(x as bigint) / 2 ** FIXED_FRACTION_BITS;
    return BigInt(x as bigint | number);
  };
  return type.arrayLength > 0 ? (v as unknown[]).map(scalar) : scalar(v);
}
