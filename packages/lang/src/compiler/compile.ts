/**
 * The compiler: runs each function's body once with traced values, checks what it returns, removes the
 * instructions no output or state update needs, and produces the validated module, its canonical bytes and
 * its code hash.
 */
import { canonicalCallSignature, selectorOf, signatureOf } from '../codec/selector.js';
import {
  type ContractDefinition,
  EthereumCall,
  type FunctionDef,
  type FunctionMap,
  type Outputs,
  type SpecMap,
  withStateAccess,
} from '../dsl/contract.js';
import type { JsScalar, Spec } from '../dsl/specs.js';
import { registerOf, Traced, wrap } from '../dsl/values.js';
import { encodeModule } from '../ir/encoding.js';
import { codeHashOf } from '../ir/hash.js';
import type { FunctionIr, InputDecl, Instruction, IrModule, OutputDecl, StateDecl } from '../ir/module.js';
import { IR_VERSION } from '../ir/module.js';
import { operandsOf } from '../ir/schedule.js';
import {
  type DeclaredType,
  elementCount,
  FIXED_FRACTION_BITS,
  formatDeclared,
  formatRegister,
  MAX_DECLARED_BITS,
  type RegisterType,
  type ScalarKind,
} from '../ir/types.js';
import { fitsKind } from '../ir/typing.js';
import { decodeModule, validateModule } from '../ir/validate.js';
import type { CompiledContract, CompiledFunction } from './compiled.js';
import { CompileError } from './errors.js';
import { callSite } from './source.js';
import { Tracer, withTracer } from './tracer.js';

export function compile<Fns extends FunctionMap>(definition: ContractDefinition<Fns>): CompiledContract<Fns> {
  if (definition?.kind !== 'secret-contract') {
    throw new CompileError('compile() takes the object contract(name, {...}) returns', callSite());
  }
  const state = stateDecls(definition.state);
  const traced = Object.entries(definition.functions).map(([name, def]) => traceFunction(name, def, state));
  const module: IrModule = {
    version: IR_VERSION,
    name: definition.name,
    state,
    functions: traced.map((t) => t.ir),
  };
  let validated: ReturnType<typeof validateModule>;
  try {
    validated = validateModule(module);
  } catch (error) {
    // the tracer applies the typing rules as it goes: what is left are names and declarations
    throw new CompileError(`the contract does not validate: ${(error as Error).message}`, undefined);
  }
  const bytes = encodeModule(validated);
  const functions = Object.fromEntries(
    validated.functions.map((f, index) => [f.name, describeFunction(f, index, traced[index].locations)]),
  );
  return {
    name: definition.name,
    module: validated,
    bytes,
    codeHash: codeHashOf(bytes),
    functions: functions as CompiledContract<Fns>['functions'],
  };
}

/** A contract from its IR bytes (as a node or a client fetches it): decoded, validated, hashed; untyped. */
export function loadContract(bytes: Uint8Array): CompiledContract {
  const module = decodeModule(bytes);
  return {
    name: module.name,
    module,
    bytes: Uint8Array.from(bytes),
    codeHash: codeHashOf(bytes),
    functions: Object.fromEntries(module.functions.map((f, i) => [f.name, describeFunction(f, i, [])])),
  };
}

function describeFunction(f: FunctionIr, index: number, locations: readonly (string | undefined)[]): CompiledFunction {
  const signature = signatureOf(f);
  return { name: f.name, index, signature, selector: selectorOf(signature), locations };
}

function stateDecls(specs: SpecMap): StateDecl[] {
  return Object.entries(specs).map(([name, spec]) => {
    const count = elementCount(spec.type);
    const given = spec.initial;
    const values: unknown[] =
      given === undefined ? new Array(count).fill(undefined) : Array.isArray(given) ? given : [given];
    const initial = values.map((v) => encodeInitial(v, spec, name));
    return { name, type: spec.type, initial };
  });
}

function encodeInitial(v: unknown, spec: Spec, name: string): bigint {
  let raw: bigint;
  if (v === undefined) raw = 0n;
  else if (spec.kind === 'bool') raw = (v as JsScalar<'bool'>) ? 1n : 0n;
  else if (spec.kind === 'fixed') raw = BigInt(Math.round(Number(v) * 2 ** FIXED_FRACTION_BITS));
  else if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) raw = BigInt(v);
  else throw new CompileError(`state ${name}: initial value ${String(v)} is not an integer`, callSite());
  if (!fitsKind(raw, spec.kind, spec.type.bits)) {
    throw new CompileError(
      `state ${name}: initial value ${String(v)} does not fit ${formatDeclared(spec.type)}`,
      callSite(),
    );
  }
  return raw;
}

