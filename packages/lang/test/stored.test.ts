/**
 * Stored inputs: a function input read from stored int64 data. The caller passes a pointer (in the
 * public arguments); inside the function it is a secret int64 array.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CodecError,
  compile,
  contract,
  costOf,
  decodeModule,
  decodeStoredRef,
  encodeArgs,
  encodeModule,
  fn,
  InputRangeError,
  IrError,
  reveal,
  STORED_ARG_ELEMENTS,
  secret,
  signatureOf,
  simulate,
  stored,
} from '@mosaic/lang';

const POINTER = `0x${'ab'.repeat(16)}${'01'.repeat(16)}` as const;

const Stats = contract('Stats', {
  functions: {
    stats: fn({ samples: stored.int64(4), offset: secret.int64 }, ({ samples, offset }) => ({
      total: samples.sum().add(offset),
      positive: reveal(samples.gt(0n).toInt().sum()),
    })),
    plain: fn({ samples: secret.array(secret.int64, 4) }, ({ samples }) => ({ total: samples.sum() })),
  },
});

describe('stored inputs', () => {
  const compiled = compile(Stats);
  const f = compiled.module.functions[0]!;

  it('are recorded in the IR as stored int64 arrays, round-trip canonically and change the code hash', () => {
    assert.equal(f.inputs[0]!.visibility, 'stored');
    assert.deepEqual(f.inputs[0]!.type, { kind: 'int', bits: 64, arrayLength: 4 });
    const bytes = encodeModule(compiled.module);
    assert.deepEqual(encodeModule(decodeModule(bytes)), bytes);
    assert.equal(signatureOf(f), 'stats(stored int64[4],int64)');
    // The same body over a secret array is another function (another signature and encoding).
    assert.notEqual(signatureOf(compiled.module.functions[1]!), 'plain(stored int64[4])');
    const secretVersion = {
      ...compiled.module,
      functions: [{ ...f, inputs: [{ ...f.inputs[0]!, visibility: 'secret' as const }, f.inputs[1]!] }],
    };
    assert.notDeepEqual(encodeModule(secretVersion), encodeModule({ ...compiled.module, functions: [f] }));
  });

  it('the validator refuses a stored input that is not an int64 array', () => {
    for (const type of [
      { kind: 'int' as const, bits: 32, arrayLength: 4 },
      { kind: 'int' as const, bits: 64, arrayLength: 0 },
      { kind: 'fixed' as const, bits: 40, arrayLength: 4 },
    ]) {
      const bad = {
        ...compiled.module,
        functions: [
          { ...f, inputs: [{ ...f.inputs[0]!, type }, f.inputs[1]!], instructions: [], outputs: [], updates: [] },
        ],
      };
      assert.throws(() => decodeModule(encodeModule(bad)), IrError);
    }
  });

  it('the caller passes a pointer (optionally with the storage committee): public arguments, no shares', () => {
    const args = encodeArgs(compiled, 'stats', { samples: POINTER, offset: 3n });
    assert.equal(args.secret.length, 1);
    assert.equal(args.public.length, 1);
    assert.equal(args.public[0]!.length, STORED_ARG_ELEMENTS);
    assert.deepEqual(decodeStoredRef(args.public[0]!), { pointer: POINTER, n: 5, t: 2 });
    const custom = encodeArgs(compiled, 'stats', { samples: { pointer: POINTER, n: 7, t: 3 }, offset: 3n });
    assert.deepEqual(decodeStoredRef(custom.public[0]!), { pointer: POINTER, n: 7, t: 3 });
    assert.throws(() => encodeArgs(compiled, 'stats', { samples: '0x1234' as never, offset: 3n }), CodecError);
    assert.throws(
      () => encodeArgs(compiled, 'stats', { samples: { pointer: POINTER, n: 4, t: 2 }, offset: 3n }),
      CodecError,
    );
  });

  it('the cost model charges the resharing', () => {
    const withStored = costOf(compiled, 'stats');
    const other = compile(
      contract('Stats', {
        functions: {
          stats: fn({ samples: secret.array(secret.int64, 4), offset: secret.int64 }, ({ samples, offset }) => ({
            total: samples.sum().add(offset),
            positive: reveal(samples.gt(0n).toInt().sum()),
          })),
        },
      }),
    );
    const without = costOf(other, 'stats');
    assert.equal(withStored.rounds, without.rounds + 1);
    assert.ok(withStored.bytesPerParty > without.bytesPerParty);
    assert.ok(withStored.gas > without.gas);
  });

  it('runs on a committee with the stored values shared in place of the storage committee', async () => {
    const run = await simulate(
      compiled,
      'stats',
      { samples: POINTER, offset: 10n },
      { n: 5, t: 2, stored: { samples: [5n, -3n, 0n, 1n << 40n] } },
    );
    assert.equal(run.outputs.total, 5n - 3n + (1n << 40n) + 10n);
    assert.equal(run.outputs.positive, 2n);
  });

  it('refuses a stored value outside int64 before the body runs, naming the input and the element', async () => {
    await assert.rejects(
      simulate(
        compiled,
        'stats',
        { samples: POINTER, offset: 10n },
        { n: 5, t: 2, stored: { samples: [5n, 1n << 64n, 0n, -(1n << 63n)] } },
      ),
      (error: Error) => {
        assert.ok(error instanceof InputRangeError);
        assert.equal(error.message, 'stats: stored input samples is not a valid int64[4] (element 1)');
        return true;
      },
    );
  });
});
