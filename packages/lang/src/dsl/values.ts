/**
 * Traced values: what a secret function's body computes with. Each operation appends an IR instruction to
 * the function's trace and returns a new traced value; nothing is computed at compile time. A scalar is a
 * `Val`, a fixed-size array a `Vec`; array operations are elementwise vector instructions, and a scalar
 * operand of an array operation is broadcast.
 *
 * Secret values cannot become JavaScript values: `if (x > y)`, `for (i < n)` with a secret n, template
 * strings and arithmetic operators throw a CompileError at that line.
 */
import { CompileError } from '../compiler/errors.js';
import { callSite } from '../compiler/source.js';
import { currentTracer, type Tracer } from '../compiler/tracer.js';
import type { Instruction, Visibility } from '../ir/module.js';
import {
  FIXED_FRACTION_BITS,
  FIXED_TOTAL_BITS,
  formatRegister,
  type RegisterType,
  type ScalarKind,
} from '../ir/types.js';

/** A JavaScript constant usable where a value of kind K is expected. */
export type Literal<K extends ScalarKind> = K extends 'bool' ? boolean : bigint | number;
export type Operand<K extends ScalarKind> = Traced<K, Visibility> | Literal<K>;
export type VisibilityOf<O> = O extends Traced<ScalarKind, infer S> ? S : 'public';
export type Join<A, B> = A extends 'secret' ? 'secret' : B extends 'secret' ? 'secret' : 'public';
/** An operation with an array operand gives an array. */
export type Lift<O, K extends ScalarKind, S extends Visibility> =
  O extends Vec<ScalarKind, Visibility> ? Vec<K, S> : Val<K, S>;
type MulOperand<K extends ScalarKind> = K extends 'fixed' ? Operand<'fixed'> | Traced<'int', Visibility> : Operand<K>;

const COERCION_HELP =
  'it is only known while the contract runs on the committee (secret, or a public argument). ' +
  'Use select(condition, a, b) for value-dependent choices, plain JavaScript numbers for loop bounds, ' +
  'and reveal(x) to make a secret public';

export abstract class Traced<K extends ScalarKind, S extends Visibility> {
  /** Phantom fields: the kind and visibility at the type level. */
  declare readonly __kind?: K;
  declare readonly __visibility?: S;

  constructor(
    readonly tracer: Tracer,
    readonly register: number,
  ) {}

  get type(): RegisterType {
    return this.tracer.type(this.register);
  }

  get isSecret(): boolean {
    return this.type.secret;
  }

  /** Number of elements (1 for a scalar). */
  get size(): number {
    return this.type.length;
  }

  abstract get isArray(): boolean;

  valueOf(): never {
    return this.refuse('as a JavaScript value (in a comparison operator, arithmetic operator or loop bound)');
  }

  toString(): never {
    return this.refuse('as a string');
  }

  [Symbol.toPrimitive](): never {
    return this.refuse('as a JavaScript value (in an if, a loop bound, an operator or a template string)');
  }

  toJSON(): never {
    return this.refuse('as JSON');
  }

  private refuse(how: string): never {
    throw new CompileError(
      `a ${formatRegister(this.type)} value cannot be used ${how}: ${COERCION_HELP}`,
      callSite(),
      this.tracer.functionName,
    );
  }
}

/** A traced scalar. */
export class Val<K extends ScalarKind = ScalarKind, S extends Visibility = Visibility> extends Traced<K, S> {
  get isArray(): false {
    return false;
  }

  add<O extends Operand<K>>(o: O): Lift<O, K, Join<S, VisibilityOf<O>>> {
    return binary('Add', this, o) as never;
  }
  sub<O extends Operand<K>>(o: O): Lift<O, K, Join<S, VisibilityOf<O>>> {
    return binary('Sub', this, o) as never;
  }
  /** Product; fixed × fixed is rescaled (one round), a product with a public integer is free. */
  mul<O extends MulOperand<K>>(o: O): Lift<O, K, Join<S, VisibilityOf<O>>> {
    return multiply(this, o) as never;
  }
  /** Division of public values only (integers truncate toward zero). */
  div<O extends Operand<K>>(o: O): Lift<O, K, Join<S, VisibilityOf<O>>> {
    return binary('Div', this, o) as never;
  }
  neg(): Val<K, S> {
    return unary('Neg', this) as never;
  }
  lt<O extends Operand<K>>(o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('Lt', this, o) as never;
  }
  le<O extends Operand<K>>(o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('Le', this, o) as never;
  }
  gt<O extends Operand<K>>(o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('Gt', this, o) as never;
  }
  ge<O extends Operand<K>>(o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('Ge', this, o) as never;
  }
  eq<O extends Operand<K>>(o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('Eq', this, o) as never;
  }
  ne<O extends Operand<K>>(o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('Ne', this, o) as never;
  }
  and<O extends Operand<'bool'>>(this: Val<'bool', S>, o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('And', this, o) as never;
  }
  or<O extends Operand<'bool'>>(this: Val<'bool', S>, o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('Or', this, o) as never;
  }
  xor<O extends Operand<'bool'>>(this: Val<'bool', S>, o: O): Lift<O, 'bool', Join<S, VisibilityOf<O>>> {
    return binary('Xor', this, o) as never;
  }
  not(this: Val<'bool', S>): Val<'bool', S> {
    return unary('Not', this) as never;
  }
  /** An integer as fixed point (free). */
  toFixed(this: Val<'int', S>): Val<'fixed', S> {
    return unary('ToFixed', this) as never;
  }
  /** A boolean as the integer 0 or 1 (free). */
  toInt(this: Val<'bool', S>): Val<'int', S> {
    return boolToInt(this) as never;
  }
  /** Asserts that an integer fits `bits` signed bits (not checked at run time; see docs/language.md). */
  assumeBits(this: Val<'int', S>, bits: number): Val<'int', S> {
    return wrap(this.tracer, this.tracer.emit({ op: 'Narrow', a: this.register, bits }), false) as never;
  }
}

