/**
 * The canonical binary encoding of a module (docs/ir.md, "Encoding"). Every value has exactly one encoding:
 * integers are minimal LEB128 varints, signed constants minimal zig-zag varints, and the decoder refuses
 * anything else (non-minimal varints, unknown tags, trailing bytes), so encode(decode(bytes)) === bytes and
 * the keccak256 of the bytes identifies the code.
 *
 * decodeStructure checks only the shape; decodeModule (validate.ts) adds the typing rules.
 */
import { bytesToHex, hexToBytes as viemHexToBytes } from 'viem';
import { IrError } from './errors.js';
import { LIMITS } from './limits.js';
import {
  type FunctionIr,
  type InputDecl,
  type Instruction,
  IR_VERSION,
  type IrModule,
  OP_NAMES,
  Op,
  type OutputDecl,
  type StateDecl,
  type StateUpdate,
} from './module.js';
import type { DeclaredType, ScalarKind } from './types.js';

/** Input visibility bytes: 0 secret, 1 public, 2 stored (never renumber: the bytes are the code hash). */
const INPUT_VISIBILITY_CODES = { secret: 0, public: 1, stored: 2 } as const;
const INPUT_VISIBILITIES: readonly InputDecl['visibility'][] = ['secret', 'public', 'stored'];

export const MAGIC = [0x4d, 0x4f, 0x53, 0x49, 0x52] as const; // "MOSIR"

const KIND_CODES: Record<ScalarKind, number> = { int: 1, fixed: 2, bool: 3 };
const KINDS: readonly (ScalarKind | undefined)[] = [undefined, 'int', 'fixed', 'bool'];
const OUTPUT_CODES = { private: 0, public: 1, call: 2 } as const;
/** Constants are at most 128-bit signed integers. */
const MAX_CONSTANT_BYTES = 19;

class Writer {
  private bytes: number[] = [];

  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }

  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new IrError(`cannot encode ${v} as a varint`);
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }

  signed(v: bigint): void {
    let z = v >= 0n ? v << 1n : (-v << 1n) - 1n;
    while (z >= 0x80n) {
      this.bytes.push(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    this.bytes.push(Number(z));
  }

  string(s: string): void {
    const encoded = new TextEncoder().encode(s);
    this.varint(encoded.length);
    for (const b of encoded) this.bytes.push(b);
  }

  raw(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.bytes.push(bytes[i]);
  }

  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

class Reader {
  at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  fail(message: string): never {
    throw new IrError(message, this.at);
  }

  u8(): number {
    if (this.at >= this.bytes.length) this.fail('unexpected end of bytes');
    return this.bytes[this.at++];
  }

  varint(max: number, what: string): number {
    const start = this.at;
    let value = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i >= 8) this.fail(`${what}: varint too long`);
      const b = this.u8();
      value += (b & 0x7f) * scale;
      scale *= 0x80;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) {
          this.at = start;
          this.fail(`${what}: non-minimal varint`);
        }
        break;
      }
    }
    if (value > max) {
      this.at = start;
      this.fail(`${what} ${value} exceeds ${max}`);
    }
    return value;
  }

  signed(what: string): bigint {
    let z = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (i >= MAX_CONSTANT_BYTES) this.fail(`${what}: constant too long`);
      const b = this.u8();
      z |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail(`${what}: non-minimal constant`);
        break;
      }
    }
    return z & 1n ? -((z + 1n) >> 1n) : z >> 1n;
  }

  string(max: number, what: string, pattern: RegExp): string {
    const length = this.varint(max, `${what} length`);
    if (this.at + length > this.bytes.length) this.fail(`${what}: unexpected end of bytes`);
    const slice = this.bytes.subarray(this.at, this.at + length);
    for (const b of slice) if (b < 0x20 || b > 0x7e) this.fail(`${what}: only printable ASCII is allowed`);
    const s = String.fromCharCode(...slice);
    if (!pattern.test(s)) this.fail(`${what} ${JSON.stringify(s)} is not allowed`);
    this.at += length;
    return s;
  }

  raw(length: number, what: string): Uint8Array {
    if (this.at + length > this.bytes.length) this.fail(`${what}: unexpected end of bytes`);
    const out = this.bytes.slice(this.at, this.at + length);
    this.at += length;
    return out;
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }
}

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CONTRACT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_ .-]*$/;
export const SIGNATURE = /^[A-Za-z_][A-Za-z0-9_]*\((?:[a-z0-9[\]]+(?:,[a-z0-9[\]]+)*)?\)$/;

function writeType(w: Writer, t: DeclaredType): void {
  w.u8(KIND_CODES[t.kind]);
  w.u8(t.bits);
  w.varint(t.arrayLength);
}

