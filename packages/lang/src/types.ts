/**
 * Types a client derives from a contract: `ArgsOf<typeof compiled, 'bid'>` is `{ amount: bigint }`,
 * `ResultOf<typeof compiled, 'close'>` is `{ winner: bigint; price: bigint }`. They work on the compiled
 * contract and on the contract definition alike.
 */
import type { CompiledContract } from './compiler/compiled.js';
import type { ContractDefinition, FunctionDef, FunctionMap, Outputs, SpecMap, ValueOfTraced } from './dsl/contract.js';
import type { ValueOfSpec } from './dsl/specs.js';
import type { Traced } from './dsl/values.js';
import type { ScalarKind } from './ir/types.js';

export type FunctionsOf<C> =
  C extends CompiledContract<infer F> ? F : C extends ContractDefinition<infer F> ? F : never;

/** The names of a contract's functions. */
export type FunctionName<C> = keyof FunctionsOf<C> & string;

type InputsOf<C, K extends FunctionName<C>> = FunctionsOf<C>[K] extends FunctionDef<infer I, infer _O> ? I : never;
type OutputsOf<C, K extends FunctionName<C>> =
  FunctionsOf<C>[K] extends FunctionDef<SpecMap, infer O> ? (O extends Outputs ? O : Record<never, never>) : never;

/** The arguments of a call, secret and public: bigint for integers, number for fixed point, boolean, arrays. */
export type ArgsOf<C, K extends FunctionName<C>> = { [P in keyof InputsOf<C, K>]: ValueOfSpec<InputsOf<C, K>[P]> };

/** Every output of a call: private ones (reconstructed by the caller) and public ones (from the receipt). */
export type ResultOf<C, K extends FunctionName<C>> = {
  [P in keyof OutputsOf<C, K>]: ValueOfTraced<OutputsOf<C, K>[P]>;
};

type IsPrivate<T> = T extends Traced<ScalarKind, 'secret'> ? true : false;

/** The outputs only the caller receives (secret values returned by the body). */
export type PrivateResultOf<C, K extends FunctionName<C>> = {
  [P in keyof OutputsOf<C, K> as IsPrivate<OutputsOf<C, K>[P]> extends true ? P : never]: ValueOfTraced<
    OutputsOf<C, K>[P]
  >;
};

/** The public outputs (revealed values and Ethereum calls), as recorded in the receipt. */
export type PublicResultOf<C, K extends FunctionName<C>> = {
  [P in keyof OutputsOf<C, K> as IsPrivate<OutputsOf<C, K>[P]> extends true ? never : P]: ValueOfTraced<
    OutputsOf<C, K>[P]
  >;
};

/** A compiled contract or its bytes' decoding, without static types. */
export type AnyContract = CompiledContract<FunctionMap>;
