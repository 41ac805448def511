/**
 * The typing rules of the IR, shared by the compiler (which reports a broken rule at the contract's source
 * line) and the validator (which rejects untrusted bytes that break one). A rule returns the result type or
 * the reason the instruction is ill-typed.
 */
import type { InputDecl, Instruction, StateDecl } from './module.js';
import {
  FIXED_TOTAL_BITS,
  formatRegister,
  MAX_COMPARE_BITS,
  MAX_TRACKED_BITS,
  type RegisterType,
  type ScalarKind,
} from './types.js';

/** Upper bound on a register's length. */
export const MAX_VECTOR_LENGTH = 1 << 16;

export type Typed = { ok: true; type: RegisterType } | { ok: false; reason: string };

export interface TypingContext {
  readonly inputs: readonly InputDecl[];
  readonly state: readonly StateDecl[];
  /** Type of register r (only registers defined before the instruction). */
  type(register: number): RegisterType;
}

const ok = (kind: ScalarKind, bits: number, length: number, secret: boolean): Typed => ({
  ok: true,
  type: { kind, bits, length, secret },
});
const fail = (reason: string): Typed => ({ ok: false, reason });

function sameShape(a: RegisterType, b: RegisterType, what: string): string | undefined {
  if (a.length !== b.length) return `${what}: operands have ${a.length} and ${b.length} elements`;
  return undefined;
}

function arithmeticKinds(a: RegisterType, b: RegisterType, what: string): string | undefined {
  if (a.kind === 'bool' || b.kind === 'bool') return `${what} takes numbers, not booleans (${describe(a, b)})`;
  if (a.kind !== b.kind) {
    return `${what} of int and fixed: convert the int with .toFixed() first (${describe(a, b)})`;
  }
  return undefined;
}

function describe(a: RegisterType, b: RegisterType): string {
  return `${formatRegister(a)} and ${formatRegister(b)}`;
}