/** A traced fixed-size array; operations are elementwise. */
export class Vec<K extends ScalarKind = ScalarKind, S extends Visibility = Visibility> extends Traced<K, S> {
  get isArray(): true {
    return true;
  }

  get length(): number {
    return this.size;
  }

  /** Element i (a public JavaScript index). */
  at(i: number): Val<K, S> {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      this.tracer.fail(`index ${i} is outside an array of ${this.length} (indices are public JavaScript integers)`);
    }
    return wrap(this.tracer, this.tracer.emit({ op: 'Slice', a: this.register, start: i, length: 1 }), false) as never;
  }
  /** Elements [start, end). */
  slice(start: number, end: number = this.length): Vec<K, S> {
    return wrap(
      this.tracer,
      this.tracer.emit({ op: 'Slice', a: this.register, start, length: end - start }),
      true,
    ) as never;
  }
  /** The elements as scalars. */
  toArray(): Val<K, S>[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }
  /** The sum of the elements (free). */
  sum(): Val<K, S> {
    return wrap(this.tracer, this.tracer.emit({ op: 'Sum', a: this.register }), false) as never;
  }

  add<O extends Operand<K>>(o: O): Vec<K, Join<S, VisibilityOf<O>>> {
    return binary('Add', this, o) as never;
  }
  sub<O extends Operand<K>>(o: O): Vec<K, Join<S, VisibilityOf<O>>> {
    return binary('Sub', this, o) as never;
  }
  mul<O extends MulOperand<K>>(o: O): Vec<K, Join<S, VisibilityOf<O>>> {
    return multiply(this, o) as never;
  }
  div<O extends Operand<K>>(o: O): Vec<K, Join<S, VisibilityOf<O>>> {
    return binary('Div', this, o) as never;
  }
  neg(): Vec<K, S> {
    return unary('Neg', this) as never;
  }
  lt<O extends Operand<K>>(o: O): Vec<'bool', Join<S, VisibilityOf<O>>> {
    return binary('Lt', this, o) as never;
  }
  le<O extends Operand<K>>(o: O): Vec<'bool', Join<S, VisibilityOf<O>>> {
    return binary('Le', this, o) as never;
  }
  gt<O extends Operand<K>>(o: O): Vec<'bool', Join<S, VisibilityOf<O>>> {
    return binary('Gt', this, o) as never;
  }
  ge<O extends Operand<K>>(o: O): Vec<'bool', Join<S, VisibilityOf<O>>> {
    return binary('Ge', this, o) as never;
  }
  eq<O extends Operand<K>>(o: O): Vec<'bool', Join<S, VisibilityOf<O>>> {
    return binary('Eq', this, o) as never;
  }
  ne<O extends Operand<K>>(o: O): Vec<'bool', Join<S, VisibilityOf<O>>> {
    return binary('Ne', this, o) as never;
  }
  and<O extends Operand<'bool'>>(this: Vec<'bool', S>, o: O): Vec<'bool', Join<S, VisibilityOf<O>>> {
    return binary('And', this, o) as never;
  }
  or<O extends Operand<'bool'>>(this: Vec<'bool', S>, o: O): Vec<'bool', Join<S, VisibilityOf<O>>> {
    return binary('Or', this, o) as never;
  }
  not(this: Vec<'bool', S>): Vec<'bool', S> {
    return unary('Not', this) as never;
  }
  toFixed(this: Vec<'int', S>): Vec<'fixed', S> {
    return unary('ToFixed', this) as never;
  }
  toInt(this: Vec<'bool', S>): Vec<'int', S> {
    return boolToInt(this) as never;
  }
}

export function wrap(tracer: Tracer, register: number, isArray: boolean): Traced<ScalarKind, Visibility> {
  return isArray ? new Vec(tracer, register) : new Val(tracer, register);
}