interface TracedFunction {
  ir: FunctionIr;
  locations: (string | undefined)[];
}

function traceFunction(
  name: string,
  def: FunctionDef<SpecMap, Outputs | undefined>,
  state: readonly StateDecl[],
): TracedFunction {
  if (def?.kind !== 'secret-function') {
    throw new CompileError(`function ${name} must be declared with fn(inputs, body)`, undefined, name);
  }
  const inputs: InputDecl[] = Object.entries(def.inputs).map(([inputName, spec]) => ({
    name: inputName,
    visibility: spec.visibility,
    type: spec.type,
  }));
  const tracer = new Tracer(name, inputs, state);
  const stateIndex = new Map(state.map((s, i) => [s.name, i]));
  let returned: Outputs | undefined;
  try {
    withTracer(tracer, () => {
      const args = Object.fromEntries(
        inputs.map((input, index) => [
          input.name,
          wrap(tracer, tracer.emit({ op: 'Input', index }), input.type.arrayLength > 0),
        ]),
      );
      const access = {
        read(stateName: string) {
          const index = stateIndex.get(stateName)!;
          let register = tracer.stateRegisters.get(index);
          if (register === undefined) {
            register = tracer.emit({ op: 'State', index });
            tracer.stateRegisters.set(index, register);
          }
          return wrap(tracer, register, state[index].type.arrayLength > 0);
        },
        write(stateName: string, value: unknown) {
          const index = stateIndex.get(stateName)!;
          const decl = state[index];
          let { register } = registerOf(tracer, value, decl.type.kind);
          const t = tracer.type(register);
          if (t.length === 1 && elementCount(decl.type) > 1) {
            register = tracer.emit({ op: 'Broadcast', a: register, length: elementCount(decl.type) });
          }
          checkFits(tracer, tracer.type(register), decl.type, `state variable ${stateName}`);
          tracer.stateRegisters.set(index, register);
          tracer.stateUpdates.set(index, register);
        },
      };
      returned = withStateAccess(access, () => def.body(args as never));
    });
  } catch (error) {
    throw asCompileError(error, name);
  } finally {
    tracer.finish();
  }
  const outputs = collectOutputs(tracer, returned, def.location);
  const stateUpdates = [...tracer.stateUpdates.entries()]
    .filter(([index, register]) => {
      const load = tracer.instructions[register];
      return !(load.op === 'State' && load.index === index);
    })
    .sort(([a], [b]) => a - b)
    .map(([index, register]) => ({ index, register }));
  return eliminateDeadCode(tracer, { name, inputs, instructions: tracer.instructions, outputs, stateUpdates });
}

function asCompileError(error: unknown, functionName: string): CompileError {
  if (error instanceof CompileError) return error;
  const e = error instanceof Error ? error : new Error(String(error));
  return new CompileError(`${e.name}: ${e.message}`, callSite(e.stack), functionName);
}

/** A register fits a declared type when kind and length agree (integers may be narrowed, see docs). */
function checkFits(tracer: Tracer, t: RegisterType, declared: DeclaredType, what: string): void {
  if (t.kind !== declared.kind || t.length !== elementCount(declared)) {
    tracer.fail(`type mismatch: ${what} is ${formatDeclared(declared)}, the value assigned is ${formatRegister(t)}`);
  }
}

function declaredOf(t: RegisterType, isArray: boolean): DeclaredType {
  const bits = t.kind === 'int' ? Math.max(2, Math.min(t.bits, MAX_DECLARED_BITS)) : t.bits;
  return { kind: t.kind, bits, arrayLength: isArray ? t.length : 0 };
}

function collectOutputs(tracer: Tracer, returned: unknown, fallback: string | undefined): OutputDecl[] {
  if (returned === undefined || returned === null) return [];
  if (typeof returned !== 'object' || returned instanceof Traced || Array.isArray(returned)) {
    tracer.fail('a function body returns an object of named outputs, e.g. { winner: reveal(w) }', fallback);
  }
  if (typeof (returned as { then?: unknown }).then === 'function') {
    tracer.fail('a function body must be synchronous (it returned a promise)', fallback);
  }
  const outputs: OutputDecl[] = [];
  for (const [name, value] of Object.entries(returned as object)) {
    if (value instanceof EthereumCall) {
      outputs.push(callOutput(tracer, name, value));
      continue;
    }
    if (!(value instanceof Traced)) {
      tracer.fail(
        `output ${name} is ${typeof value}: outputs are traced values (inputs, state, or values computed from them)`,
        fallback,
      );
    }
    const { register } = registerOf(tracer, value, 'int');
    const t = tracer.type(register);
    outputs.push({ name, to: t.secret ? 'private' : 'public', type: declaredOf(t, value.isArray), register });
  }
  return outputs;
}

