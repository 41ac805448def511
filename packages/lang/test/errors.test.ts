/**
 * Compile errors name the contract source line that caused them. Source maps are enabled before the faulty
 * contracts load (as `node --enable-source-maps` would), so lines are those of the TypeScript source.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CompileError, type ContractDefinition, compile } from '../src/index.js';

process.setSourceMapsEnabled(true);
const faulty = await import('./fixtures/faulty.js');

const SOURCE = fileURLToPath(new URL('../../test/fixtures/faulty.ts', import.meta.url));
const lines = readFileSync(SOURCE, 'utf8').split('\n');

function lineOf(marker: string): number {
  const index = lines.findIndex((l) => l.includes(`// ${marker}`));
  assert.ok(index >= 0, `marker ${marker}`);
  return index + 1;
}

function expectError(build: () => ContractDefinition, marker: string, reason: RegExp): void {
  let error: unknown;
  try {
    compile(build());
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof CompileError, `expected a CompileError, got ${error}`);
  assert.match(error.message, reason);
  assert.equal(error.file, SOURCE, error.message);
  assert.equal(error.line, lineOf(marker), error.message);
}

describe('compile errors point at the contract source line', () => {
  it('a secret value as a loop bound', () => {
    expectError(
      faulty.loopBound,
      '@loop-bound',
      /cannot be used as a JavaScript value.*plain JavaScript numbers for loop bounds/,
    );
  });
  it('a secret value in a template string', () => {
    expectError(faulty.template, '@template', /cannot be used/);
  });
  it('a secret value in a JavaScript comparison (an if or ?: on secrets)', () => {
    expectError(faulty.jsCompare, '@js-compare', /Use select\(condition, a, b\)/);
  });
  it('a type mismatch: int plus fixed', () => {
    expectError(faulty.intPlusFixed, '@int-plus-fixed', /int and fixed: convert the int with \.toFixed\(\)/);
  });
  it('a type mismatch: a state variable assigned a value of another type', () => {
    expectError(faulty.stateType, '@state-type', /type mismatch: state variable total is int64/);
  });
  it('a public output computed from an undeclared secret', () => {
    expectError(faulty.secretCall, '@secret-call', /secret value; a public output must be declared public with reveal/);
  });
  it('a value carried from one function into another', () => {
    expectError(faulty.carried, '@carried', /belongs to function first, not second/);
  });
  it('a comparison of integers that may overflow 64 bits', () => {
    expectError(faulty.wide, '@wide', /comparisons take at most 64-bit integers/);
  });
  it('arrays of different lengths', () => {
    expectError(faulty.lengths, '@lengths', /arrays of 3 and 4 elements/);
  });
  it('an index out of range', () => {
    expectError(faulty.index, '@index', /index 3 is outside an array of 3/);
  });
  it('a division of secrets', () => {
    expectError(faulty.divide, '@divide', /division takes public values only/);
  });
  it('an error thrown by the contract code itself', () => {
    expectError(faulty.throws, '@throws', /TypeError/);
  });
});
