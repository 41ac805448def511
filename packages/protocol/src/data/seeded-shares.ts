// Seeded shares: members 1..t of a store get a 32-byte seed their share expands from, instead of the share.
import { type FieldVector, interpolationMatrix, vec } from '@mosaic/mpc';
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { FormatError } from '../errors.js';
import { LITTLE_ENDIAN } from './layout.js';

/** Bytes of a share seed (what members 1..t receive on store, instead of 16 bytes per element). */
export const SHARE_SEED_BYTES = 32;

/** Seals with XChaCha20-Poly1305 (ciphertext || tag): an AEAD whose ciphertext of zeros is the keystream. */
export type KeystreamAead = {
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Uint8Array;
};

/**
 * The share a seed stands for: the XChaCha20 keystream of key `seed` (nonce 0, from block 1: what
 * XChaCha20-Poly1305 encrypts a message with), 16 bytes per element read as little-endian words, the top bit
 * cleared (127 bits, uniform on [0, 2^127)); the single value p reads as 0 (probability 2^-127). Client and
 * member expand the same way; `aead` (e.g. OpenSSL's on Node.js) computes the same keystream faster, as the
 * ciphertext of zeros.
 */
export function expandShareSeed(seed: Uint8Array, elements: number, aead?: KeystreamAead): FieldVector {
  if (seed.length !== SHARE_SEED_BYTES) throw new FormatError('a share seed is 32 bytes');
  const length = 16 * elements;
  const bytes = aead
    ? aead.seal(seed, new Uint8Array(24), new Uint8Array(0), new Uint8Array(length)).subarray(0, length)
    : xchacha20(seed, new Uint8Array(24), new Uint8Array(length), undefined, 1);
  const out = LITTLE_ENDIAN ? new Uint32Array(bytes.buffer, bytes.byteOffset, 4 * elements) : shareWords(bytes);
  for (let o = 3; o < out.length; o += 4) out[o]! &= 0x7fffffff;
  let bad = vec.firstNonCanonical(out);
  while (bad >= 0) {
    out.fill(0, 4 * bad, 4 * bad + 4);
    bad = vec.firstNonCanonical(out);
  }
  return out;
}

function shareWords(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

/**
 * Shamir sharing of degree t among n where members 1..t's shares are expanded from fresh random seeds (any t
 * shares of a degree-t sharing are uniform and independent of the secret, so this is the same distribution as
 * drawing the coefficients) and members t+1..n's are interpolated from (0, secret), (1, s_1) .. (t, s_t).
 * Members 1..t are sent only their seed: the store moves (n - t) / n of the share bytes.
 */
export function shareSeeded(
  secrets: FieldVector,
  n: number,
  t: number,
  aead?: KeystreamAead,
): { seeds: Uint8Array[]; shares: FieldVector[] } {
  const count = vec.size(secrets);
  const seeds = Array.from({ length: t }, () => {
    const seed = new Uint8Array(SHARE_SEED_BYTES);
    crypto.getRandomValues(seed);
    return seed;
  });
  const known = [secrets, ...seeds.map((seed) => expandShareSeed(seed, count, aead))];
  const points = Array.from({ length: t + 1 }, (_, i) => i);
  const rest = Array.from({ length: n - t }, (_, i) => t + 1 + i);
  const derived = vec.matrixApply(interpolationMatrix(points, rest), known);
  return { seeds, shares: [...known.slice(1), ...derived] };
}
