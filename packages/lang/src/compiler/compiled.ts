/** The compiler's output, the object a client deploys and calls and a node executes. */
import type { FunctionMap } from '../dsl/contract.js';
import type { Hex } from '../ir/hash.js';
import type { ValidatedModule } from '../ir/validate.js';

export interface CompiledFunction {
  readonly name: string;
  /** Position in the module's function list. */
  readonly index: number;
  /** Canonical signature, e.g. bid(int32,int64). */
  readonly signature: string;
  /** bytes4 selector: first 4 bytes of keccak256(signature). */
  readonly selector: Hex;
  /** Contract source location of each instruction (empty for a contract loaded from bytes). */
  readonly locations: readonly (string | undefined)[];
}

export interface CompiledContract<Fns extends FunctionMap = FunctionMap> {
  readonly name: string;
  /** The validated IR. */
  readonly module: ValidatedModule;
  /** The canonical encoding of the IR: the code that is deployed. */
  readonly bytes: Uint8Array;
  /** keccak256(bytes). */
  readonly codeHash: Hex;
  readonly functions: { readonly [K in keyof Fns & string]: CompiledFunction };
  /** Phantom: the contract definition's function map, for ArgsOf / ResultOf. */
  readonly __functions?: Fns;
}