export function typeOf(ins: Instruction, ctx: TypingContext): Typed {
  switch (ins.op) {
    case 'Input': {
      const decl = ctx.inputs[ins.index];
      if (!decl) return fail(`input ${ins.index} is not declared`);
      const t = decl.type;
      return ok(t.kind, t.bits, t.arrayLength === 0 ? 1 : t.arrayLength, decl.visibility !== 'public');
    }
    case 'State': {
      const decl = ctx.state[ins.index];
      if (!decl) return fail(`state variable ${ins.index} is not declared`);
      const t = decl.type;
      return ok(t.kind, t.bits, t.arrayLength === 0 ? 1 : t.arrayLength, true);
    }
    case 'Const': {
      if (ins.values.length < 1 || ins.values.length > MAX_VECTOR_LENGTH) return fail('constant of invalid length');
      const bad = ins.values.find((v) => !fitsKind(v, ins.kind, ins.bits));
      if (bad !== undefined) return fail(`constant ${bad} does not fit ${ins.kind}${ins.bits}`);
      if (!validScalar(ins.kind, ins.bits)) return fail(`invalid constant type ${ins.kind}${ins.bits}`);
      return ok(ins.kind, ins.bits, ins.values.length, false);
    }
    case 'Add':
    case 'Sub': {
      const a = ctx.type(ins.a);
      const b = ctx.type(ins.b);
      const bad = arithmeticKinds(a, b, ins.op === 'Add' ? 'addition' : 'subtraction') ?? sameShape(a, b, ins.op);
      if (bad) return fail(bad);
      const bits = a.kind === 'fixed' ? FIXED_TOTAL_BITS : grow(Math.max(a.bits, b.bits) + 1);
      return ok(a.kind, bits, a.length, a.secret || b.secret);
    }
    case 'Neg': {
      const a = ctx.type(ins.a);
      if (a.kind === 'bool') return fail('negation takes a number, not a boolean');
      return ok(a.kind, a.kind === 'int' ? grow(a.bits + 1) : a.bits, a.length, a.secret);
    }
    case 'Mul': {
      const a = ctx.type(ins.a);
      const b = ctx.type(ins.b);
      const bad = sameShape(a, b, 'multiplication');
      if (bad) return fail(bad);
      if (a.kind === 'bool' || b.kind === 'bool') return fail(`multiplication takes numbers (${describe(a, b)})`);
      if (a.kind === 'fixed' && b.kind === 'fixed') return fail('a fixed-point product needs FixedMul');
      if (a.kind === 'fixed' || b.kind === 'fixed')
        return ok('fixed', FIXED_TOTAL_BITS, a.length, a.secret || b.secret);
      return ok('int', grow(a.bits + b.bits), a.length, a.secret || b.secret);
    }
    case 'FixedMul': {
      const a = ctx.type(ins.a);
      const b = ctx.type(ins.b);
      const bad = sameShape(a, b, 'multiplication');
      if (bad) return fail(bad);
      if (a.kind !== 'fixed' || b.kind !== 'fixed') return fail(`FixedMul takes two fixed-point values`);
      return ok('fixed', FIXED_TOTAL_BITS, a.length, a.secret || b.secret);
    }
    case 'Div': {
      const a = ctx.type(ins.a);
      const b = ctx.type(ins.b);
      const bad = arithmeticKinds(a, b, 'division') ?? sameShape(a, b, 'division');
      if (bad) return fail(bad);
      if (a.secret || b.secret) {
        return fail('division takes public values only: reveal the operands, or multiply by a public reciprocal');
      }
      return ok(a.kind, a.bits, a.length, false);
    }
    case 'Lt':
    case 'Le':
    case 'Gt':
    case 'Ge': {
      const a = ctx.type(ins.a);
      const b = ctx.type(ins.b);
      const bad = arithmeticKinds(a, b, 'comparison') ?? sameShape(a, b, 'comparison') ?? compareWidth(a, b);
      if (bad) return fail(bad);
      return ok('bool', 1, a.length, a.secret || b.secret);
    }
    case 'Eq':
    case 'Ne': {
      const a = ctx.type(ins.a);
      const b = ctx.type(ins.b);
      if (a.kind !== b.kind) return fail(`equality of different kinds (${describe(a, b)})`);
      const bad = sameShape(a, b, 'equality') ?? compareWidth(a, b);
      if (bad) return fail(bad);
      return ok('bool', 1, a.length, a.secret || b.secret);
    }
    case 'Not': {
      const a = ctx.type(ins.a);
      if (a.kind !== 'bool') return fail(`not takes a boolean, not ${formatRegister(a)}`);
      return ok('bool', 1, a.length, a.secret);
    }
    case 'And':
    case 'Or':
    case 'Xor': {
      const a = ctx.type(ins.a);
      const b = ctx.type(ins.b);
      if (a.kind !== 'bool' || b.kind !== 'bool')
        return fail(`${ins.op.toLowerCase()} takes booleans (${describe(a, b)})`);
      const bad = sameShape(a, b, ins.op.toLowerCase());
      if (bad) return fail(bad);
      return ok('bool', 1, a.length, a.secret || b.secret);
    }
    case 'Select': {
      const c = ctx.type(ins.c);
      const a = ctx.type(ins.a);
      const b = ctx.type(ins.b);
      if (c.kind !== 'bool') return fail(`select needs a boolean condition, not ${formatRegister(c)}`);
      if (a.kind !== b.kind) return fail(`select between different kinds (${describe(a, b)})`);
      const bad = sameShape(a, b, 'select') ?? sameShape(c, a, 'select condition');
      if (bad) return fail(bad);
      return ok(a.kind, Math.max(a.bits, b.bits), a.length, a.secret || b.secret || c.secret);
    }
    case 'ToFixed': {
      const a = ctx.type(ins.a);
      if (a.kind !== 'int') return fail(`toFixed takes an integer, not ${formatRegister(a)}`);
      return ok('fixed', FIXED_TOTAL_BITS, a.length, a.secret);
    }
    case 'Reveal': {
      const a = ctx.type(ins.a);
      if (!a.secret) return fail('reveal of a value that is already public');
      return ok(a.kind, a.bits, a.length, false);
    }
    case 'Slice': {
      const a = ctx.type(ins.a);
      if (ins.length < 1 || ins.start < 0 || ins.start + ins.length > a.length) {
        return fail(`slice [${ins.start}, ${ins.start + ins.length}) outside a register of ${a.length} elements`);
      }
      return ok(a.kind, a.bits, ins.length, a.secret);
    }
    case 'Concat': {
      if (ins.parts.length < 1) return fail('concat of nothing');
      const types = ins.parts.map((p) => ctx.type(p));
      const first = types[0];
      let length = 0;
      let bits = 0;
      let secret = false;
      for (const t of types) {
        if (t.kind !== first.kind) return fail(`concat of different kinds (${describe(first, t)})`);
        length += t.length;
        bits = Math.max(bits, t.bits);
        secret ||= t.secret;
      }
      if (length > MAX_VECTOR_LENGTH) return fail(`concat of ${length} elements exceeds ${MAX_VECTOR_LENGTH}`);
      return ok(first.kind, bits, length, secret);
    }
    case 'Broadcast': {
      const a = ctx.type(ins.a);
      if (a.length !== 1) return fail(`broadcast takes a scalar, not ${a.length} elements`);
      if (ins.length < 1 || ins.length > MAX_VECTOR_LENGTH) return fail(`broadcast to invalid length ${ins.length}`);
      return ok(a.kind, a.bits, ins.length, a.secret);
    }
    case 'Sum': {
      const a = ctx.type(ins.a);
      if (a.kind === 'bool') return fail('sum takes numbers; count booleans with .toInt() first');
      const bits = a.kind === 'fixed' ? FIXED_TOTAL_BITS : grow(a.bits + Math.ceil(Math.log2(a.length)));
      return ok(a.kind, bits, 1, a.secret);
    }
    case 'Narrow': {
      const a = ctx.type(ins.a);
      if (a.kind !== 'int') return fail(`narrowing takes an integer, not ${formatRegister(a)}`);
      if (!Number.isInteger(ins.bits) || ins.bits < 1 || ins.bits > MAX_TRACKED_BITS) {
        return fail(`invalid width ${ins.bits}`);
      }
      return ok('int', Math.min(a.bits, ins.bits), a.length, a.secret);
    }
  }
}

