// AssemblyScript kernels for F_p, p = 2^127 - 1, compiled to WebAssembly at build time.
//
// An element is 16 bytes: four little-endian u32 limbs (equivalently two u64 words), always canonical (< p).
// Every kernel walks vectors laid out contiguously in linear memory; the JS side copies chunks in and out.
// Reduction uses 2^127 = 1 (mod p), hence 2^128 = 2: the high half of a product folds onto the low half.

const HI_MASK: u64 = 0x7fffffffffffffff;
const ALL: u64 = 0xffffffffffffffff;

@inline function canonLo(lo: u64, hi: u64): u64 {
  return hi == HI_MASK && lo == ALL ? 0 : lo;
}
@inline function canonHi(lo: u64, hi: u64): u64 {
  return hi == HI_MASK && lo == ALL ? 0 : hi;
}

/** out = a + b */
export function add(out: usize, a: usize, b: usize, n: i32): void {
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    const alo = load<u64>(a + o), ahi = load<u64>(a + o, 8);
    const blo = load<u64>(b + o), bhi = load<u64>(b + o, 8);
    let lo = alo + blo;
    let hi = ahi + bhi + u64(lo < alo);
    // fold bit 127
    const top = hi >> 63;
    hi &= HI_MASK;
    const lo2 = lo + top;
    hi += u64(lo2 < lo);
    lo = lo2;
    store<u64>(out + o, canonLo(lo, hi));
    store<u64>(out + o, canonHi(lo, hi), 8);
  }
}

/** out = a - b, computed as a + (p - b); for b <= p, p - b is b's complement within 127 bits. */
export function sub(out: usize, a: usize, b: usize, n: i32): void {
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    const alo = load<u64>(a + o), ahi = load<u64>(a + o, 8);
    const blo = ~load<u64>(b + o), bhi = load<u64>(b + o, 8) ^ HI_MASK;
    let lo = alo + blo;
    let hi = ahi + bhi + u64(lo < alo);
    const top = hi >> 63;
    hi &= HI_MASK;
    const lo2 = lo + top;
    hi += u64(lo2 < lo);
    lo = lo2;
    store<u64>(out + o, canonLo(lo, hi));
    store<u64>(out + o, canonHi(lo, hi), 8);
  }
}

/** out = -a */
export function neg(out: usize, a: usize, n: i32): void {
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    const lo = ~load<u64>(a + o), hi = load<u64>(a + o, 8) ^ HI_MASK;
    store<u64>(out + o, canonLo(lo, hi));
    store<u64>(out + o, canonHi(lo, hi), 8);
  }
}

// Product columns: the 256-bit product of two elements accumulates into eight u64 columns at 32-bit
// positions, each 32x32 partial product split into its low half (column k) and high half (column k+1).
// Columns stay far below 2^64 even after many accumulated products, so reduction can be lazy.
let c0: u64 = 0, c1: u64 = 0, c2: u64 = 0, c3: u64 = 0, c4: u64 = 0, c5: u64 = 0, c6: u64 = 0, c7: u64 = 0;

@inline function clear(): void {
  c0 = 0; c1 = 0; c2 = 0; c3 = 0; c4 = 0; c5 = 0; c6 = 0; c7 = 0;
}

@inline function accumulate(a0: u64, a1: u64, a2: u64, a3: u64, b0: u64, b1: u64, b2: u64, b3: u64): void {
  let p: u64;
  p = a0 * b0; c0 += p & 0xffffffff; c1 += p >> 32;
  p = a0 * b1; c1 += p & 0xffffffff; c2 += p >> 32;
  p = a1 * b0; c1 += p & 0xffffffff; c2 += p >> 32;
  p = a0 * b2; c2 += p & 0xffffffff; c3 += p >> 32;
  p = a1 * b1; c2 += p & 0xffffffff; c3 += p >> 32;
  p = a2 * b0; c2 += p & 0xffffffff; c3 += p >> 32;
  p = a0 * b3; c3 += p & 0xffffffff; c4 += p >> 32;
  p = a1 * b2; c3 += p & 0xffffffff; c4 += p >> 32;
  p = a2 * b1; c3 += p & 0xffffffff; c4 += p >> 32;
  p = a3 * b0; c3 += p & 0xffffffff; c4 += p >> 32;
  p = a1 * b3; c4 += p & 0xffffffff; c5 += p >> 32;
  p = a2 * b2; c4 += p & 0xffffffff; c5 += p >> 32;
  p = a3 * b1; c4 += p & 0xffffffff; c5 += p >> 32;
  p = a2 * b3; c5 += p & 0xffffffff; c6 += p >> 32;
  p = a3 * b2; c5 += p & 0xffffffff; c6 += p >> 32;
  p = a3 * b3; c6 += p & 0xffffffff; c7 += p >> 32;
}

