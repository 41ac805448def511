/**
 * The interpreter: runs one function of a validated module as one party of a committee, over @mosaic/mpc.
 * It walks the schedule layer by layer; the interactive instructions of a layer run as one batched engine
 * call per kind (all products in one multiplication, all comparisons in one comparison, ...), so a function
 * takes as many rounds as its multiplicative depth needs, whatever its instruction count. Every party of the
 * committee must call execute() with the same module, function and public arguments.
 *
 * Before the body, every secret and stored input is checked in MPC to be a value of its declared type
 * (input-check.ts); a call that fails the check runs no further.
 */
import { equalsZero, type FieldVector, field, fixedMul, lessThanZero, mul, open, type Party, vec } from '@mosaic/mpc';
import { callOutputs, encodeCallData, encodePublicOutputs, publicOutputs } from '../codec/abi.js';
import { decodeValue, type JsValue, privateOutputs } from '../codec/values.js';
import type { CompiledContract } from '../compiler/compiled.js';
import type { Instruction } from '../ir/module.js';
import { type BatchKind, schedule } from '../ir/schedule.js';
import { elementCount, FIXED_FRACTION_BITS, FIXED_TOTAL_BITS } from '../ir/types.js';
import { fitsKind } from '../ir/typing.js';
import type { ValidatedFunction, ValidatedModule } from '../ir/validate.js';
import { ExecutionError } from './errors.js';
import { checkInputs, type InputRangeError } from './input-check.js';
import { doubleSharingsNeeded } from './preprocessing.js';

export interface ExecuteInput {
  /** This party's shares of each secret input, in declaration order (one element per scalar, arrays flat). */
  readonly args: readonly FieldVector[];
  /** Field elements of each public input, in declaration order (as encodeArgs gives them). */
  readonly publicArgs?: readonly (readonly bigint[])[];
  /** This party's shares of each state variable, in declaration order; undefined means the initial values. */
  readonly state?: readonly (FieldVector | undefined)[];
}

export interface EthereumCallResult {
  readonly name: string;
  readonly target: string;
  readonly signature: string;
  /** selector ‖ abi.encode(arguments). */
  readonly data: Uint8Array;
  readonly args: JsValue[];
}

