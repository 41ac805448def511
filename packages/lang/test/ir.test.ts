/**
 * The IR's canonical encoding and the validator a node runs on untrusted bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  codeHashOf,
  compile,
  contract,
  decodeModule,
  decodeStructure,
  encodeModule,
  fn,
  IrError,
  type IrModule,
  loadContract,
  Op,
  reveal,
  secret,
  validateModule,
} from '../src/index.js';
import { compiledEveryOp, everyOp } from './helpers.js';

const millionaires = compile(
  contract('Millionaires', {
    functions: {
      compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
    },
  }),
);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('canonical encoding', () => {
  it('round-trips: decode(encode(m)) equals m and encode(decode(bytes)) equals bytes', () => {
    for (const c of [millionaires, compiledEveryOp]) {
      const decoded = decodeModule(c.bytes);
      assert.deepEqual(encodeModule(decoded), c.bytes);
      assert.deepEqual(
        decoded.functions.map((f) => f.instructions),
        c.module.functions.map((f) => f.instructions),
      );
      assert.equal(loadContract(c.bytes).codeHash, c.codeHash);
    }
  });

  it('is stable: the millionaires contract has these exact bytes and code hash', () => {
    // A change here changes every deployed code hash: only with a new IR version.
    assert.equal(
      hex(millionaires.bytes),
      '4d4f534952010c4d696c6c696f6e6169726573000107636f6d7061726502016100014000016200014000040100010122000138020109614973526963686572010301000300',
    );
    assert.equal(millionaires.codeHash, codeHashOf(millionaires.bytes));
    assert.equal(millionaires.codeHash, '0xba692bca6541a9b083d3f16babee5e4f024ec46ecfd62f5efbb8968d94a70ec0');
  });

  it('is deterministic: compiling twice gives the same bytes', () => {
    assert.deepEqual(compile(everyOp).bytes, compiledEveryOp.bytes);
  });

  it('refuses non-canonical forms: non-minimal varints and trailing bytes', () => {
    const bytes = millionaires.bytes;
    assert.throws(() => decodeModule(Uint8Array.from([...bytes, 0])), /trailing bytes/);
    // the function count 1 written as the two-byte varint 0x81 0x00
    const at = bytes.indexOf(0x07) - 1; // just before "compare"'s length byte
    const longer = Uint8Array.from([...bytes.slice(0, at), 0x81, 0x00, ...bytes.slice(at + 1)]);
    assert.throws(() => decodeModule(longer), /non-minimal varint/);
  });
});

function withFunction(module: IrModule, patch: Partial<IrModule['functions'][number]>): IrModule {
  return { ...module, functions: [{ ...module.functions[0], ...patch }] };
}

describe('validator', () => {
  const base: IrModule = decodeStructure(millionaires.bytes);

  it('accepts what the compiler emits', () => {
    assert.doesNotThrow(() => validateModule(base));
  });

  it('names the problem: use before definition', () => {
    const instructions = [{ op: 'Gt', a: 0, b: 1 } as const, ...base.functions[0].instructions];
    assert.throws(
      () => validateModule(withFunction(base, { instructions })),
      (e: unknown) => {
        return e instanceof IrError && /register 0 is used before it is defined/.test(e.message);
      },
    );
  });

  it('names the problem: a public output fed by a secret register', () => {
    const outputs = [
      { name: 'leak', to: 'public' as const, type: { kind: 'int' as const, bits: 64, arrayLength: 0 }, register: 0 },
    ];
    assert.throws(() => validateModule(withFunction(base, { outputs })), /a public output must be public \(revealed\)/);
  });

  it('names the problem: type errors, unknown inputs, bad state updates, unknown opcodes', () => {
    assert.throws(
      () => validateModule(withFunction(base, { instructions: [{ op: 'Input', index: 5 }], outputs: [] })),
      /input 5 is not declared/,
    );
    assert.throws(
      () => validateModule(withFunction(base, { stateUpdates: [{ index: 0, register: 0 }] })),
      /undeclared state variable 0/,
    );
    const notOfInt = [{ op: 'Input', index: 0 } as const, { op: 'Not', a: 0 } as const];
    assert.throws(
      () => validateModule(withFunction(base, { instructions: notOfInt, outputs: [] })),
      /not takes a boolean/,
    );
    const bytes = Uint8Array.from(millionaires.bytes);
    bytes[bytes.indexOf(Op.Gt)] = 0x7f;
    assert.throws(() => decodeModule(bytes), /unknown opcode 0x7f/);
  });

  it('never crashes or hangs on arbitrary bytes: 12,000 random and mutated inputs give a module or an IrError', () => {
    const seeds = [millionaires.bytes, compiledEveryOp.bytes];
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.option(fc.nat(), { nil: undefined }),
      )
      .map(([seed, edits, cut]) => {
        const bytes = [...seed];
        for (const [position, value, kind] of edits) {
          const at = position % (bytes.length + 1);
          if (kind === 'set' && at < bytes.length) bytes[at] = value;
          else if (kind === 'insert') bytes.splice(at, 0, value);
          else if (kind === 'delete') bytes.splice(at, 1);
        }
        return Uint8Array.from(cut === undefined ? bytes : bytes.slice(0, cut % (bytes.length + 1)));
      });
    const random = fc.uint8Array({ maxLength: 300 });
    const prefixed = fc
      .uint8Array({ maxLength: 200 })
      .map((tail) => Uint8Array.from([...millionaires.bytes.slice(0, 6), ...tail]));
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, random, prefixed), (bytes) => {
        try {
          const m = decodeModule(bytes);
          // anything accepted is canonical
          assert.deepEqual(encodeModule(m), bytes);
          accepted++;
        } catch (error) {
          if (!(error instanceof IrError)) throw error;
          rejected++;
        }
      }),
      { numRuns: 12_000 },
    );
    assert.equal(accepted + rejected, 12_000);
    assert.ok(rejected > 0);
  });

  it('refuses oversized input before parsing it', () => {
    assert.throws(() => decodeModule(new Uint8Array((4 << 20) + 1)), /exceeds/);
  });
});

describe('names', () => {
  it('a contract or function name the encoding cannot carry is a compile error, not a later decode failure', () => {
    const bad = contract('Bad!', { functions: {} });
    assert.throws(() => compile(bad), /contract name "Bad!"/);
    const badFn = contract('Ok', { functions: { 'not-an-identifier': fn({}, () => undefined) } });
    assert.throws(() => compile(badFn), /is not an identifier/);
  });
});