@inline function accumulateSquare(a0: u64, a1: u64, a2: u64, a3: u64): void {
  let p: u64;
  p = a0 * a0; c0 += p & 0xffffffff; c1 += p >> 32;
  // cross terms appear twice: their halves are doubled, never the 64-bit product itself (it would overflow)
  p = a0 * a1; c1 += (p & 0xffffffff) << 1; c2 += (p >> 32) << 1;
  p = a0 * a2; c2 += (p & 0xffffffff) << 1; c3 += (p >> 32) << 1;
  p = a1 * a1; c2 += p & 0xffffffff; c3 += p >> 32;
  p = a0 * a3; c3 += (p & 0xffffffff) << 1; c4 += (p >> 32) << 1;
  p = a1 * a2; c3 += (p & 0xffffffff) << 1; c4 += (p >> 32) << 1;
  p = a1 * a3; c4 += (p & 0xffffffff) << 1; c5 += (p >> 32) << 1;
  p = a2 * a2; c4 += p & 0xffffffff; c5 += p >> 32;
  p = a2 * a3; c5 += (p & 0xffffffff) << 1; c6 += (p >> 32) << 1;
  p = a3 * a3; c6 += p & 0xffffffff; c7 += p >> 32;
}

/** Reduces the global columns mod p and stores the canonical result at out. */
@inline function reduceStore(out: usize): void {
  reduceColumns(out, c0, c1, c2, c3, c4, c5, c6, c7);
}

/** Reduces eight product columns mod p and stores the canonical result at out (inlined: columns stay in locals). */
@inline function reduceColumns(out: usize, d0: u64, d1: u64, d2: u64, d3: u64, d4: u64, d5: u64, d6: u64, d7: u64): void {
  let r0 = d0 + (d4 << 1);
  let r1 = d1 + (d5 << 1);
  let r2 = d2 + (d6 << 1);
  let r3 = d3 + (d7 << 1);
  r1 += r0 >> 32; r0 &= 0xffffffff;
  r2 += r1 >> 32; r1 &= 0xffffffff;
  r3 += r2 >> 32; r2 &= 0xffffffff;
  // everything at or above bit 127 wraps to bit 0; twice is enough (see the note in the module doc)
  let h = r3 >> 31; r3 &= 0x7fffffff;
  r0 += h;
  r1 += r0 >> 32; r0 &= 0xffffffff;
  r2 += r1 >> 32; r1 &= 0xffffffff;
  r3 += r2 >> 32; r2 &= 0xffffffff;
  h = r3 >> 31; r3 &= 0x7fffffff;
  r0 += h;
  r1 += r0 >> 32; r0 &= 0xffffffff;
  r2 += r1 >> 32; r1 &= 0xffffffff;
  r3 += r2 >> 32; r2 &= 0xffffffff;
  const lo = r0 | (r1 << 32);
  const hi = r2 | (r3 << 32);
  store<u64>(out, canonLo(lo, hi));
  store<u64>(out, canonHi(lo, hi), 8);
}

/** out = a * b, elementwise (columns in locals: the hottest kernel keeps them in registers) */
export function mul(out: usize, a: usize, b: usize, n: i32): void {
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    const a0 = <u64>load<u32>(a + o), a1 = <u64>load<u32>(a + o, 4), a2 = <u64>load<u32>(a + o, 8), a3 = <u64>load<u32>(a + o, 12);
    const b0 = <u64>load<u32>(b + o), b1 = <u64>load<u32>(b + o, 4), b2 = <u64>load<u32>(b + o, 8), b3 = <u64>load<u32>(b + o, 12);
    let p: u64;
    let d0: u64 = 0, d1: u64 = 0, d2: u64 = 0, d3: u64 = 0, d4: u64 = 0, d5: u64 = 0, d6: u64 = 0, d7: u64 = 0;
    p = a0 * b0; d0 += p & 0xffffffff; d1 += p >> 32;
    p = a0 * b1; d1 += p & 0xffffffff; d2 += p >> 32;
    p = a1 * b0; d1 += p & 0xffffffff; d2 += p >> 32;
    p = a0 * b2; d2 += p & 0xffffffff; d3 += p >> 32;
    p = a1 * b1; d2 += p & 0xffffffff; d3 += p >> 32;
    p = a2 * b0; d2 += p & 0xffffffff; d3 += p >> 32;
    p = a0 * b3; d3 += p & 0xffffffff; d4 += p >> 32;
    p = a1 * b2; d3 += p & 0xffffffff; d4 += p >> 32;
    p = a2 * b1; d3 += p & 0xffffffff; d4 += p >> 32;
    p = a3 * b0; d3 += p & 0xffffffff; d4 += p >> 32;
    p = a1 * b3; d4 += p & 0xffffffff; d5 += p >> 32;
    p = a2 * b2; d4 += p & 0xffffffff; d5 += p >> 32;
    p = a3 * b1; d4 += p & 0xffffffff; d5 += p >> 32;
    p = a2 * b3; d5 += p & 0xffffffff; d6 += p >> 32;
    p = a3 * b2; d5 += p & 0xffffffff; d6 += p >> 32;
    p = a3 * b3; d6 += p & 0xffffffff; d7 += p >> 32;
    reduceColumns(out + o, d0, d1, d2, d3, d4, d5, d6, d7);
  }
}