export interface ExecuteStats {
  readonly rounds: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Layers with communication (the function's multiplicative depth in scheduled layers). */
  readonly layers: number;
  /** Batched engine calls made. */
  readonly engineCalls: number;
  /** Rounds of the range check of the secret and stored inputs (included in `rounds`). */
  readonly inputCheckRounds: number;
}

export interface ExecuteResult {
  /** This party's shares of each private output, in declaration order: sealed to the caller. */
  readonly privateOutputs: FieldVector[];
  /** Opened public outputs by name (not the Ethereum calls). */
  readonly publicOutputs: Record<string, JsValue>;
  /** abi.encode of the public outputs in declaration order: the receipt's public output. */
  readonly publicOutputAbi: Uint8Array;
  /** Ethereum contract calls to make with the receipt. */
  readonly ethereumCalls: EthereumCallResult[];
  /** This party's shares of every state variable after the call, in declaration order. */
  readonly newState: FieldVector[];
  readonly stats: ExecuteStats;
}

interface Reg {
  readonly secret: boolean;
  readonly v: FieldVector;
}

const ONE = 1n;
const FIXED_SCALE = 1n << BigInt(FIXED_FRACTION_BITS);

/** One call of executeMany: its result, or why its inputs were refused (then it has no outputs and no state). */
export type CallOutcome =
  | { readonly ok: true; readonly result: ExecuteResult }
  | { readonly ok: false; readonly error: InputRangeError };

/** Runs one call; throws InputRangeError when a secret or stored input is not a value of its type. */
export async function execute(
  party: Party,
  contract: ValidatedModule | CompiledContract,
  fnName: string,
  input: ExecuteInput,
): Promise<ExecuteResult> {
  const [outcome] = await executeMany(party, contract, fnName, [input]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
}

/**
 * Runs `inputs.length` independent calls of one function together: every call follows the same schedule, so
 * the interactive instructions of a layer run as one engine call across all of them, and k calls take the
 * rounds of one. A committee uses this to run many tasks of a contract in one session. Every party must pass
 * the calls in the same order. The input check covers all calls at once; a call that fails it is left out of
 * the body's run (every party sees the same verdicts). The stats are those of the whole run.
 */
export async function executeMany(
  party: Party,
  contract: ValidatedModule | CompiledContract,
  fnName: string,
  inputs: readonly ExecuteInput[],
): Promise<CallOutcome[]> {
  const module = 'module' in contract ? contract.module : contract;
  const f = module.functions.find((x) => x.name === fnName);
  if (!f) throw new ExecutionError(`contract ${module.name} has no function ${fnName}`);
  if (inputs.length === 0) return [];
  const start = { ...party.stats };
  const plan = schedule(f.instructions, f.registerTypes);
  const boundAll = inputs.map((input) => bindInputs(f, input));
  const statesAll = inputs.map((input) => bindState(module, input.state));

  // One preprocessing round for the whole call (input check and body), when it is small enough for the engine
  // to make at once: every later batch then finds its double sharings in the pool instead of spending a round.
  const needed = doubleSharingsNeeded(f, plan, party.t) * inputs.length;
  if (needed > 0) await party.pre.reserveDoubleSharings(needed);

  const checkStart = party.stats.rounds;
  const refused = await checkInputs(
    party,
    f,
    boundAll.map((regs) => regs.filter((r) => r.secret).map((r) => r.v)),
  );
  const inputCheckRounds = party.stats.rounds - checkStart;
  const accepted = inputs.flatMap((_, c) => (refused[c] ? [] : [c]));
  const bound = accepted.map((c) => boundAll[c]!);
  const statesIn = accepted.map((c) => statesAll[c]!);
  const regs = accepted.map(() => new Array<Reg>(f.instructions.length));

  let engineCalls = 0;
  let layers = 0;
  for (const layer of accepted.length > 0 ? plan.layers : []) {
    if (layer.batches.size > 0) layers++;
    for (const kind of BATCH_ORDER) {
      const list = layer.batches.get(kind);
      if (!list) continue;
      engineCalls++;
      await runBatch(party, kind, list, f, regs);
    }
    for (const i of layer.local) {
      for (let c = 0; c < accepted.length; c++) regs[c]![i] = local(f, i, regs[c]!, bound[c]!, statesIn[c]!);
    }
  }

  const stats: ExecuteStats = {
    rounds: party.stats.rounds - start.rounds,
    bytesSent: party.stats.bytesSent - start.bytesSent,
    bytesReceived: party.stats.bytesReceived - start.bytesReceived,
    layers,
    engineCalls,
    inputCheckRounds,
  };
  const results = regs.map((r, k) => ({ ...collectResults(f, r, statesIn[k]!), stats }));
  return inputs.map((_, c): CallOutcome => {
    const error = refused[c];
    return error ? { ok: false, error } : { ok: true, result: results[accepted.indexOf(c)]! };
  });
}

/** Engine calls within a layer go in this order, the same at every party. */
export const BATCH_ORDER: readonly BatchKind[] = ['multiply', 'fixedMultiply', 'compare', 'equal', 'open'];

function bindInputs(f: ValidatedFunction, input: ExecuteInput): Reg[] {
  let secretIndex = 0;
  let publicIndex = 0;
  const out = f.inputs.map((decl) => {
    const count = elementCount(decl.type);
    // A stored input arrives as shares too (resharing from the storage committee): `args` holds the secret and
    // stored inputs in declaration order.
    if (decl.visibility !== 'public') {
      const shares = input.args[secretIndex++];
      if (!(shares instanceof Uint32Array) || vec.size(shares) !== count || vec.firstNonCanonical(shares) >= 0) {
        throw new ExecutionError(
          `${f.name}: ${decl.visibility} input ${decl.name} needs ${count} canonical share elements`,
        );
      }
      return { secret: true, v: shares };
    }
    const elements = input.publicArgs?.[publicIndex++];
    if (!elements || elements.length !== count) {
      throw new ExecutionError(`${f.name}: public input ${decl.name} needs ${count} field elements`);
    }
    for (const e of elements) {
      if (
        typeof e !== 'bigint' ||
        e < 0n ||
        e >= field.P ||
        !fitsKind(field.toSigned(e), decl.type.kind, decl.type.bits)
      ) {
        throw new ExecutionError(`${f.name}: public input ${decl.name} has an element outside its type`);
      }
    }
    return { secret: false, v: vec.fromBigInts(elements) };
  });
  if (secretIndex !== input.args.length) {
    throw new ExecutionError(`${f.name}: ${input.args.length} secret inputs given, ${secretIndex} declared`);
  }
  return out;
}

function bindState(module: ValidatedModule, state: ExecuteInput['state']): FieldVector[] {
  if (state && state.length !== module.state.length) {
    throw new ExecutionError(`${module.state.length} state variables declared, ${state.length} given`);
  }
  return module.state.map((decl, i) => {
    const shares = state?.[i];
    // The initial value is public: as shares, the constant polynomial (every party holds the value itself).
    if (shares === undefined) return vec.fromBigInts(decl.initial.map(field.fromSigned));
    if (vec.size(shares) !== elementCount(decl.type) || vec.firstNonCanonical(shares) >= 0) {
      throw new ExecutionError(`state ${decl.name} needs ${elementCount(decl.type)} canonical share elements`);
    }
    return shares;
  });
}

function difference(ins: Instruction, regs: readonly Reg[]): FieldVector {
  const { a, b } = ins as { a: number; b: number };
  // a < b  <=>  a - b < 0 ;  a > b  <=>  b - a < 0 ;  a <= b  <=>  not (b - a < 0) ;  a >= b  <=>  not (a - b < 0)
  return ins.op === 'Gt' || ins.op === 'Le' ? vec.sub(regs[b].v, regs[a].v) : vec.sub(regs[a].v, regs[b].v);
}

async function runBatch(
  party: Party,
  kind: BatchKind,
  list: readonly number[],
  f: ValidatedFunction,
  copies: Reg[][],
): Promise<void> {
  const ins = list.map((i) => f.instructions[i]);
  const sizes = list.map((i) => f.registerTypes[i].length);
  // Operands gathered copy by copy, instruction by instruction; results are split back the same way.
  const gather = (operand: (x: Instruction, regs: Reg[]) => FieldVector): FieldVector =>
    vec.concat(copies.flatMap((regs) => ins.map((x) => operand(x, regs))));
  const scatter = (all: FieldVector, finish: (k: number, part: FieldVector, regs: Reg[]) => Reg): void => {
    let at = 0;
    for (const regs of copies) {
      list.forEach((i, k) => {
        const part = vec.slice(all, at, at + sizes[k]);
        at += sizes[k];
        regs[i] = finish(k, part, regs);
      });
    }
  };
  switch (kind) {
    case 'multiply': {
      const products = await mul(
        party,
        gather((x, regs) => productOperands(x, regs)[0]),
        gather((x, regs) => productOperands(x, regs)[1]),
      );
      scatter(products, (k, part, regs) => ({ secret: true, v: finishProduct(ins[k], part, regs) }));
      return;
    }
    case 'fixedMultiply': {
      const products = await fixedMul(
        party,
        gather((x, regs) => regs[(x as { a: number }).a].v),
        gather((x, regs) => regs[(x as { b: number }).b].v),
        { f: FIXED_FRACTION_BITS, k: FIXED_TOTAL_BITS },
      );
      scatter(products, (_k, part) => ({ secret: true, v: part }));
      return;
    }
    case 'compare':
    case 'equal': {
      const k = Math.max(...ins.map((x) => comparisonBits(x, f))) + 1;
      const diffs = gather((x, regs) => difference(x, regs));
      const bits = kind === 'compare' ? await lessThanZero(party, diffs, k) : await equalsZero(party, diffs, k);
      scatter(bits, (j, part) => {
        const negate = ins[j].op === 'Le' || ins[j].op === 'Ge' || ins[j].op === 'Ne';
        return { secret: true, v: negate ? oneMinus(part) : part };
      });
      return;
    }
    case 'open': {
      const opened = await open(
        party,
        gather((x, regs) => regs[(x as { a: number }).a].v),
      );
      scatter(opened, (_k, part) => ({ secret: false, v: part }));
      return;
    }
  }
}

/** Width of the operands of a comparison: the engine compares k-bit signed values, k = this + 1. */
export function comparisonBits(ins: Instruction, f: ValidatedFunction): number {
  const { a, b } = ins as { a: number; b: number };
  return Math.max(f.registerTypes[a].bits, f.registerTypes[b].bits);
}

/** The two secret factors a batched multiplication needs for an instruction. */
function productOperands(ins: Instruction, regs: readonly Reg[]): [FieldVector, FieldVector] {
  switch (ins.op) {
    case 'Select':
      return [regs[ins.c].v, vec.sub(regs[ins.a].v, regs[ins.b].v)];
    case 'Mul':
    case 'And':
    case 'Or':
    case 'Xor':
      return [regs[ins.a].v, regs[ins.b].v];
    default:
      throw new ExecutionError(`internal: ${ins.op} is not a product`);
  }
}

/** From the secret product, the instruction's result: c(a-b)+b, a+b-ab, a+b-2ab. */
function finishProduct(ins: Instruction, product: FieldVector, regs: readonly Reg[]): FieldVector {
  switch (ins.op) {
    case 'Select':
      return vec.add(product, regs[ins.b].v);
    case 'Or':
      return vec.sub(vec.add(regs[ins.a].v, regs[ins.b].v), product);
    case 'Xor':
      return vec.sub(vec.add(regs[ins.a].v, regs[ins.b].v), vec.add(product, product));
    default:
      return product;
  }
}

function oneMinus(v: FieldVector): FieldVector {
  return vec.sub(vec.filled(vec.size(v), ONE), v);
}

/** A local instruction: no communication (shares combine linearly; public values are plain). */
function local(
  f: ValidatedFunction,
  i: number,
  regs: readonly Reg[],
  inputs: readonly Reg[],
  state: readonly FieldVector[],
): Reg {
  const ins = f.instructions[i];
  const R = (r: number) => regs[r];
  switch (ins.op) {
    case 'Input':
      return inputs[ins.index];
    case 'State':
      return { secret: true, v: state[ins.index] };
    case 'Const':
      // fixed-point constants are stored raw (value × 2^16), like every fixed-point element
      return { secret: false, v: vec.fromBigInts(ins.values.map(field.fromSigned)) };
    case 'Add':
      return { secret: R(ins.a).secret || R(ins.b).secret, v: vec.add(R(ins.a).v, R(ins.b).v) };
    case 'Sub':
      return { secret: R(ins.a).secret || R(ins.b).secret, v: vec.sub(R(ins.a).v, R(ins.b).v) };
    case 'Neg':
      return { secret: R(ins.a).secret, v: vec.neg(R(ins.a).v) };
    case 'Mul':
    case 'And':
      // at most one secret factor here: shares times public values are shares of the product
      return { secret: R(ins.a).secret || R(ins.b).secret, v: vec.mul(R(ins.a).v, R(ins.b).v) };
    case 'Or': {
      const ab = vec.mul(R(ins.a).v, R(ins.b).v);
      return { secret: R(ins.a).secret || R(ins.b).secret, v: vec.sub(vec.add(R(ins.a).v, R(ins.b).v), ab) };
    }
    case 'Xor': {
      const ab = vec.mul(R(ins.a).v, R(ins.b).v);
      return {
        secret: R(ins.a).secret || R(ins.b).secret,
        v: vec.sub(vec.add(R(ins.a).v, R(ins.b).v), vec.add(ab, ab)),
      };
    }
    case 'FixedMul':
      return { secret: false, v: publicMap2(R(ins.a).v, R(ins.b).v, (x, y) => floorDiv(x * y, FIXED_SCALE)) };
    case 'Div': {
      const fixed = f.registerTypes[i].kind === 'fixed';
      return {
        secret: false,
        v: publicMap2(R(ins.a).v, R(ins.b).v, (x, y) => {
          if (y === 0n) throw new ExecutionError(`${f.name}: division by zero (instruction ${i})`);
          return fixed ? (x * FIXED_SCALE) / y : x / y;
        }),
      };
    }
    case 'Lt':
    case 'Le':
    case 'Gt':
    case 'Ge':
    case 'Eq':
    case 'Ne': {
      const test = PUBLIC_TESTS[ins.op];
      return { secret: false, v: publicMap2(R(ins.a).v, R(ins.b).v, (x, y) => (test(x, y) ? 1n : 0n)) };
    }
    case 'Not':
      return { secret: R(ins.a).secret, v: oneMinus(R(ins.a).v) };
    case 'Select': {
      // at most one of c and (a - b) is secret here, so c (a - b) is a local product
      const c = R(ins.c);
      const a = R(ins.a);
      const b = R(ins.b);
      return { secret: c.secret || a.secret || b.secret, v: vec.add(vec.mul(c.v, vec.sub(a.v, b.v)), b.v) };
    }
    case 'ToFixed':
      return { secret: R(ins.a).secret, v: vec.scale(R(ins.a).v, FIXED_SCALE) };
    case 'Slice':
      return { secret: R(ins.a).secret, v: vec.slice(R(ins.a).v, ins.start, ins.start + ins.length) };
    case 'Concat':
      return { secret: ins.parts.some((p) => R(p).secret), v: vec.concat(ins.parts.map((p) => R(p).v)) };
    case 'Broadcast': {
      const out = vec.zeros(ins.length);
      const src = R(ins.a).v;
      for (let k = 0; k < ins.length; k++) out.set(src, k * 4);
      return { secret: R(ins.a).secret, v: out };
    }
    case 'Sum': {
      const src = R(ins.a).v;
      let acc = vec.slice(src, 0, 1);
      for (let k = 1; k < vec.size(src); k++) acc = vec.add(acc, vec.slice(src, k, k + 1));
      return { secret: R(ins.a).secret, v: acc };
    }
    case 'Narrow':
      return R(ins.a);
    case 'Reveal':
      throw new ExecutionError('internal: reveal is interactive');
  }
}

const PUBLIC_TESTS: Record<'Lt' | 'Le' | 'Gt' | 'Ge' | 'Eq' | 'Ne', (x: bigint, y: bigint) => boolean> = {
  Lt: (x, y) => x < y,
  Le: (x, y) => x <= y,
  Gt: (x, y) => x > y,
  Ge: (x, y) => x >= y,
  Eq: (x, y) => x === y,
  Ne: (x, y) => x !== y,
};

/** Elementwise function of two public vectors, on signed integers. */
function publicMap2(a: FieldVector, b: FieldVector, g: (x: bigint, y: bigint) => bigint): FieldVector {
  const xs = vec.toBigInts(a).map(field.toSigned);
  const ys = vec.toBigInts(b).map(field.toSigned);
  return vec.fromBigInts(xs.map((x, k) => field.fromSigned(g(x, ys[k]))));
}

function floorDiv(x: bigint, y: bigint): bigint {
  const q = x / y;
  return x % y !== 0n && x < 0n !== y < 0n ? q - 1n : q;
}

function collectResults(
  f: ValidatedFunction,
  regs: readonly Reg[],
  stateIn: readonly FieldVector[],
): Omit<ExecuteResult, 'stats'> {
  const signed = (r: number) => vec.toBigInts(regs[r].v).map(field.toSigned);
  const pubs = publicOutputs(f);
  const publicValues = pubs.map((o) => signed(o.register));
  const publicOutputsByName: Record<string, JsValue> = {};
  pubs.forEach((o, k) => {
    publicOutputsByName[o.name] = decodeValue(o.type, publicValues[k].map(field.fromSigned), `${f.name}.${o.name}`);
  });
  const ethereumCalls = callOutputs(f).map((call) => {
    const values = call.registers.map(signed);
    return {
      name: call.name,
      target: call.target,
      signature: call.signature,
      data: encodeCallData(call, values),
      args: call.types.map((t, k) => decodeValue(t, values[k].map(field.fromSigned))),
    };
  });
  const newState = stateIn.map((v) => v);
  for (const u of f.stateUpdates) newState[u.index] = regs[u.register].v;
  return {
    privateOutputs: privateOutputs(f).map((o) => regs[o.register].v),
    publicOutputs: publicOutputsByName,
    publicOutputAbi: encodePublicOutputs(f, publicValues),
    ethereumCalls,
    newState,
  };
}
