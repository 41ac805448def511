/**
 * Runs a call of a compiled contract on a whole committee in this process (in-memory network): the client's
 * part (encode and share the arguments, reconstruct and decode the private outputs) and every member's part.
 * For tests, examples, benchmarks and local tooling.
 */
import { type FieldVector, field, MemoryNetwork, Party, reconstruct, share, vec } from '@mosaic/mpc';
import { CodecError, decodeOutputs, encodeArgs, functionIr, privateOutputSizes } from './codec/values.js';
import type { CompiledContract } from './compiler/compiled.js';
import type { FunctionMap } from './dsl/contract.js';
import { type ExecuteResult, type ExecuteStats, execute } from './interpreter/execute.js';
import type { ArgsOf, FunctionName, ResultOf } from './types.js';

export interface SimulateOptions {
  readonly n: number;
  readonly t: number;
  /** Each member's state shares (index = member id - 1), from a previous call; undefined = initial state. */
  readonly state?: readonly (readonly FieldVector[])[];
  readonly timeoutMs?: number;
  /**
   * The values behind stored inputs, by input name (what the storage committee would reshare); the call's
   * arguments still pass a pointer for them.
   */
  readonly stored?: Readonly<Record<string, readonly bigint[]>>;
}

export interface SimulateResult<R> {
  /** Private outputs (reconstructed by the caller) and public outputs, decoded. */
  readonly outputs: R;
  /** Each member's result. */
  readonly members: readonly ExecuteResult[];
  /** Each member's state shares after the call, to pass to the next call. */
  readonly state: FieldVector[][];
  /** Member 1's communication figures. */
  readonly stats: ExecuteStats;
}

export async function simulate<C extends CompiledContract<FunctionMap>, F extends FunctionName<C>>(
  contract: C,
  fn: F,
  values: ArgsOf<C, F>,
  options: SimulateOptions,
): Promise<SimulateResult<ResultOf<C, F>>> {
  const { n, t } = options;
  const encoded = encodeArgs(contract, fn, values);
  // Secret and stored inputs are shares, in declaration order; the public arguments hold the public inputs
  // (and the stored inputs' pointers, which only the storage committee reads).
  const inputs = functionIr(contract, fn).inputs;
  let secretAt = 0;
  const shared = inputs
    .filter((i) => i.visibility !== 'public')
    .map((i) => {
      if (i.visibility === 'secret') return share(vec.fromBigInts(encoded.secret[secretAt++]!), n, t);
      const given = options.stored?.[i.name];
      if (!given || given.length !== i.type.arrayLength) {
        throw new CodecError(`simulate: stored input ${i.name} needs ${i.type.arrayLength} values in options.stored`);
      }
      return share(vec.fromBigInts(given.map(field.fromSigned)), n, t);
    });
  const publicArgs = encoded.public.filter(
    (_, k) => inputs.filter((i) => i.visibility !== 'secret')[k]!.visibility === 'public',
  );
  const network = new MemoryNetwork(n);
  const parties = network
    .transports()
    .map((transport) => new Party({ transport, t, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }));
  let members: ExecuteResult[];
  try {
    members = await Promise.all(
      parties.map((party) =>
        execute(party, contract, fn, {
          args: shared.map((s) => s[party.id - 1]),
          publicArgs,
          ...(options.state ? { state: options.state[party.id - 1] } : {}),
        }),
      ),
    );
  } finally {
    network.close();
  }
  const points = members.map((_, i) => i + 1);
  const sizes = privateOutputSizes(contract, fn);
  const reconstructed = sizes.map((_, k) =>
    vec.toBigInts(
      reconstruct(
        points,
        members.map((m) => m.privateOutputs[k]),
        t,
      ),
    ),
  );
  const outputs = {
    ...decodeOutputs(contract, fn, reconstructed),
    ...members[0].publicOutputs,
    ...Object.fromEntries(members[0].ethereumCalls.map((c) => [c.name, c.args])),
  } as unknown as ResultOf<C, F>;
  return { outputs, members, state: members.map((m) => m.newState), stats: members[0].stats };
}