/** out = a * c for one constant element c */
export function mulScalar(out: usize, a: usize, c: usize, n: i32): void {
  const b0 = <u64>load<u32>(c), b1 = <u64>load<u32>(c, 4), b2 = <u64>load<u32>(c, 8), b3 = <u64>load<u32>(c, 12);
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    clear();
    accumulate(
      <u64>load<u32>(a + o), <u64>load<u32>(a + o, 4), <u64>load<u32>(a + o, 8), <u64>load<u32>(a + o, 12),
      b0, b1, b2, b3,
    );
    reduceStore(out + o);
  }
}

/** out = a^(2^k): k successive squarings */
export function squareTimes(out: usize, a: usize, n: i32, k: i32): void {
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    let x0 = <u64>load<u32>(a + o), x1 = <u64>load<u32>(a + o, 4);
    let x2 = <u64>load<u32>(a + o, 8), x3 = <u64>load<u32>(a + o, 12);
    for (let i = 0; i < k; i++) {
      clear();
      accumulateSquare(x0, x1, x2, x3);
      reduceStore(out + o);
      x0 = <u64>load<u32>(out + o); x1 = <u64>load<u32>(out + o, 4);
      x2 = <u64>load<u32>(out + o, 8); x3 = <u64>load<u32>(out + o, 12);
    }
    if (k == 0) {
      store<u64>(out + o, load<u64>(a + o));
      store<u64>(out + o, load<u64>(a + o, 8), 8);
    }
  }
}

/**
 * out[e] = sum_j coeffs[j] * inputs[j][e], for k input vectors of n elements stored one after another.
 * One reduction per output element however many terms: this is the kernel behind sharing, Lagrange
 * interpolation and Vandermonde extraction.
 */
export function linearCombination(out: usize, inputs: usize, k: i32, n: i32, coeffs: usize): void {
  const stride = (<usize>n) << 4;
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    let d0: u64 = 0, d1: u64 = 0, d2: u64 = 0, d3: u64 = 0, d4: u64 = 0, d5: u64 = 0, d6: u64 = 0, d7: u64 = 0;
    let src = inputs + o;
    let cf = coeffs;
    for (let j = 0; j < k; j++) {
      const a0 = <u64>load<u32>(cf), a1 = <u64>load<u32>(cf, 4), a2 = <u64>load<u32>(cf, 8), a3 = <u64>load<u32>(cf, 12);
      const b0 = <u64>load<u32>(src), b1 = <u64>load<u32>(src, 4), b2 = <u64>load<u32>(src, 8), b3 = <u64>load<u32>(src, 12);
      let p: u64;
      p = a0 * b0; d0 += p & 0xffffffff; d1 += p >> 32;
      p = a0 * b1; d1 += p & 0xffffffff; d2 += p >> 32;
      p = a1 * b0; d1 += p & 0xffffffff; d2 += p >> 32;
      p = a0 * b2; d2 += p & 0xffffffff; d3 += p >> 32;
      p = a1 * b1; d2 += p & 0xffffffff; d3 += p >> 32;
      p = a2 * b0; d2 += p & 0xffffffff; d3 += p >> 32;
      p = a0 * b3; d3 += p & 0xffffffff; d4 += p >> 32;
      p = a1 * b2; d3 += p & 0xffffffff; d4 += p >> 32;
      p = a2 * b1; d3 += p & 0xffffffff; d4 += p >> 32;
      p = a3 * b0; d3 += p & 0xffffffff; d4 += p >> 32;
      p = a1 * b3; d4 += p & 0xffffffff; d5 += p >> 32;
      p = a2 * b2; d4 += p & 0xffffffff; d5 += p >> 32;
      p = a3 * b1; d4 += p & 0xffffffff; d5 += p >> 32;
      p = a2 * b3; d5 += p & 0xffffffff; d6 += p >> 32;
      p = a3 * b2; d5 += p & 0xffffffff; d6 += p >> 32;
      p = a3 * b3; d6 += p & 0xffffffff; d7 += p >> 32;
      src += stride;
      cf += 16;
    }
    reduceColumns(out + o, d0, d1, d2, d3, d4, d5, d6, d7);
  }
}

