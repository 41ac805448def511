/**
 * The value types of the IR. Every register holds a vector of `length` elements of one scalar type, and is
 * either secret (each party holds shares) or public (every party holds the same plain value).
 */

export type ScalarKind = 'int' | 'fixed' | 'bool';

/** Fixed point: 16 fractional bits in a 40-bit signed range, the engine's default format. */
export const FIXED_FRACTION_BITS = 16;
export const FIXED_TOTAL_BITS = 40;
/** Widest integer a comparison or equality takes (the engine compares signed 64-bit values). */
export const MAX_COMPARE_BITS = 64;
/** Widest declared integer type. */
export const MAX_DECLARED_BITS = 64;
/** Integer widths are tracked up to here; beyond it a value may wrap modulo p and the compiler refuses it. */
export const MAX_TRACKED_BITS = 126;

export interface ScalarType {
  readonly kind: ScalarKind;
  /** Signed width for int (1..64 declared), 40 for fixed, 1 for bool. */
  readonly bits: number;
}

/** The declared type of an input, an output or a state variable: a scalar or a fixed-size array. */
export interface DeclaredType extends ScalarType {
  /** 0 for a scalar, else the array length. */
  readonly arrayLength: number;
}

/** The type of a register. */
export interface RegisterType extends ScalarType {
  readonly length: number;
  readonly secret: boolean;
}

export function elementCount(t: DeclaredType): number {
  return t.arrayLength === 0 ? 1 : t.arrayLength;
}

export function formatScalar(t: ScalarType): string {
  return t.kind === 'int' ? `int${t.bits}` : t.kind;
}

/** The canonical name of a declared type, as used in function signatures: int64, fixed, bool, int8[4]. */
export function formatDeclared(t: DeclaredType): string {
  return t.arrayLength === 0 ? formatScalar(t) : `${formatScalar(t)}[${t.arrayLength}]`;
}

export function formatRegister(t: RegisterType): string {
  const base = `${t.secret ? 'secret' : 'public'} ${formatScalar(t)}`;
  return t.length === 1 ? base : `${base} x${t.length}`;
}

/** The Solidity ABI type of a declared type: ints round up to a multiple of 8 bits; fixed is its raw int64. */
export function abiType(t: DeclaredType): string {
  const scalar = t.kind === 'bool' ? 'bool' : t.kind === 'fixed' ? 'int64' : `int${Math.ceil(t.bits / 8) * 8}`;
  return t.arrayLength === 0 ? scalar : `${scalar}[${t.arrayLength}]`;
}