function callOutput(tracer: Tracer, name: string, call: EthereumCall): OutputDecl {
  const at = call.location;
  if (!/^0x[0-9a-fA-F]{40}$/.test(call.target)) tracer.fail(`output ${name}: ${call.target} is not an address`, at);
  const parsed = canonicalCallSignature(call.signature);
  if (!parsed.ok) return tracer.fail(`output ${name}: ${parsed.reason}`, at);
  if (parsed.types.length !== call.args.length) {
    tracer.fail(
      `output ${name}: ${parsed.canonical} takes ${parsed.types.length} arguments, got ${call.args.length}`,
      at,
    );
  }
  const types: DeclaredType[] = [];
  const registers: number[] = [];
  call.args.forEach((arg: unknown, k) => {
    if (!(arg instanceof Traced)) tracer.fail(`output ${name}: argument ${k} is not a traced value`, at);
    const { register, isArray } = registerOf(tracer, arg, 'int');
    const t = tracer.type(register);
    if (t.secret) {
      tracer.fail(
        `output ${name}: argument ${k} of ${parsed.canonical} is a secret value; a public output must be declared public with reveal(value)`,
        at,
      );
    }
    const declared = declaredOf(t, isArray);
    const problem = abiMismatch(parsed.types[k], declared);
    if (problem) tracer.fail(`type mismatch: output ${name}, argument ${k}: ${problem}`, at);
    types.push(declared);
    registers.push(register);
  });
  return {
    name,
    to: 'call',
    target: call.target.toLowerCase(),
    signature: parsed.canonical,
    types,
    registers,
  };
}

function abiMismatch(solidity: string, t: DeclaredType): string | undefined {
  const m = solidity.match(/^(u?int)(\d+)|^bool/);
  const array = solidity.match(/\[(\d+)\]$/);
  const length = array ? Number(array[1]) : 0;
  if (length !== t.arrayLength) return `${solidity} does not take ${formatDeclared(t)}`;
  const kind: ScalarKind = m?.[1] ? (t.kind === 'fixed' ? 'fixed' : 'int') : 'bool';
  if (kind !== t.kind) return `${solidity} does not take ${formatDeclared(t)}`;
  if (m?.[2] && Number(m[2]) < (t.kind === 'fixed' ? 64 : t.bits)) {
    return `${solidity} is narrower than ${formatDeclared(t)}${t.kind === 'fixed' ? ' (fixed point travels as its raw int64)' : ''}`;
  }
  return undefined;
}

/** Keeps only the instructions that outputs and state updates depend on, and renumbers the registers. */
function eliminateDeadCode(tracer: Tracer, f: FunctionIr): TracedFunction {
  const live = new Array<boolean>(f.instructions.length).fill(false);
  const roots = [
    ...f.outputs.flatMap((o) => (o.to === 'call' ? o.registers : [o.register])),
    ...f.stateUpdates.map((u) => u.register),
  ];
  for (const r of roots) live[r] = true;
  for (let i = f.instructions.length - 1; i >= 0; i--) {
    if (live[i]) for (const r of operandsOf(f.instructions[i])) live[r] = true;
  }
  const renumber = new Map<number, number>();
  const instructions: Instruction[] = [];
  const locations: (string | undefined)[] = [];
  f.instructions.forEach((ins, i) => {
    if (!live[i]) return;
    renumber.set(i, instructions.length);
    instructions.push(mapOperands(ins, (r) => renumber.get(r)!));
    locations.push(tracer.locations[i]);
  });
  const map = (r: number) => renumber.get(r)!;
  const outputs: OutputDecl[] = f.outputs.map((o) =>
    o.to === 'call' ? { ...o, registers: o.registers.map(map) } : { ...o, register: map(o.register) },
  );
  const stateUpdates = f.stateUpdates.map((u) => ({ index: u.index, register: map(u.register) }));
  return { ir: { ...f, instructions, outputs, stateUpdates }, locations };
}

function mapOperands(ins: Instruction, map: (r: number) => number): Instruction {
  switch (ins.op) {
    case 'Input':
    case 'State':
    case 'Const':
      return ins;
    case 'Select':
      return { ...ins, c: map(ins.c), a: map(ins.a), b: map(ins.b) };
    case 'Concat':
      return { ...ins, parts: ins.parts.map(map) };
    case 'Neg':
    case 'Not':
    case 'ToFixed':
    case 'Reveal':
    case 'Sum':
    case 'Slice':
    case 'Broadcast':
    case 'Narrow':
      return { ...ins, a: map(ins.a) };
    default:
      return { ...ins, a: map(ins.a), b: map(ins.b) };
  }
}