function readType(r: Reader, what: string): DeclaredType {
  const kind = KINDS[r.u8()] ?? r.fail(`${what}: unknown type kind`);
  const bits = r.u8();
  const arrayLength = r.varint(1 << 16, `${what} array length`);
  return { kind, bits, arrayLength };
}

export function encodeModule(module: IrModule): Uint8Array {
  const w = new Writer();
  w.raw(MAGIC);
  w.u8(module.version);
  w.string(module.name);
  w.varint(module.state.length);
  for (const s of module.state) {
    w.string(s.name);
    writeType(w, s.type);
    w.varint(s.initial.length);
    for (const v of s.initial) w.signed(v);
  }
  w.varint(module.functions.length);
  for (const f of module.functions) writeFunction(w, f);
  return w.done();
}

function writeFunction(w: Writer, f: FunctionIr): void {
  w.string(f.name);
  w.varint(f.inputs.length);
  for (const input of f.inputs) {
    w.string(input.name);
    w.u8(INPUT_VISIBILITY_CODES[input.visibility]);
    writeType(w, input.type);
  }
  w.varint(f.instructions.length);
  for (const ins of f.instructions) writeInstruction(w, ins);
  w.varint(f.outputs.length);
  for (const out of f.outputs) {
    w.string(out.name);
    w.u8(OUTPUT_CODES[out.to]);
    if (out.to === 'call') {
      w.raw(hexToBytes(out.target));
      w.string(out.signature);
      w.varint(out.types.length);
      out.types.forEach((t, i) => {
        writeType(w, t);
        w.varint(out.registers[i]);
      });
    } else {
      writeType(w, out.type);
      w.varint(out.register);
    }
  }
  w.varint(f.stateUpdates.length);
  for (const u of f.stateUpdates) {
    w.varint(u.index);
    w.varint(u.register);
  }
}

function writeInstruction(w: Writer, ins: Instruction): void {
  w.u8(Op[ins.op]);
  switch (ins.op) {
    case 'Input':
    case 'State':
      w.varint(ins.index);
      return;
    case 'Const':
      w.u8(KIND_CODES[ins.kind]);
      w.u8(ins.bits);
      w.varint(ins.values.length);
      for (const v of ins.values) w.signed(v);
      return;
    case 'Neg':
    case 'Not':
    case 'ToFixed':
    case 'Reveal':
    case 'Sum':
      w.varint(ins.a);
      return;
    case 'Select':
      w.varint(ins.c);
      w.varint(ins.a);
      w.varint(ins.b);
      return;
    case 'Slice':
      w.varint(ins.a);
      w.varint(ins.start);
      w.varint(ins.length);
      return;
    case 'Concat':
      w.varint(ins.parts.length);
      for (const p of ins.parts) w.varint(p);
      return;
    case 'Broadcast':
      w.varint(ins.a);
      w.varint(ins.length);
      return;
    case 'Narrow':
      w.varint(ins.a);
      w.u8(ins.bits);
      return;
    default:
      w.varint(ins.a);
      w.varint(ins.b);
  }
}

/**
 * Parses bytes into a module, checking the shape only (magic, version, bounds, names, known opcodes, no
 * trailing bytes). Registers and types are checked by validateModule.
 */
export function decodeStructure(bytes: Uint8Array): IrModule {
  if (!(bytes instanceof Uint8Array)) throw new IrError('IR must be a Uint8Array');
  if (bytes.length > LIMITS.moduleBytes) throw new IrError(`IR of ${bytes.length} bytes exceeds ${LIMITS.moduleBytes}`);
  const r = new Reader(bytes);
  for (const m of MAGIC) if (r.u8() !== m) r.fail('not Mosaic IR (bad magic)');
  const version = r.u8();
  if (version !== IR_VERSION) r.fail(`unsupported IR version ${version}`);
  const name = r.string(LIMITS.nameLength, 'contract name', CONTRACT_NAME);
  const stateCount = r.varint(LIMITS.stateVariables, 'state variable count');
  const state: StateDecl[] = [];
  for (let i = 0; i < stateCount; i++) {
    const sname = r.string(LIMITS.nameLength, 'state variable name', IDENTIFIER);
    const type = readType(r, `state ${sname}`);
    const count = r.varint(1 << 16, `state ${sname} initial value count`);
    const initial: bigint[] = [];
    for (let k = 0; k < count; k++) initial.push(r.signed(`state ${sname} initial value`));
    state.push({ name: sname, type, initial });
  }
  const functionCount = r.varint(LIMITS.functions, 'function count');
  const functions: FunctionIr[] = [];
  for (let i = 0; i < functionCount; i++) functions.push(readFunction(r));
  if (r.remaining !== 0) r.fail(`${r.remaining} trailing bytes`);
  return { version, name, state, functions };
}

