/**
 * The interpreter against plaintext: every operation on random inputs (fast-check), on committees of
 * (3, 1) and (5, 2).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ExecutionError, execute, InputRangeError, simulate } from '../src/index.js';
import { compiledEveryOp } from './helpers.js';

const int31 = fc.bigInt({ min: -(1n << 30n), max: (1n << 30n) - 1n });
const committee = fc.constantFrom({ n: 3, t: 1 }, { n: 5, t: 2 });
const b = (x: boolean) => x;

describe('interpreter vs plaintext', () => {
  it('integer and boolean operations', async () => {
    await fc.assert(
      fc.asyncProperty(
        committee,
        int31,
        fc.oneof(int31, fc.constant(0n)),
        int31,
        fc.boolean(),
        fc.boolean(),
        async (cm, a, bb, p, c, d) => {
          const { outputs } = await simulate(compiledEveryOp, 'ints', { a, b: bb, p, c, d }, cm);
          assert.deepEqual(outputs, {
            add: a + bb,
            sub: a - bb,
            neg: -a,
            mul: a * bb,
            mulPublic: a * p,
            addPublic: a + p,
            mulConstant: a * -3n,
            lt: b(a < bb),
            le: b(a <= bb),
            gt: b(a > bb),
            ge: b(a >= bb),
            eq: b(a === bb),
            ne: b(a !== bb),
            ltPublic: b(a < p),
            and: c && d,
            or: c || d,
            xor: c !== d,
            not: !c,
            select: c ? a : bb,
            selectPublic: c ? p : 7n,
            toInt: c ? 1n : 0n,
            sum: a + bb + a,
            elementwise: [a * bb, bb * a],
            revealed: a + bb,
            revealedLt: a < bb,
            publicMath: a * p - p,
          });
        },
      ),
      { numRuns: 20 },
    );
  });

  it('equal inputs (equality and order at the boundary)', async () => {
    for (const v of [0n, -1n, (1n << 30n) - 1n]) {
      const { outputs } = await simulate(
        compiledEveryOp,
        'ints',
        { a: v, b: v, p: v, c: true, d: false },
        { n: 3, t: 1 },
      );
      assert.equal(outputs.eq, true);
      assert.equal(outputs.lt, false);
      assert.equal(outputs.le, true);
      assert.equal(outputs.ge, true);
    }
  });

  it('fixed-point operations (products within one unit in the last place)', async () => {
    const real = fc.integer({ min: -2000 * 256, max: 2000 * 256 }).map((k) => k / 256);
    const nonzero = real.filter((q) => Math.abs(q) >= 1);
    await fc.assert(
      fc.asyncProperty(
        committee,
        real,
        real,
        fc.integer({ min: -1000, max: 1000 }),
        nonzero,
        async (cm, x, y, a, q) => {
          const { outputs } = await simulate(compiledEveryOp, 'fixed', { x, y, a: BigInt(a), q }, cm);
          const ulp = 2 ** -16;
          const near = (got: number, want: number, units = 1) =>
            assert.ok(Math.abs(got - want) <= units * ulp + 1e-12, `${got} vs ${want}`);
          assert.equal(outputs.add, x + y);
          assert.equal(outputs.sub, x - y);
          near(outputs.mul, x * y);
          assert.equal(outputs.mulInt, x * a + 0); // + 0: a negative x times 0 is -0 in JS, the decoded value is 0
          near(outputs.mulPublic, x * q);
          near(outputs.mulConstant, x * 0.5);
          assert.equal(outputs.lt, x < y);
          assert.equal(outputs.eq, x === y);
          assert.equal(outputs.toFixed, a);
          near(outputs.revealedDiv, x / q);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('rejects arguments that do not match the declaration, at every party alike', async () => {
    await assert.rejects(
      simulate(compiledEveryOp, 'ints', { a: 1n << 40n, b: 0n, p: 0n, c: true, d: true }, { n: 3, t: 1 }),
      /does not fit int32/,
    );
    const { MemoryNetwork, Party } = await import('@mosaic/mpc');
    const network = new MemoryNetwork(3);
    const party = new Party({ transport: network.transport(1), t: 1 });
    await assert.rejects(execute(party, compiledEveryOp, 'ints', { args: [] }), ExecutionError);
    await assert.rejects(execute(party, compiledEveryOp, 'nope', { args: [] }), /has no function nope/);
    network.close();
  });

  it('refuses secret inputs outside their types in MPC, naming each input and never its value', async () => {
    const { field, MemoryNetwork, Party, share, vec } = await import('@mosaic/mpc');
    const { encodeArgs } = await import('../src/index.js');
    const run = async (fn: 'ints' | 'fixed', values: Record<string, unknown>, patch: (secret: bigint[][]) => void) => {
      const encoded = encodeArgs(compiledEveryOp, fn, values as never);
      patch(encoded.secret);
      const shares = encoded.secret.map((elements) => share(vec.fromBigInts(elements), 3, 1));
      const network = new MemoryNetwork(3);
      const parties = network.transports().map((transport) => new Party({ transport, t: 1 }));
      try {
        return await Promise.allSettled(
          parties.map((party) =>
            execute(party, compiledEveryOp, fn, {
              args: shares.map((s) => s[party.id - 1]!),
              publicArgs: encoded.public,
            }),
          ),
        );
      } finally {
        network.close();
      }
    };
    const refused = (settled: PromiseSettledResult<unknown>[]) =>
      settled.map((r) => {
        assert.equal(r.status, 'rejected', 'every party refuses alike');
        const error = (r as PromiseRejectedResult).reason as Error;
        assert.ok(error instanceof InputRangeError);
        return error.message;
      });
    const ints = { a: 5n, b: -9n, p: 3n, c: true, d: false };
    // a boolean of 2 and one of p - 1 (-1), next to in-range integers: both named
    const bools = refused(
      await run('ints', ints, (secret) => {
        secret[2] = [2n];
        secret[3] = [field.P - 1n];
      }),
    );
    for (const message of bools) {
      assert.equal(message, 'ints: secret input c is not a valid bool; secret input d is not a valid bool');
    }
    // an int32 of 2^31 (one past the top) and a fixed-point value of 2^39 (one past its 40 bits)
    const wide = refused(
      await run('ints', ints, (secret) => {
        secret[0] = [1n << 31n];
      }),
    );
    assert.equal(wide[0], 'ints: secret input a is not a valid int32');
    const fixed = refused(
      await run('fixed', { x: 1.5, y: -2.25, a: 3n, q: 0.5 }, (secret) => {
        secret[1] = [1n << 39n];
      }),
    );
    assert.equal(fixed[0], 'fixed: secret input y is not a valid fixed');
    // the edges themselves pass: -2^31 and 2^31 - 1, -2^39 and 2^39 - 1
    const edges = await run('ints', ints, (secret) => {
      secret[0] = [field.fromSigned(-(1n << 31n))];
      secret[1] = [(1n << 31n) - 1n];
    });
    assert.ok(edges.every((r) => r.status === 'fulfilled'));
    const fixedEdges = await run('fixed', { x: 1.5, y: -2.25, a: 3n, q: 0.5 }, (secret) => {
      secret[0] = [field.fromSigned(-(1n << 39n))];
      secret[1] = [(1n << 39n) - 1n];
    });
    assert.ok(fixedEdges.every((r) => r.status === 'fulfilled'));
  });
});