/**
 * Applies a rows x k matrix (row-major, elements) to k input vectors of n elements, writing rows output
 * vectors one after another. Equivalent to `rows` linearCombination calls, but each input element is loaded
 * once per output element from cache-warm memory.
 */
export function matrixApply(out: usize, inputs: usize, k: i32, n: i32, matrix: usize, rows: i32): void {
  const stride = (<usize>n) << 4;
  for (let r = 0; r < rows; r++) {
    linearCombination(out + <usize>r * stride, inputs, k, n, matrix + <usize>r * (<usize>k << 4));
  }
}

/** out = a^(2^125 - 1) by an addition chain (124 squarings, 9 multiplications); scratch holds 3n elements. */
export function pow2to125minus1(out: usize, a: usize, n: i32, scratch: usize): void {
  const bytes = (<usize>n) << 4;
  const e2 = scratch, e3 = scratch + bytes, e5 = scratch + 2 * bytes;
  squareTimes(e2, a, n, 1);
  mul(e2, e2, a, n); // x^(2^2-1)
  squareTimes(e3, e2, n, 1);
  mul(e3, e3, a, n); // x^(2^3-1)
  squareTimes(e5, e3, n, 2);
  mul(e5, e5, e2, n); // x^(2^5-1)
  squareTimes(out, e5, n, 5);
  mul(out, out, e5, n); // x^(2^10-1)
  squareTimes(e2, out, n, 10);
  mul(e2, e2, out, n); // x^(2^20-1)
  squareTimes(e3, e2, n, 20);
  mul(e3, e3, e2, n); // x^(2^40-1)
  squareTimes(out, e3, n, 40);
  mul(out, out, e3, n); // x^(2^80-1)
  squareTimes(out, out, n, 40);
  mul(out, out, e3, n); // x^(2^120-1)
  squareTimes(out, out, n, 5);
  mul(out, out, e5, n); // x^(2^125-1)
}

/**
 * out[e] = sum_i 2^i inputs[i][e] for k input vectors (Horner: double and add from the top), the composition
 * of shared bits into a shared integer; far cheaper than a general linear combination.
 */
export function composePowersOfTwo(out: usize, inputs: usize, k: i32, n: i32): void {
  const stride = (<usize>n) << 4;
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    let lo: u64 = 0, hi: u64 = 0;
    for (let i = k - 1; i >= 0; i--) {
      // acc = 2 acc (a rotation of the 127-bit value, as 2^127 = 1) + input
      const top = hi >> 62;
      hi = ((hi << 1) | (lo >> 63)) & HI_MASK;
      lo = (lo << 1) | top;
      const src = inputs + <usize>i * stride + o;
      const blo = load<u64>(src), bhi = load<u64>(src, 8);
      const slo = lo + blo;
      let shi = hi + bhi + u64(slo < lo);
      const t2 = shi >> 63;
      shi &= HI_MASK;
      lo = slo + t2;
      hi = shi + u64(lo < slo);
      if (hi == HI_MASK && lo == ALL) { lo = 0; hi = 0; }
    }
    store<u64>(out + o, lo);
    store<u64>(out + o, hi, 8);
  }
}

/**
 * Per element, picks one of `k` candidate vectors by a selector byte: out[e] = candidates[sel[e]][e].
 * Lets a protocol apply a public, per-element choice of linear function to shares without multiplying.
 */
export function selectBy(out: usize, candidates: usize, k: i32, n: i32, selectors: usize): void {
  const stride = (<usize>n) << 4;
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    const s = <usize>load<u8>(selectors + e);
    const src = candidates + s * stride + o;
    store<u64>(out + o, load<u64>(src));
    store<u64>(out + o, load<u64>(src, 8), 8);
  }
}

