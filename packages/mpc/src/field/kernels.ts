/**
 * Loads the WebAssembly field kernels (built from assembly/field.ts) and runs them over vectors that live in
 * ordinary JS memory: inputs are copied into the module's linear memory in cache-sized chunks, the kernel runs,
 * and the result is copied back. The copies cost a few percent of a multiplication and keep every vector an
 * ordinary garbage-collected Uint32Array, with no manual memory management anywhere else in the engine.
 */
import { FIELD_KERNELS_WASM_BASE64 } from './kernels.generated.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  add(out: number, a: number, b: number, n: number): void;
  sub(out: number, a: number, b: number, n: number): void;
  neg(out: number, a: number, n: number): void;
  mul(out: number, a: number, b: number, n: number): void;
  mulScalar(out: number, a: number, c: number, n: number): void;
  squareTimes(out: number, a: number, n: number, k: number): void;
  linearCombination(out: number, inputs: number, k: number, n: number, coeffs: number): void;
  matrixApply(out: number, inputs: number, k: number, n: number, matrix: number, rows: number): void;
  pow2to125minus1(out: number, a: number, n: number, scratch: number): void;
  composePowersOfTwo(out: number, inputs: number, k: number, n: number): void;
  selectBy(out: number, candidates: number, k: number, n: number, selectors: number): void;
  matrixApplySmall(out: number, inputs: number, k: number, n: number, matrix: number, rows: number): void;
  matrixApplySigned(
    out: number,
    inputs: number,
    k: number,
    n: number,
    matrix: number,
    rows: number,
    scratch: number,
  ): void;
}

const ELEMENT_BYTES = 16;
const WORDS = 4;
/** Elements per chunk for the two- and three-operand kernels: 3 x 64 KiB stays in L2. */
const CHUNK = 4096;
/** Byte budget for the multi-input kernels' inputs and outputs per chunk. */
const WIDE_BUDGET = 1 << 20;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  // The wire format and the kernels both assume little-endian words, as every mainstream platform has.
  throw new Error('@mosaic/mpc needs a little-endian platform');
}

const instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(FIELD_KERNELS_WASM_BASE64)), {
  env: {
    abort() {
      throw new Error('field kernel aborted');
    },
  },
});
const wasm = instance.exports as unknown as KernelExports;
let heap = new Uint32Array(wasm.memory.buffer);

/** Makes linear memory at least `bytes` long and returns the current word view of it. */
function reserve(bytes: number): Uint32Array {
  const have = wasm.memory.buffer.byteLength;
  if (have < bytes) wasm.memory.grow(Math.ceil((bytes - have) / 65536));
  if (heap.buffer !== wasm.memory.buffer) heap = new Uint32Array(wasm.memory.buffer);
  return heap;
}

function count(v: Uint32Array): number {
  return v.length / WORDS;
}