function readFunction(r: Reader): FunctionIr {
  const name = r.string(LIMITS.nameLength, 'function name', IDENTIFIER);
  const inputCount = r.varint(LIMITS.inputs, `${name}: input count`);
  const inputs: InputDecl[] = [];
  for (let i = 0; i < inputCount; i++) {
    const iname = r.string(LIMITS.nameLength, `${name}: input name`, IDENTIFIER);
    const vis = r.u8();
    const visibility = INPUT_VISIBILITIES[vis];
    if (visibility === undefined) r.fail(`${name}.${iname}: unknown visibility ${vis}`);
    inputs.push({ name: iname, visibility: visibility!, type: readType(r, `${name}.${iname}`) });
  }
  const count = r.varint(LIMITS.instructions, `${name}: instruction count`);
  const instructions: Instruction[] = [];
  for (let i = 0; i < count; i++) instructions.push(readInstruction(r, `${name}: instruction ${i}`));
  const outputCount = r.varint(LIMITS.outputs, `${name}: output count`);
  const outputs: OutputDecl[] = [];
  for (let i = 0; i < outputCount; i++) {
    const oname = r.string(LIMITS.nameLength, `${name}: output name`, IDENTIFIER);
    const to = r.u8();
    if (to === OUTPUT_CODES.call) {
      const target = bytesToHex(r.raw(20, `${name}.${oname} target`));
      const signature = r.string(LIMITS.signatureLength, `${name}.${oname} signature`, SIGNATURE);
      const argc = r.varint(LIMITS.callArguments, `${name}.${oname} argument count`);
      const types: DeclaredType[] = [];
      const registers: number[] = [];
      for (let k = 0; k < argc; k++) {
        types.push(readType(r, `${name}.${oname} argument`));
        registers.push(r.varint(LIMITS.instructions, `${name}.${oname} register`));
      }
      outputs.push({ name: oname, to: 'call', target, signature, types, registers });
    } else if (to === OUTPUT_CODES.private || to === OUTPUT_CODES.public) {
      const type = readType(r, `${name}.${oname}`);
      const register = r.varint(LIMITS.instructions, `${name}.${oname} register`);
      outputs.push({ name: oname, to: to === OUTPUT_CODES.private ? 'private' : 'public', type, register });
    } else {
      r.fail(`${name}.${oname}: unknown output destination ${to}`);
    }
  }
  const updateCount = r.varint(LIMITS.stateVariables, `${name}: state update count`);
  const stateUpdates: StateUpdate[] = [];
  for (let i = 0; i < updateCount; i++) {
    const index = r.varint(LIMITS.stateVariables, `${name}: state update index`);
    const register = r.varint(LIMITS.instructions, `${name}: state update register`);
    stateUpdates.push({ index, register });
  }
  return { name, inputs, instructions, outputs, stateUpdates };
}

function readInstruction(r: Reader, what: string): Instruction {
  const code = r.u8();
  const op = OP_NAMES.get(code) ?? r.fail(`${what}: unknown opcode 0x${code.toString(16).padStart(2, '0')}`);
  const reg = () => r.varint(LIMITS.instructions, `${what} operand`);
  switch (op) {
    case 'Input':
      return { op, index: r.varint(LIMITS.inputs, `${what} input index`) };
    case 'State':
      return { op, index: r.varint(LIMITS.stateVariables, `${what} state index`) };
    case 'Const': {
      const kind = KINDS[r.u8()] ?? r.fail(`${what}: unknown constant kind`);
      const bits = r.u8();
      const count = r.varint(1 << 16, `${what} constant count`);
      const values: bigint[] = [];
      for (let i = 0; i < count; i++) values.push(r.signed(`${what} constant`));
      return { op, kind, bits, values };
    }
    case 'Neg':
    case 'Not':
    case 'ToFixed':
    case 'Reveal':
    case 'Sum':
      return { op, a: reg() };
    case 'Select':
      return { op, c: reg(), a: reg(), b: reg() };
    case 'Slice':
      return { op, a: reg(), start: r.varint(1 << 16, `${what} start`), length: r.varint(1 << 16, `${what} length`) };
    case 'Concat': {
      const n = r.varint(LIMITS.concatParts, `${what} part count`);
      const parts: number[] = [];
      for (let i = 0; i < n; i++) parts.push(reg());
      return { op, parts };
    }
    case 'Broadcast':
      return { op, a: reg(), length: r.varint(1 << 16, `${what} length`) };
    case 'Narrow':
      return { op, a: reg(), bits: r.u8() };
    default:
      return { op, a: reg(), b: reg() };
  }
}

/** The 20 bytes of a 0x-hex address (an Ethereum call's target). */
export function hexToBytes(hex: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(hex)) throw new IrError(`invalid address ${hex}`);
  return viemHexToBytes(hex as `0x${string}`);
}