/** linearCombination for coefficients below 2^32 (given as u32): 4 partial products per term instead of 16. */
export function linearCombinationSmall(out: usize, inputs: usize, k: i32, n: i32, coeffs: usize): void {
  const stride = (<usize>n) << 4;
  for (let e: usize = 0; e < <usize>n; e++) {
    const o = e << 4;
    let d0: u64 = 0, d1: u64 = 0, d2: u64 = 0, d3: u64 = 0, d4: u64 = 0;
    let src = inputs + o;
    let cf = coeffs;
    for (let j = 0; j < k; j++) {
      const c = <u64>load<u32>(cf);
      let p: u64;
      p = <u64>load<u32>(src) * c; d0 += p & 0xffffffff; d1 += p >> 32;
      p = <u64>load<u32>(src, 4) * c; d1 += p & 0xffffffff; d2 += p >> 32;
      p = <u64>load<u32>(src, 8) * c; d2 += p & 0xffffffff; d3 += p >> 32;
      p = <u64>load<u32>(src, 12) * c; d3 += p & 0xffffffff; d4 += p >> 32;
      src += stride;
      cf += 4;
    }
    reduceColumns(out + o, d0, d1, d2, d3, d4, 0, 0, 0);
  }
}

/** matrixApply for a matrix whose entries are all below 2^32 (given as u32, row-major). */
export function matrixApplySmall(out: usize, inputs: usize, k: i32, n: i32, matrix: usize, rows: i32): void {
  const stride = (<usize>n) << 4;
  for (let r = 0; r < rows; r++) {
    linearCombinationSmall(out + <usize>r * stride, inputs, k, n, matrix + <usize>r * (<usize>k << 2));
  }
}

@inline function subStore(out: usize, a: usize, b: usize): void {
  const alo = load<u64>(a), ahi = load<u64>(a, 8);
  const blo = ~load<u64>(b), bhi = load<u64>(b, 8) ^ HI_MASK;
  let lo = alo + blo;
  let hi = ahi + bhi + u64(lo < alo);
  const top = hi >> 63;
  hi &= HI_MASK;
  const lo2 = lo + top;
  hi += u64(lo2 < lo);
  lo = lo2;
  store<u64>(out, canonLo(lo, hi));
  store<u64>(out, canonHi(lo, hi), 8);
}

/**
 * matrixApply for a matrix of small signed integers: each entry is a u32 magnitude and a u32 sign flag.
 * Lagrange coefficients at 0 for consecutive points are binomials with alternating signs, so interpolation in
 * small committees runs with 4 partial products per term. `scratch` holds one element.
 */
export function matrixApplySigned(out: usize, inputs: usize, k: i32, n: i32, matrix: usize, rows: i32, scratch: usize): void {
  const stride = (<usize>n) << 4;
  for (let r = 0; r < rows; r++) {
    const row = matrix + <usize>r * (<usize>k << 3);
    const dst = out + <usize>r * stride;
    for (let e: usize = 0; e < <usize>n; e++) {
      const o = e << 4;
      let d0: u64 = 0, d1: u64 = 0, d2: u64 = 0, d3: u64 = 0, d4: u64 = 0;
      let m0: u64 = 0, m1: u64 = 0, m2: u64 = 0, m3: u64 = 0, m4: u64 = 0;
      let src = inputs + o;
      let cf = row;
      for (let j = 0; j < k; j++) {
        const c = <u64>load<u32>(cf);
        const x0 = <u64>load<u32>(src) * c, x1 = <u64>load<u32>(src, 4) * c;
        const x2 = <u64>load<u32>(src, 8) * c, x3 = <u64>load<u32>(src, 12) * c;
        if (load<u32>(cf, 4) == 0) {
          d0 += x0 & 0xffffffff; d1 += (x0 >> 32) + (x1 & 0xffffffff); d2 += (x1 >> 32) + (x2 & 0xffffffff);
          d3 += (x2 >> 32) + (x3 & 0xffffffff); d4 += x3 >> 32;
        } else {
          m0 += x0 & 0xffffffff; m1 += (x0 >> 32) + (x1 & 0xffffffff); m2 += (x1 >> 32) + (x2 & 0xffffffff);
          m3 += (x2 >> 32) + (x3 & 0xffffffff); m4 += x3 >> 32;
        }
        src += stride;
        cf += 8;
      }
      reduceColumns(dst + o, d0, d1, d2, d3, d4, 0, 0, 0);
      reduceColumns(scratch, m0, m1, m2, m3, m4, 0, 0, 0);
      subStore(dst + o, dst + o, scratch);
    }
  }
}