function sameLength(a: Uint32Array, b: Uint32Array): void {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${count(a)} and ${count(b)} elements`);
}

type Binary = (out: number, a: number, b: number, n: number) => void;

function binary(op: Binary, out: Uint32Array, a: Uint32Array, b: Uint32Array): Uint32Array {
  sameLength(a, b);
  sameLength(a, out);
  const n = count(a);
  const chunkBytes = CHUNK * ELEMENT_BYTES;
  const mem = reserve(3 * chunkBytes);
  const bw = chunkBytes / 4;
  for (let start = 0; start < n; start += CHUNK) {
    const len = Math.min(CHUNK, n - start);
    const lo = start * WORDS;
    const hi = lo + len * WORDS;
    mem.set(a.subarray(lo, hi), 0);
    mem.set(b.subarray(lo, hi), bw);
    op(2 * chunkBytes, 0, chunkBytes, len);
    out.set(mem.subarray(2 * bw, 2 * bw + len * WORDS), lo);
  }
  return out;
}

type Unary = (out: number, a: number, n: number) => void;

function unary(op: Unary, out: Uint32Array, a: Uint32Array, extraBytes = 0): Uint32Array {
  sameLength(a, out);
  const n = count(a);
  const chunkBytes = CHUNK * ELEMENT_BYTES;
  const mem = reserve(2 * chunkBytes + extraBytes);
  const bw = chunkBytes / 4;
  for (let start = 0; start < n; start += CHUNK) {
    const len = Math.min(CHUNK, n - start);
    const lo = start * WORDS;
    mem.set(a.subarray(lo, lo + len * WORDS), 0);
    op(chunkBytes, 0, len);
    out.set(mem.subarray(bw, bw + len * WORDS), lo);
  }
  return out;
}

export function addInto(out: Uint32Array, a: Uint32Array, b: Uint32Array): Uint32Array {
  return binary(wasm.add, out, a, b);
}

export function subInto(out: Uint32Array, a: Uint32Array, b: Uint32Array): Uint32Array {
  return binary(wasm.sub, out, a, b);
}

export function mulInto(out: Uint32Array, a: Uint32Array, b: Uint32Array): Uint32Array {
  return binary(wasm.mul, out, a, b);
}

export function negInto(out: Uint32Array, a: Uint32Array): Uint32Array {
  return unary(wasm.neg, out, a);
}

/** out = a * c for one constant element c (4 words). */
export function mulScalarInto(out: Uint32Array, a: Uint32Array, c: Uint32Array): Uint32Array {
  const scalarAt = 2 * CHUNK * ELEMENT_BYTES;
  const mem = reserve(scalarAt + ELEMENT_BYTES);
  mem.set(c.subarray(0, WORDS), scalarAt / 4);
  return unary((o, x, n) => wasm.mulScalar(o, x, scalarAt, n), out, a, ELEMENT_BYTES);
}

/** out = a^(2^k) */
export function squareTimesInto(out: Uint32Array, a: Uint32Array, k: number): Uint32Array {
  return unary((o, x, n) => wasm.squareTimes(o, x, n, k), out, a);
}

/** out = a^(2^125 - 1): for a = x^2 that is +-1/x, and a * out^2... see protocols/bits.ts; also a^-1 = out^4 * a. */
export function pow2to125minus1Into(out: Uint32Array, a: Uint32Array): Uint32Array {
  const scratchAt = 2 * CHUNK * ELEMENT_BYTES;
  reserve(scratchAt + 3 * CHUNK * ELEMENT_BYTES);
  return unary((o, x, n) => wasm.pow2to125minus1(o, x, n, scratchAt), out, a, 3 * CHUNK * ELEMENT_BYTES);
}

/**
 * outputs[r] = sum_j matrix[r][j] * inputs[j], for a rows x k matrix given row-major as rows*k elements.
 * All inputs must have the same length; outputs are allocated when not given.
 */
export function matrixApply(
  matrix: Uint32Array,
  inputs: readonly Uint32Array[],
  outputs?: Uint32Array[],
): Uint32Array[] {
  const k = inputs.length;
  if (k === 0) throw new RangeError('matrixApply needs at least one input vector');
  if (count(matrix) % k !== 0) throw new RangeError(`matrix of ${count(matrix)} elements does not have ${k} columns`);
  const rows = count(matrix) / k;
  const n = count(inputs[0]);
  for (const v of inputs) if (count(v) !== n) throw new RangeError('matrixApply inputs differ in length');
  const outs = outputs ?? Array.from({ length: rows }, () => new Uint32Array(n * WORDS));
  if (outs.length !== rows) throw new RangeError(`matrixApply needs ${rows} outputs, got ${outs.length}`);
  for (const v of outs) if (count(v) !== n) throw new RangeError('matrixApply output length differs from inputs');
  if (n === 0) return outs;

  const chunk = Math.max(16, Math.min(CHUNK, Math.floor(WIDE_BUDGET / ((k + rows) * ELEMENT_BYTES))));
  // Matrices of small integers (Vandermonde rows, evaluation points) and of small signed integers (Lagrange
  // coefficients in small committees) take the 4-product kernels.
  const kind = classify(matrix);
  const entries = count(matrix);
  const scratchBytes = ELEMENT_BYTES;
  const matrixBytes = kind === 'small' ? entries * 4 : kind === 'signed' ? entries * 8 : matrix.length * 4;
  const inputsAt = scratchBytes + matrixBytes;
  const mem = reserve(inputsAt + (k + rows) * chunk * ELEMENT_BYTES);
  const base = scratchBytes / 4;
  if (kind === 'small') {
    for (let i = 0; i < entries; i++) mem[base + i] = matrix[i * 4];
  } else if (kind === 'signed') {
    for (let i = 0; i < entries; i++) {
      const negative = matrix[i * 4 + 3] !== 0;
      // p - x for x < 2^32 has low word (2^32 - 1 - x), so x = 0xffffffff - low word
      mem[base + 2 * i] = negative ? 0xffffffff - matrix[i * 4] : matrix[i * 4];
      mem[base + 2 * i + 1] = negative ? 1 : 0;
    }
  } else {
    mem.set(matrix, base);
  }
  const apply =
    kind === 'small'
      ? (o: number, i: number, len: number) => wasm.matrixApplySmall(o, i, k, len, scratchBytes, rows)
      : kind === 'signed'
        ? (o: number, i: number, len: number) => wasm.matrixApplySigned(o, i, k, len, scratchBytes, rows, 0)
        : (o: number, i: number, len: number) => wasm.matrixApply(o, i, k, len, scratchBytes, rows);
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    const lo = start * WORDS;
    const hi = lo + len * WORDS;
    const stride = len * WORDS;
    let at = inputsAt / 4;
    for (const v of inputs) {
      mem.set(v.subarray(lo, hi), at);
      at += stride;
    }
    const outputsAt = at * 4;
    apply(outputsAt, inputsAt, len);
    for (const v of outs) {
      v.set(mem.subarray(at, at + stride), lo);
      at += stride;
    }
  }
  return outs;
}

/**
 * 'small' when every entry is below 2^32; 'signed' when every entry x or p - x is below 2^32 (a small
 * negative number); 'general' otherwise.
 */
function classify(matrix: Uint32Array): 'small' | 'signed' | 'general' {
  let kind: 'small' | 'signed' = 'small';
  for (let o = 0; o < matrix.length; o += 4) {
    if ((matrix[o + 1] | matrix[o + 2] | matrix[o + 3]) === 0) continue;
    // p - x for 0 < x < 2^32: words 1 and 2 all ones, word 3 = 0x7fffffff, word 0 = 2^32 - 1 - x
    if (
      matrix[o + 1] === 0xffffffff &&
      matrix[o + 2] === 0xffffffff &&
      matrix[o + 3] === 0x7fffffff &&
      matrix[o] !== 0xffffffff
    ) {
      kind = 'signed';
      continue;
    }
    return 'general';
  }
  return kind;
}

/** Copies chunk [lo, hi) of each input into linear memory at `at` (words), one after another; returns the end. */
function stage(mem: Uint32Array, inputs: readonly Uint32Array[], lo: number, hi: number, at: number): number {
  for (const v of inputs) {
    mem.set(v.subarray(lo, hi), at);
    at += hi - lo;
  }
  return at;
}

function checkInputs(inputs: readonly Uint32Array[], what: string): number {
  if (inputs.length === 0) throw new RangeError(`${what} needs at least one input vector`);
  const n = count(inputs[0]);
  for (const v of inputs) if (count(v) !== n) throw new RangeError(`${what} inputs differ in length`);
  return n;
}

/** sum_i 2^i inputs[i] */
export function composePowersOfTwo(inputs: readonly Uint32Array[]): Uint32Array {
  const k = inputs.length;
  const n = checkInputs(inputs, 'composePowersOfTwo');
  const out = new Uint32Array(n * WORDS);
  const chunk = Math.max(16, Math.min(CHUNK, Math.floor(WIDE_BUDGET / ((k + 1) * ELEMENT_BYTES))));
  const mem = reserve((k + 1) * chunk * ELEMENT_BYTES);
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    const lo = start * WORDS;
    const at = stage(mem, inputs, lo, lo + len * WORDS, 0);
    wasm.composePowersOfTwo(at * 4, 0, k, len);
    out.set(mem.subarray(at, at + len * WORDS), lo);
  }
  return out;
}

/** out[e] = candidates[selectors[e]][e] */
export function selectBy(candidates: readonly Uint32Array[], selectors: Uint8Array): Uint32Array {
  const k = candidates.length;
  const n = checkInputs(candidates, 'selectBy');
  if (selectors.length !== n) throw new RangeError('selectBy needs one selector per element');
  for (let e = 0; e < n; e++) if (selectors[e] >= k) throw new RangeError(`selector ${selectors[e]} out of range`);
  const out = new Uint32Array(n * WORDS);
  const chunk = Math.max(16, Math.min(CHUNK, Math.floor(WIDE_BUDGET / ((k + 1) * ELEMENT_BYTES + 1))));
  const mem = reserve((k + 1) * chunk * ELEMENT_BYTES + chunk);
  const bytes = new Uint8Array(mem.buffer);
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    const lo = start * WORDS;
    const at = stage(mem, candidates, lo, lo + len * WORDS, 0);
    const selectorsAt = (at + len * WORDS) * 4;
    bytes.set(selectors.subarray(start, start + len), selectorsAt);
    wasm.selectBy(at * 4, 0, k, len, selectorsAt);
    out.set(mem.subarray(at, at + len * WORDS), lo);
  }
  return out;
}