/** Widths beyond MAX_TRACKED_BITS saturate: such a value is refused wherever its width matters. */
function grow(bits: number): number {
  return Math.min(bits, MAX_TRACKED_BITS + 1);
}

function compareWidth(a: RegisterType, b: RegisterType): string | undefined {
  const bits = Math.max(a.bits, b.bits);
  if (a.kind === 'int' && bits > MAX_COMPARE_BITS) {
    return `comparison of integers that may need ${bits > MAX_TRACKED_BITS ? 'more than 126' : bits} bits; comparisons take at most ${MAX_COMPARE_BITS}-bit integers (declare narrower inputs, or assert the range with .assumeBits(64))`;
  }
  return undefined;
}

export function validScalar(kind: ScalarKind, bits: number): boolean {
  if (kind === 'bool') return bits === 1;
  if (kind === 'fixed') return bits === FIXED_TOTAL_BITS;
  return Number.isInteger(bits) && bits >= 1 && bits <= MAX_TRACKED_BITS;
}

/** Whether a signed integer value fits a scalar type (fixed values as their raw integers). */
export function fitsKind(value: bigint, kind: ScalarKind, bits: number): boolean {
  if (kind === 'bool') return value === 0n || value === 1n;
  const bound = 1n << BigInt(Math.max(0, bits - 1));
  return value >= -bound && value < bound;
}

/** Whether the interpreter needs a round of communication for this instruction (given its operand types). */
export function isInteractive(ins: Instruction, ctx: Pick<TypingContext, 'type'>): boolean {
  switch (ins.op) {
    case 'FixedMul':
      // even with one public operand the product must be truncated, which opens a masked value
      return ctx.type(ins.a).secret || ctx.type(ins.b).secret;
    case 'Mul':
    case 'And':
    case 'Or':
    case 'Xor':
      return ctx.type(ins.a).secret && ctx.type(ins.b).secret;
    case 'Lt':
    case 'Le':
    case 'Gt':
    case 'Ge':
    case 'Eq':
    case 'Ne':
      return ctx.type(ins.a).secret || ctx.type(ins.b).secret;
    case 'Select':
      // c (a - b) + b: a product of two secrets only when the condition and a branch difference are secret
      return ctx.type(ins.c).secret && (ctx.type(ins.a).secret || ctx.type(ins.b).secret);
    case 'Reveal':
      return true;
    default:
      return false;
  }
}
