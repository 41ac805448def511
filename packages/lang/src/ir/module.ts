/**
 * The IR as data: a module holds the contract's state variables and its functions; a function is a list of
 * instructions in SSA form (instruction i defines register i), its inputs, outputs and state updates.
 * docs/ir.md is the written specification; encoding.ts is the canonical byte form.
 */
import type { DeclaredType } from './types.js';

/** Opcodes and their byte values in the encoding. Never renumber: the bytes are the code hash. */
export const Op = {
  /** Input `index` of the function (secret or public as declared). */
  Input: 0x01,
  /** The current value of state variable `index` (secret). */
  State: 0x02,
  /** A public constant vector. */
  Const: 0x03,
  Add: 0x10,
  Sub: 0x11,
  Neg: 0x12,
  /** Integer product, or integer times fixed point (no rescale). */
  Mul: 0x13,
  /** Fixed-point product with rescale (truncation by 2^16). */
  FixedMul: 0x14,
  /** Division of public values (integers: truncated toward zero; fixed: rescaled). */
  Div: 0x15,
  Lt: 0x20,
  Le: 0x21,
  Gt: 0x22,
  Ge: 0x23,
  Eq: 0x24,
  Ne: 0x25,
  Not: 0x28,
  And: 0x29,
  Or: 0x2a,
  Xor: 0x2b,
  /** c ? a : b elementwise. */
  Select: 0x30,
  /** Integer to fixed point (times 2^16). */
  ToFixed: 0x31,
  /** Opens a secret register to every party: the result is public. */
  Reveal: 0x38,
  /** Elements [start, start + length) of a register. */
  Slice: 0x40,
  /** The concatenation of several registers of one kind. */
  Concat: 0x41,
  /** A length-1 register repeated `length` times. */
  Broadcast: 0x42,
  /** The sum of a register's elements. */
  Sum: 0x43,
  /** Declares that an integer register fits `bits` bits (no check: the author's assertion). */
  Narrow: 0x44,
} as const;

export type OpName = keyof typeof Op;
export type OpCode = (typeof Op)[OpName];

export const OP_NAMES: ReadonlyMap<number, OpName> = new Map(
  (Object.entries(Op) as [OpName, number][]).map(([name, code]) => [code, name]),
);

export type Instruction =
  | { op: 'Input'; index: number }
  | { op: 'State'; index: number }
  | { op: 'Const'; kind: 'int' | 'fixed' | 'bool'; bits: number; values: readonly bigint[] }
  | { op: 'Neg' | 'Not' | 'ToFixed' | 'Reveal' | 'Sum'; a: number }
  | {
      op: 'Add' | 'Sub' | 'Mul' | 'FixedMul' | 'Div' | 'Lt' | 'Le' | 'Gt' | 'Ge' | 'Eq' | 'Ne' | 'And' | 'Or' | 'Xor';
      a: number;
      b: number;
    }
  | { op: 'Select'; c: number; a: number; b: number }
  | { op: 'Slice'; a: number; start: number; length: number }
  | { op: 'Concat'; parts: readonly number[] }
  | { op: 'Broadcast'; a: number; length: number }
  | { op: 'Narrow'; a: number; bits: number };

export type Visibility = 'secret' | 'public';

/**
 * How a function input arrives: `secret` (shares sealed by the caller), `public` (in the clear), or `stored`:
 * a pointer to int64 data kept by a storage committee (the pointer travels in the public arguments; the
 * storage committee reshares the values to the compute committee). Inside the function a stored input is a
 * secret int64 array.
 */
export type InputVisibility = Visibility | 'stored';

export interface InputDecl {
  readonly name: string;
  readonly visibility: InputVisibility;
  readonly type: DeclaredType;
}

/**
 * Where an output goes: `private` is opened to the caller only (each member hands the caller its share),
 * `public` is opened and recorded in the receipt, `call` is opened and passed to an Ethereum contract call.
 */
/** An output opened to the caller only (`private`) or to everyone and recorded in the receipt (`public`). */
export interface ValueOutput {
  readonly name: string;
  readonly to: 'private' | 'public';
  readonly type: DeclaredType;
  readonly register: number;
}

/** Public values passed to an Ethereum contract call made with the receipt. */
export interface CallOutput {
  readonly name: string;
  readonly to: 'call';
  /** 0x-prefixed 20-byte address, lower case. */
  readonly target: string;
  /** Canonical Solidity signature, e.g. settle(uint32,int64). */
  readonly signature: string;
  readonly types: readonly DeclaredType[];
  readonly registers: readonly number[];
}

/**
 * Where an output goes: `private` is opened to the caller only (each member hands the caller its share),
 * `public` is opened and recorded in the receipt, `call` is opened and passed to an Ethereum contract call.
 */
export type OutputDecl = ValueOutput | CallOutput;

export interface StateUpdate {
  readonly index: number;
  readonly register: number;
}

export interface FunctionIr {
  readonly name: string;
  readonly inputs: readonly InputDecl[];
  readonly instructions: readonly Instruction[];
  readonly outputs: readonly OutputDecl[];
  readonly stateUpdates: readonly StateUpdate[];
}

export interface StateDecl {
  readonly name: string;
  readonly type: DeclaredType;
  /** Initial values, one per element (ints and fixed as signed integers, bools 0/1). */
  readonly initial: readonly bigint[];
}

export interface IrModule {
  readonly version: number;
  readonly name: string;
  readonly state: readonly StateDecl[];
  readonly functions: readonly FunctionIr[];
}

export const IR_VERSION = 1;
