/**
 * The contract-level DSL: `contract(name, { state, functions })`, `fn(inputs, body)`, `state({...})`, and
 * the free functions a body uses: select, reveal, ethereum calls, arrays, min and max.
 */
import { callSite } from '../compiler/source.js';
import { currentTracer } from '../compiler/tracer.js';
import type { Visibility } from '../ir/module.js';
import { FIXED_FRACTION_BITS, FIXED_TOTAL_BITS, type ScalarKind } from '../ir/types.js';
import type { ArraySpec, JsScalar, ScalarSpec, Spec, StoredSpec, ValueOfSpec } from './specs.js';
import {
  bitsFor,
  type Join,
  type Literal,
  registerOf,
  Traced,
  tracerOf,
  type Val,
  type Vec,
  type VisibilityOf,
  wrap,
} from './values.js';

export type SpecMap = { readonly [name: string]: Spec };

/** The traced value a body sees for a spec. */
export type TracedOfSpec<T> = T extends StoredSpec
  ? Vec<'int', 'secret'>
  : T extends ArraySpec<infer K, infer S>
    ? Vec<K, S>
    : T extends ScalarSpec<infer K, infer S>
      ? Val<K, S>
      : never;

export type TracedArgs<I extends SpecMap> = { readonly [P in keyof I]: TracedOfSpec<I[P]> };

/** An output passed to an Ethereum contract call: public values, in the order of the signature. */
export class EthereumCall<
  Args extends readonly Traced<ScalarKind, 'public'>[] = readonly Traced<ScalarKind, 'public'>[],
> {
  constructor(
    readonly target: string,
    readonly signature: string,
    readonly args: Args,
    readonly location: string | undefined,
  ) {}
}

/** What a body may return: named outputs. Secret values go privately to the caller, public ones to the receipt. */
export type Outputs = { readonly [name: string]: Traced<ScalarKind, Visibility> | EthereumCall };

export interface FunctionDef<I extends SpecMap = SpecMap, O extends Outputs | undefined = Outputs | undefined> {
  readonly kind: 'secret-function';
  readonly inputs: I;
  /** Method syntax on purpose: parameters are then bivariant, so any FunctionDef fits FunctionMap. */
  body(args: TracedArgs<I>): O;
  /** Where fn() was called: the fallback location for errors without a better one. */
  readonly location: string | undefined;
}

export type FunctionMap = { readonly [name: string]: FunctionDef<SpecMap, Outputs | undefined> };

/** A secret function: its inputs (secret and public parameters) and its body. */
export function fn<I extends SpecMap, O extends Outputs | undefined>(
  inputs: I,
  body: (args: TracedArgs<I>) => O,
): FunctionDef<I, O> {
  return { kind: 'secret-function', inputs, body, location: callSite() };
}

const STATE_SPECS = Symbol('mosaic.stateSpecs');

/** Persistent secret state: read and assign its fields inside function bodies. */
export type StateVars<T extends SpecMap> = { -readonly [P in keyof T]: TracedOfSpec<T[P]> } & {
  readonly [STATE_SPECS]: T;
};

/** Hooks the compiler installs to serve state reads and writes from the running trace. */
export interface StateAccess {
  read(name: string): Traced<ScalarKind, Visibility>;
  write(name: string, value: unknown): void;
}

let stateAccess: StateAccess | undefined;

export function withStateAccess<T>(access: StateAccess, body: () => T): T {
  const previous = stateAccess;
  stateAccess = access;
  try {
    return body();
  } finally {
    stateAccess = previous;
  }
}

/**
 * Declares persistent secret state. Reading a field gives its current traced value; assigning one records
 * the new value, stored when the call ends. Types: any secret spec, with `.init(value)` for a start value.
 */
export function state<T extends SpecMap>(specs: T): StateVars<T> {
  const vars = {} as Record<string | symbol, unknown>;
  for (const name of Object.keys(specs)) {
    if (specs[name].visibility !== 'secret') {
      throw new TypeError(`state variable ${name} must be secret (public state is not supported)`);
    }
    Object.defineProperty(vars, name, {
      enumerable: true,
      get: () => access(name).read(name),
      set: (value: unknown) => access(name).write(name, value),
    });
  }
  Object.defineProperty(vars, STATE_SPECS, { value: specs });
  return vars as StateVars<T>;
}

function access(name: string): StateAccess {
  if (!stateAccess) currentTracer(`state variable ${name}`);
  return stateAccess!;
}

export function stateSpecsOf(vars: unknown): SpecMap {
  return (vars as { [STATE_SPECS]?: SpecMap })?.[STATE_SPECS] ?? {};
}

export interface ContractDefinition<Fns extends FunctionMap = FunctionMap> {
  readonly kind: 'secret-contract';
  readonly name: string;
  readonly state: SpecMap;
  readonly functions: Fns;
}

/** A secret contract: a name, its persistent state (from state()) and its functions. */
export function contract<Fns extends FunctionMap>(
  name: string,
  definition: { state?: StateVars<SpecMap>; functions: Fns },
): ContractDefinition<Fns> {
  return { kind: 'secret-contract', name, state: stateSpecsOf(definition.state), functions: definition.functions };
}

type KindOfOperands<A, B> =
  A extends Traced<infer K, Visibility>
    ? K
    : B extends Traced<infer K, Visibility>
      ? K
      : A extends boolean
        ? 'bool'
        : A extends bigint
          ? 'int'
          : 'fixed';
type Shaped<T, K extends ScalarKind, S extends Visibility> =
  T extends Vec<ScalarKind, Visibility> ? Vec<K, S> : Val<K, S>;

/**
 * Oblivious choice, elementwise: condition ? a : b. Both branches are computed; which one is taken stays
 * secret. One multiplication when the condition is secret.
 */
