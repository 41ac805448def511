/**
 * The trace of one function: running the function's body with traced values appends instructions here.
 * Each instruction is type-checked as it is emitted, with the rules the validator applies, and remembers
 * the contract source line that emitted it, so that errors point there.
 */
import type { InputDecl, Instruction, StateDecl } from '../ir/module.js';
import type { RegisterType } from '../ir/types.js';
import { typeOf } from '../ir/typing.js';
import { CompileError } from './errors.js';
import { callSite } from './source.js';

export class Tracer {
  readonly instructions: Instruction[] = [];
  readonly types: RegisterType[] = [];
  /** Source location of each instruction. */
  readonly locations: (string | undefined)[] = [];
  /** Registers holding the current value of each state variable read or written so far. */
  readonly stateRegisters = new Map<number, number>();
  /** State variables assigned by the function, with the register assigned last. */
  readonly stateUpdates = new Map<number, number>();
  private readonly constants = new Map<string, number>();
  private finished = false;

  constructor(
    readonly functionName: string,
    readonly inputs: readonly InputDecl[],
    readonly state: readonly StateDecl[],
  ) {}

  /** Appends an instruction and returns its register; a broken typing rule is a CompileError here. */
  emit(ins: Instruction): number {
    this.checkOpen();
    const location = callSite();
    const typed = typeOf(ins, { inputs: this.inputs, state: this.state, type: (r) => this.types[r] });
    if (!typed.ok) throw new CompileError(typed.reason, location, this.functionName);
    this.instructions.push(ins);
    this.types.push(typed.type);
    this.locations.push(location);
    return this.instructions.length - 1;
  }

  /** A public constant, emitted once per function however often it is used. */
  constant(kind: 'int' | 'fixed' | 'bool', bits: number, values: readonly bigint[]): number {
    const key = `${kind}${bits}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const reg = this.emit({ op: 'Const', kind, bits, values });
    this.constants.set(key, reg);
    return reg;
  }

  type(register: number): RegisterType {
    return this.types[register];
  }

  fail(reason: string, location: string | undefined = callSite()): never {
    throw new CompileError(reason, location, this.functionName);
  }

  finish(): void {
    this.finished = true;
  }

  private checkOpen(): void {
    if (this.finished) {
      this.fail(
        'a value of this function was used after its compilation ended (kept in a variable outside the function body?)',
      );
    }
  }
}

let current: Tracer | undefined;

/** The trace running now; the DSL's free functions (select, reveal, state access) use it. */
export function currentTracer(what: string): Tracer {
  if (!current) {
    throw new CompileError(`${what} can only be used inside a secret function's body while it compiles`, callSite());
  }
  return current;
}

export function withTracer<T>(tracer: Tracer, body: () => T): T {
  const previous = current;
  current = tracer;
  try {
    return body();
  } finally {
    current = previous;
  }
}
