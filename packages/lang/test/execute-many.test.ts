/**
 * executeMany: k calls of one function in one run take the rounds of one call and give each call the result
 * it would have had alone (against simulate, which runs each call by itself).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { field, MemoryNetwork, Party, reconstruct, share, vec } from '@mosaic/mpc';
import {
  compile,
  contract,
  decodeOutputs,
  encodeArgs,
  executeMany,
  fn,
  InputRangeError,
  privateOutputSizes,
  reveal,
  secret,
  select,
  simulate,
} from '../src/index.js';

const Mixed = compile(
  contract('Mixed', {
    functions: {
      run: fn(
        { a: secret.int64, b: secret.int64, w: secret.fixed, xs: secret.array(secret.int32, 4) },
        ({ a, b, w, xs }) => ({
          richer: reveal(a.gt(b)),
          larger: select(a.gt(b), a, b),
          scaled: w.mul(w),
          total: reveal(xs.mul(xs).sum()),
          same: a.eq(b),
        }),
      ),
    },
  }),
);

const calls = [
  { a: 5n, b: -3n, w: 1.5, xs: [1n, 2n, 3n, 4n] },
  { a: -7n, b: 100n, w: -2.25, xs: [0n, -1n, 9n, 2n] },
  { a: 42n, b: 42n, w: 0, xs: [5n, 5n, 5n, 5n] },
];

describe('executeMany', () => {
  it('runs k calls in the rounds of one, each with its own result', async () => {
    const [n, t] = [5, 2];
    const alone = await Promise.all(calls.map((c) => simulate(Mixed, 'run', c, { n, t })));
    const encoded = calls.map((c) => encodeArgs(Mixed, 'run', c));
    const shared = encoded.map((e) => e.secret.map((elements) => share(vec.fromBigInts(elements), n, t)));
    const network = new MemoryNetwork(n);
    const parties = network.transports().map((transport) => new Party({ transport, t }));
    const outcomes = await Promise.all(
      parties.map((party) =>
        executeMany(
          party,
          Mixed,
          'run',
          encoded.map((e, c) => ({ args: shared[c]!.map((s) => s[party.id - 1]!), publicArgs: e.public })),
        ),
      ),
    );
    network.close();
    const members = outcomes.map((calls) =>
      calls.map((outcome) => {
        assert.ok(outcome.ok, 'every call passes the input check');
        return outcome.result;
      }),
    );
    const sizes = privateOutputSizes(Mixed, 'run');
    calls.forEach((_, c) => {
      const reconstructed = sizes.map((_, k) =>
        vec.toBigInts(
          reconstruct(
            members.map((_, i) => i + 1),
            members.map((m) => m[c]!.privateOutputs[k]!),
            t,
          ),
        ),
      );
      const outputs = { ...decodeOutputs(Mixed, 'run', reconstructed), ...members[0]![c]!.publicOutputs };
      assert.deepEqual(outputs, alone[c]!.outputs);
    });
    assert.equal(members[0]![0]!.stats.rounds, alone[0]!.stats.rounds);
    assert.deepEqual(await executeMany(parties[0]!, Mixed, 'run', []), []);
  });

  it('refuses only the call whose input is out of range; the others get their results', async () => {
    const [n, t] = [5, 2];
    const alone = await simulate(Mixed, 'run', calls[0]!, { n, t });
    const encoded = calls.map((c) => encodeArgs(Mixed, 'run', c));
    // the second call's b is 2^64, which no int64 holds (encodeArgs would refuse it: set by hand)
    encoded[1]!.secret[1] = [1n << 64n];
    // the third call's xs[2] is -2^31 - 1, one below the int32 range
    encoded[2]!.secret[3]![2] = field.fromSigned(-(1n << 31n) - 1n);
    const shared = encoded.map((e) => e.secret.map((elements) => share(vec.fromBigInts(elements), n, t)));
    const network = new MemoryNetwork(n);
    const parties = network.transports().map((transport) => new Party({ transport, t }));
    const outcomes = await Promise.all(
      parties.map((party) =>
        executeMany(
          party,
          Mixed,
          'run',
          encoded.map((e, c) => ({ args: shared[c]!.map((s) => s[party.id - 1]!), publicArgs: e.public })),
        ),
      ),
    );
    network.close();
    for (const member of outcomes) {
      const [first, second, third] = member;
      assert.ok(first?.ok);
      assert.deepEqual(first.result.publicOutputs, alone.members[0]!.publicOutputs);
      assert.ok(second && !second.ok);
      assert.ok(second.error instanceof InputRangeError);
      assert.equal(second.error.message, 'run: secret input b is not a valid int64');
      assert.deepEqual(second.error.inputs, [{ name: 'b', elements: [0] }]);
      assert.ok(third && !third.ok);
      assert.equal(third.error.message, 'run: secret input xs is not a valid int32[4] (element 2)');
      assert.doesNotMatch(third.error.message, /2147483649/, 'the value is never named');
    }
  });
});