export function select<
  C extends Traced<'bool', Visibility> | boolean,
  A extends Traced<ScalarKind, Visibility> | Literal<ScalarKind>,
  B extends Traced<ScalarKind, Visibility> | Literal<ScalarKind>,
>(
  condition: C,
  a: A,
  b: B,
): Shaped<C | A | B, KindOfOperands<A, B>, Join<VisibilityOf<C>, Join<VisibilityOf<A>, VisibilityOf<B>>>> {
  if (typeof condition === 'boolean') {
    throw currentTracer('select').fail(
      'select with a JavaScript boolean condition: use a plain conditional expression instead',
    );
  }
  const tracer = tracerOf([condition, a, b], 'select');
  const kind: ScalarKind =
    a instanceof Traced
      ? a.type.kind
      : b instanceof Traced
        ? b.type.kind
        : typeof a === 'bigint'
          ? 'int'
          : typeof a === 'boolean'
            ? 'bool'
            : 'fixed';
  const c = registerOf(tracer, condition, 'bool');
  const x = registerOf(tracer, a, kind);
  const y = registerOf(tracer, b, kind);
  const length = Math.max(...[c, x, y].map((r) => tracer.type(r.register).length));
  const widen = (r: number) => (tracer.type(r).length === length ? r : tracer.emit({ op: 'Broadcast', a: r, length }));
  const register = tracer.emit({ op: 'Select', c: widen(c.register), a: widen(x.register), b: widen(y.register) });
  return wrap(tracer, register, c.isArray || x.isArray || y.isArray) as never;
}

/** Opens a secret value to every committee member: the result is public (and may be a public output). */
export function reveal<T extends Traced<ScalarKind, Visibility>>(
  value: T,
): T extends Vec<infer K, Visibility>
  ? Vec<K, 'public'>
  : T extends Val<infer K, Visibility>
    ? Val<K, 'public'>
    : never {
  const tracer = tracerOf([value], 'reveal');
  const { register, isArray } = registerOf(tracer, value, 'int');
  if (!tracer.type(register).secret) return value as never;
  return wrap(tracer, tracer.emit({ op: 'Reveal', a: register }), isArray) as never;
}

/** An array of scalars (or arrays) of one kind, as one vector. */
export function array<K extends ScalarKind, S extends Visibility>(items: readonly Traced<K, S>[]): Vec<K, S> {
  if (items.length === 0) throw currentTracer('array').fail('an array needs at least one element');
  const tracer = tracerOf(items, 'array');
  const parts = items.map((item) => registerOf(tracer, item, 'int').register);
  return wrap(tracer, tracer.emit({ op: 'Concat', parts }), true) as never;
}

/** A public constant array, e.g. the edges of a histogram: constants([0, 10, 20]). */
export function constants<V extends bigint | number | boolean>(
  values: readonly V[],
): Vec<V extends boolean ? 'bool' : V extends bigint ? 'int' : 'fixed', 'public'> {
  const tracer = currentTracer('constants');
  if (values.length === 0) tracer.fail('constants() needs at least one value');
  const first = values[0];
  const kind: ScalarKind = typeof first === 'boolean' ? 'bool' : typeof first === 'bigint' ? 'int' : 'fixed';
  const raw = values.map((v: bigint | number | boolean) => {
    if (typeof v !== typeof first) tracer.fail('constants() takes values of one type (bigint, number or boolean)');
    if (typeof v === 'boolean') return v ? 1n : 0n;
    if (typeof v === 'bigint') return v;
    if (!Number.isFinite(v) || Math.abs(v) >= 2 ** (FIXED_TOTAL_BITS - FIXED_FRACTION_BITS - 1)) {
      // fixed point holds |x| < 2^23
      tracer.fail(`${v} is outside the fixed-point range`);
    }
    return BigInt(Math.round(v * 2 ** FIXED_FRACTION_BITS));
  });
  const bits = kind === 'bool' ? 1 : kind === 'fixed' ? FIXED_TOTAL_BITS : Math.max(...raw.map(bitsFor));
  return wrap(tracer, tracer.constant(kind, bits, raw), true) as never;
}

/** The larger of a and b (one comparison and one selection). */
export function max<K extends ScalarKind, SA extends Visibility, SB extends Visibility>(
  a: Val<K, SA>,
  b: Val<K, SB> | Literal<K>,
): Val<K, Join<SA, VisibilityOf<typeof b>>> {
  return select(a.gt(b as never), a, b as never) as never;
}

/** The smaller of a and b. */
export function min<K extends ScalarKind, SA extends Visibility, SB extends Visibility>(
  a: Val<K, SA>,
  b: Val<K, SB> | Literal<K>,
): Val<K, Join<SA, VisibilityOf<typeof b>>> {
  return select(a.lt(b as never), a, b as never) as never;
}

/** The JavaScript value of an output. */
export type ValueOfTraced<T> =
  T extends Vec<infer K, Visibility>
    ? JsScalar<K>[]
    : T extends Val<infer K, Visibility>
      ? JsScalar<K>
      : T extends EthereumCall<infer Args>
        ? { -readonly [I in keyof Args]: ValueOfTraced<Args[I]> }
        : never;

/**
 * An Ethereum contract call with public arguments, made with the receipt: `ethereum(target, 'settle(uint32,int64)')`
 * returns a function that takes the arguments (revealed values) inside a body.
 */
export function ethereum(target: string, signature: string) {
  const location = callSite();
  return <Args extends readonly Traced<ScalarKind, 'public'>[]>(...args: Args): EthereumCall<Args> =>
    new EthereumCall(target, signature, args, callSite() ?? location);
}

export type { ValueOfSpec };
