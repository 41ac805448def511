/**
 * The validator a node runs on untrusted IR before executing it: every check the interpreter relies on.
 * It returns the module with the type of every register, or throws an IrError naming the first problem.
 * Work is linear in the size of the module, and every count is bounded (limits.ts).
 */
import { CONTRACT_NAME, decodeStructure, IDENTIFIER, SIGNATURE } from './encoding.js';
import { IrError } from './errors.js';
import { LIMITS } from './limits.js';
import type { FunctionIr, Instruction, IrModule, OutputDecl } from './module.js';
import {
  type DeclaredType,
  elementCount,
  FIXED_TOTAL_BITS,
  formatRegister,
  MAX_DECLARED_BITS,
  type RegisterType,
} from './types.js';
import { fitsKind, type TypingContext, typeOf, validScalar } from './typing.js';

export interface ValidatedFunction extends FunctionIr {
  /** registerTypes[i] is the type of the register instruction i defines. */
  readonly registerTypes: readonly RegisterType[];
}

export interface ValidatedModule extends IrModule {
  readonly functions: readonly ValidatedFunction[];
}

/** Decodes and validates untrusted bytes: the one entry point a node uses. */
export function decodeModule(bytes: Uint8Array): ValidatedModule {
  return validateModule(decodeStructure(bytes));
}

export function validateModule(module: IrModule): ValidatedModule {
  if (typeof module.name !== 'string' || module.name.length > LIMITS.nameLength || !CONTRACT_NAME.test(module.name)) {
    throw new IrError(
      `contract name ${JSON.stringify(module.name)} must be 1..${LIMITS.nameLength} letters, digits, spaces, _ . -`,
    );
  }
  unique(
    module.state.map((s) => s.name),
    'state variable',
  );
  unique(
    module.functions.map((f) => f.name),
    'function',
  );
  for (const s of module.state) {
    checkDeclared(s.type, `state ${s.name}`);
    if (s.initial.length !== elementCount(s.type)) {
      throw new IrError(`state ${s.name}: ${s.initial.length} initial values for ${elementCount(s.type)} elements`);
    }
    for (const v of s.initial) {
      if (!fitsKind(v, s.type.kind, s.type.bits)) throw new IrError(`state ${s.name}: initial value ${v} does not fit`);
    }
  }
  return { ...module, functions: module.functions.map((f) => validateFunction(module, f)) };
}

function validateFunction(module: IrModule, f: FunctionIr): ValidatedFunction {
  const where = `function ${f.name}`;
  if (!IDENTIFIER.test(f.name)) throw new IrError(`${where}: invalid name`);
  if (f.instructions.length > LIMITS.instructions) throw new IrError(`${where}: too many instructions`);
  unique(
    f.inputs.map((i) => i.name),
    `${where}: input`,
  );
  for (const input of f.inputs) {
    checkDeclared(input.type, `${where}: input ${input.name}`);
    if (input.visibility === 'stored') checkStored(input.type, `${where}: input ${input.name}`);
  }
  const types: RegisterType[] = [];
  const ctx: TypingContext = {
    inputs: f.inputs,
    state: module.state,
    type(register) {
      if (!Number.isInteger(register) || register < 0 || register >= types.length) {
        throw new IrError(`${where}, instruction ${types.length}: register ${register} is used before it is defined`);
      }
      return types[register];
    },
  };
  let elements = 0;
  f.instructions.forEach((ins: Instruction, i) => {
    const typed = typeOf(ins, ctx);
    if (!typed.ok) throw new IrError(`${where}, instruction ${i} (${ins.op}): ${typed.reason}`);
    elements += typed.type.length;
    if (elements > LIMITS.elementsPerFunction) {
      throw new IrError(`${where}: registers hold more than ${LIMITS.elementsPerFunction} elements`);
    }
    types.push(typed.type);
  });
  unique(
    f.outputs.map((o) => o.name),
    `${where}: output`,
  );
  for (const out of f.outputs) checkOutput(out, types, where);
  const updated = new Set<number>();
  for (const u of f.stateUpdates) {
    const decl = module.state[u.index];
    if (!decl) throw new IrError(`${where}: update of undeclared state variable ${u.index}`);
    if (updated.has(u.index)) throw new IrError(`${where}: state ${decl.name} is updated twice`);
    updated.add(u.index);
    const t = registerAt(types, u.register, `${where}: update of state ${decl.name}`);
    matches(t, decl.type, `${where}: update of state ${decl.name}`);
  }
  return { ...f, registerTypes: types };
}

function checkOutput(out: OutputDecl, types: readonly RegisterType[], where: string): void {
  const what = `${where}: output ${out.name}`;
  if (out.to === 'call') {
    if (!SIGNATURE.test(out.signature)) throw new IrError(`${what}: invalid signature`);
    if (out.types.length !== out.registers.length) throw new IrError(`${what}: arguments and types differ in number`);
    out.types.forEach((t, k) => {
      checkDeclared(t, `${what} argument ${k}`);
      const r = registerAt(types, out.registers[k], `${what} argument ${k}`);
      if (r.secret) throw new IrError(`${what} argument ${k}: a call argument must be public (revealed)`);
      matches(r, t, `${what} argument ${k}`);
    });
    return;
  }
  checkDeclared(out.type, what);
  const r = registerAt(types, out.register, what);
  if (out.to === 'public' && r.secret) throw new IrError(`${what}: a public output must be public (revealed)`);
  if (out.to === 'private' && !r.secret) throw new IrError(`${what}: a private output must be secret`);
  matches(r, out.type, what);
}

function registerAt(types: readonly RegisterType[], register: number, what: string): RegisterType {
  const t = types[register];
  if (!Number.isInteger(register) || t === undefined) throw new IrError(`${what}: register ${register} is not defined`);
  return t;
}

/** A register fits a declared type when kind and length agree; an integer may be narrowed to the declared width. */
function matches(r: RegisterType, t: DeclaredType, what: string): void {
  if (r.kind !== t.kind || r.length !== elementCount(t)) {
    throw new IrError(`${what}: register of type ${formatRegister(r)} does not match the declared type`);
  }
}

function checkDeclared(t: DeclaredType, what: string): void {
  const bitsOk = t.kind === 'int' ? t.bits >= 1 && t.bits <= MAX_DECLARED_BITS : validScalar(t.kind, t.bits);
  if (!bitsOk) throw new IrError(`${what}: invalid type ${t.kind}${t.bits}`);
  if (t.kind === 'fixed' && t.bits !== FIXED_TOTAL_BITS) throw new IrError(`${what}: invalid fixed type`);
  if (!Number.isInteger(t.arrayLength) || t.arrayLength < 0 || t.arrayLength > 1 << 16) {
    throw new IrError(`${what}: invalid array length`);
  }
}

/** A stored input is an array of int64 values (the int64 layout of stored data: one element per value). */
function checkStored(t: DeclaredType, what: string): void {
  if (t.kind !== 'int' || t.bits !== 64 || t.arrayLength < 1) {
    throw new IrError(`${what}: a stored input is an array of int64 (stored.int64(length))`);
  }
}

function unique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!IDENTIFIER.test(n)) throw new IrError(`${what} name ${JSON.stringify(n)} is not an identifier`);
    if (seen.has(n)) throw new IrError(`${what} ${n} is declared twice`);
    seen.add(n);
  }
}
