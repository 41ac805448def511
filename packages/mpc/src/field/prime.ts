/**
 * Scalar arithmetic in F_p, p = 2^127 - 1, on bigints. This is the API edge and the place for constants
 * (Lagrange coefficients, powers): vector work goes through ./vector.ts, which runs on WebAssembly kernels.
 */

/** The Mersenne prime 2^127 - 1. p = 3 (mod 4), so square roots are a single exponentiation. */
export const P = (1n << 127n) - 1n;

/** Reduces any integer into [0, p). */
export function mod(x: bigint): bigint {
  const r = x % P;
  return r < 0n ? r + P : r;
}

export function add(a: bigint, b: bigint): bigint {
  return mod(a + b);
}

export function sub(a: bigint, b: bigint): bigint {
  return mod(a - b);
}

export function mul(a: bigint, b: bigint): bigint {
  return mod(a * b);
}

export function neg(a: bigint): bigint {
  return mod(-a);
}

export function pow(base: bigint, exponent: bigint): bigint {
  if (exponent < 0n) return pow(inv(base), -exponent);
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

export function inv(a: bigint): bigint {
  const x = mod(a);
  if (x === 0n) throw new RangeError('0 has no inverse in F_p');
  return pow(x, P - 2n);
}

/** A square root of a, or undefined when a is not a square. The root returned is a^((p+1)/4) = a^(2^125). */
export function sqrt(a: bigint): bigint | undefined {
  const x = mod(a);
  const root = pow(x, 1n << 125n);
  return (root * root) % P === x ? root : undefined;
}

/** Encodes a signed integer into F_p (negative values wrap to p - |x|). */
export function fromSigned(x: bigint): bigint {
  return mod(x);
}

/** Decodes an element as a signed integer in (-p/2, p/2]. */
export function toSigned(x: bigint): bigint {
  const r = mod(x);
  return r > P >> 1n ? r - P : r;
}