/** The register of an operand, constants emitted as public constants of the kind `like` asks for. */
export function registerOf(
  tracer: Tracer,
  o: unknown,
  like: ScalarKind,
  forMultiplication = false,
): { register: number; isArray: boolean } {
  if (o instanceof Traced) {
    if (o.tracer !== tracer) {
      tracer.fail(
        `this value belongs to function ${o.tracer.functionName}, not ${tracer.functionName}: values cannot be shared between functions (use a state variable)`,
      );
    }
    return { register: o.register, isArray: o.isArray };
  }
  return { register: constantRegister(tracer, o, like, forMultiplication), isArray: false };
}

function constantRegister(tracer: Tracer, o: unknown, like: ScalarKind, forMultiplication: boolean): number {
  if (typeof o === 'boolean') return tracer.constant('bool', 1, [o ? 1n : 0n]);
  if (typeof o !== 'bigint' && typeof o !== 'number') {
    return tracer.fail(`expected a traced value or a constant, got ${o === null ? 'null' : typeof o}`);
  }
  if (like === 'bool') return tracer.fail(`a number (${o}) where a boolean is expected`);
  const integral = typeof o === 'bigint' || Number.isInteger(o);
  if (like === 'int' || (like === 'fixed' && forMultiplication && integral)) {
    // integer constants stay integers: a fixed-point value times an integer needs no rescale
    if (!integral) return tracer.fail(`${o} is not an integer; use fixed-point values for fractions`);
    const v = BigInt(o);
    return tracer.constant('int', bitsFor(v), [v]);
  }
  const raw = typeof o === 'bigint' ? o << BigInt(FIXED_FRACTION_BITS) : fixedRaw(tracer, o);
  return tracer.constant('fixed', FIXED_TOTAL_BITS, [raw]);
}

function fixedRaw(tracer: Tracer, x: number): bigint {
  if (!Number.isFinite(x)) return tracer.fail(`${x} is not a finite number`);
  const raw = Math.round(x * 2 ** FIXED_FRACTION_BITS);
  if (Math.abs(raw) >= 2 ** (FIXED_TOTAL_BITS - 1)) return tracer.fail(`${x} is outside the fixed-point range`);
  return BigInt(raw);
}

/** Signed width of a constant: the fewest bits (at least 2) that hold it. */
export function bitsFor(v: bigint): number {
  let bits = 2;
  while (v >= 1n << BigInt(bits - 1) || v < -(1n << BigInt(bits - 1))) bits++;
  return bits;
}

/** Brings two registers to one length by broadcasting a scalar. */
function align(tracer: Tracer, a: number, b: number): [number, number] {
  const la = tracer.type(a).length;
  const lb = tracer.type(b).length;
  if (la === lb) return [a, b];
  if (la === 1) return [tracer.emit({ op: 'Broadcast', a, length: lb }), b];
  if (lb === 1) return [a, tracer.emit({ op: 'Broadcast', a: b, length: la })];
  return tracer.fail(`arrays of ${la} and ${lb} elements cannot be combined elementwise`);
}

type BinaryOp = 'Add' | 'Sub' | 'Div' | 'Lt' | 'Le' | 'Gt' | 'Ge' | 'Eq' | 'Ne' | 'And' | 'Or' | 'Xor';

function binary(op: BinaryOp, self: Traced<ScalarKind, Visibility>, o: unknown): Traced<ScalarKind, Visibility> {
  const tracer = self.tracer;
  const other = registerOf(tracer, o, self.type.kind);
  const [a, b] = align(tracer, self.register, other.register);
  return wrap(tracer, tracer.emit({ op, a, b } as Instruction), self.isArray || other.isArray);
}

function multiply(self: Traced<ScalarKind, Visibility>, o: unknown): Traced<ScalarKind, Visibility> {
  const tracer = self.tracer;
  const other = registerOf(tracer, o, self.type.kind, true);
  const [a, b] = align(tracer, self.register, other.register);
  const op = tracer.type(a).kind === 'fixed' && tracer.type(b).kind === 'fixed' ? 'FixedMul' : 'Mul';
  // keep the fixed-point operand first: int × fixed is written fixed × int in the IR
  const [x, y] = tracer.type(b).kind === 'fixed' && tracer.type(a).kind === 'int' ? [b, a] : [a, b];
  return wrap(tracer, tracer.emit({ op, a: x, b: y }), self.isArray || other.isArray);
}

function unary(op: 'Neg' | 'Not' | 'ToFixed', self: Traced<ScalarKind, Visibility>): Traced<ScalarKind, Visibility> {
  return wrap(self.tracer, self.tracer.emit({ op, a: self.register }), self.isArray);
}

function boolToInt(self: Traced<'bool', Visibility>): Traced<ScalarKind, Visibility> {
  const tracer = self.tracer;
  const one = tracer.constant('int', 2, [1n]);
  const zero = tracer.constant('int', 2, [0n]);
  const [c, a] = align(tracer, self.register, one);
  const [, b] = align(tracer, self.register, zero);
  return wrap(tracer, tracer.emit({ op: 'Select', c, a, b }), self.isArray);
}

/** The tracer of the first traced operand, or the running one. */
export function tracerOf(values: readonly unknown[], what: string): Tracer {
  for (const v of values) if (v instanceof Traced) return v.tracer;
  return currentTracer(what);
}
