/**
 * Type specifications of inputs and state variables: `secret.int64`, `secret.int(20)`, `secret.fixed`,
 * `secret.bool`, `secret.array(secret.int64, 8)`, and the same under `pub` for public parameters.
 * A spec carries its TypeScript value type, so that a client can type calls from the contract source.
 */
import type { Visibility } from '../ir/module.js';
import { type DeclaredType, FIXED_TOTAL_BITS, MAX_DECLARED_BITS, type ScalarKind } from '../ir/types.js';

/** The JavaScript value of one element: bigint for integers, number for fixed point, boolean. */
export type JsScalar<K extends ScalarKind> = K extends 'int' ? bigint : K extends 'fixed' ? number : boolean;

export interface ScalarSpec<K extends ScalarKind = ScalarKind, S extends Visibility = Visibility> {
  readonly shape: 'scalar';
  readonly kind: K;
  readonly visibility: S;
  readonly type: DeclaredType;
  /** Initial value as a state variable (default 0 / false). */
  readonly initial?: JsScalar<K>;
  /** The same type as a state variable starting at `value`. */
  init(value: JsScalar<K>): ScalarSpec<K, S>;
}

export interface ArraySpec<K extends ScalarKind = ScalarKind, S extends Visibility = Visibility> {
  readonly shape: 'array';
  readonly length: number;
  readonly kind: K;
  readonly visibility: S;
  readonly type: DeclaredType;
  readonly initial?: readonly JsScalar<K>[];
  init(values: readonly JsScalar<K>[]): ArraySpec<K, S>;
}

export type Spec = ScalarSpec | ArraySpec | StoredSpec;

/** The JavaScript value a client passes or receives for a spec (a stored input: the data's pointer). */
export type ValueOfSpec<T> = T extends StoredSpec
  ? StoredRef
  : T extends ArraySpec<infer K, Visibility>
    ? JsScalar<K>[]
    : T extends ScalarSpec<infer K, Visibility>
      ? JsScalar<K>
      : never;

function scalar<K extends ScalarKind, S extends Visibility>(
  kind: K,
  bits: number,
  visibility: S,
  initial?: JsScalar<K>,
): ScalarSpec<K, S> {
  return Object.freeze({
    shape: 'scalar' as const,
    kind,
    visibility,
    type: Object.freeze({ kind, bits, arrayLength: 0 }),
    ...(initial === undefined ? {} : { initial }),
    init: (value: JsScalar<K>) => scalar(kind, bits, visibility, value),
  });
}

function array<K extends ScalarKind, S extends Visibility>(
  element: ScalarSpec<K, S>,
  length: number,
  initial?: readonly JsScalar<K>[],
): ArraySpec<K, S> {
  if (!Number.isInteger(length) || length < 1 || length > 1 << 16) {
    throw new RangeError(`array length must be an integer in 1..65536, got ${length}`);
  }
  if (initial !== undefined && initial.length !== length) {
    throw new RangeError(`${initial.length} initial values for an array of ${length}`);
  }
  return Object.freeze({
    shape: 'array' as const,
    length,
    kind: element.kind,
    visibility: element.visibility,
    type: Object.freeze({ ...element.type, arrayLength: length }),
    ...(initial === undefined ? {} : { initial: Object.freeze([...initial]) }),
    init: (values: readonly JsScalar<K>[]) => array(element, length, values),
  });
}

function intOf<S extends Visibility>(visibility: S) {
  return (bits: number): ScalarSpec<'int', S> => {
    if (!Number.isInteger(bits) || bits < 2 || bits > MAX_DECLARED_BITS) {
      throw new RangeError(`integer width must be 2..${MAX_DECLARED_BITS} bits (signed), got ${bits}`);
    }
    return scalar('int', bits, visibility);
  };
}

function family<S extends Visibility>(visibility: S) {
  const int = intOf(visibility);
  return Object.freeze({
    /** A signed integer of `bits` bits (2..64). */
    int,
    int8: int(8),
    int16: int(16),
    int32: int(32),
    int64: int(64),
    /** Fixed point: 16 fractional bits, |x| < 2^23. */
    fixed: scalar('fixed', FIXED_TOTAL_BITS, visibility),
    bool: scalar('bool', 1, visibility),
    /** A fixed-size array of a scalar type. */
    array: <K extends ScalarKind>(element: ScalarSpec<K, S>, length: number): ArraySpec<K, S> => array(element, length),
  });
}

/** Types of secret inputs and state: shared among the committee, never seen by anyone. */
export const secret = family('secret');
/** Types of public parameters: passed in the clear with the call, known to every member. */
export const pub = family('public');

/**
 * A function input read from stored data: an int64 array of `length` values, kept secret-shared by a storage
 * committee (data stored with `encoding: 'int64'`). The caller passes the data's pointer; the storage committee
 * checks on chain that the caller may use it and reshares the values to the contract's committee. Inside the
 * function it is a secret int64 array.
 */
export interface StoredSpec {
  readonly shape: 'stored';
  readonly length: number;
  readonly kind: 'int';
  readonly visibility: 'stored';
  readonly type: DeclaredType;
  readonly initial?: undefined;
}

/** What a caller passes for a stored input: the pointer, or the pointer with its storage committee's (n, t). */
export type StoredRef = `0x${string}` | { readonly pointer: `0x${string}`; readonly n: number; readonly t: number };

export const stored = Object.freeze({
  /** `length` int64 values from stored data (1..65536). */
  int64(length: number): StoredSpec {
    if (!Number.isInteger(length) || length < 1 || length > 1 << 16) {
      throw new RangeError(`stored array length must be an integer in 1..65536, got ${length}`);
    }
    return Object.freeze({
      shape: 'stored' as const,
      length,
      kind: 'int' as const,
      visibility: 'stored' as const,
      type: Object.freeze({ kind: 'int' as const, bits: 64, arrayLength: length }),
    });
  },
});
