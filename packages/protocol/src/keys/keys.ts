// X25519 key pairs for the caller's result key and for nodes' envelope keys, and their text form.
// Keys come from a CSPRNG only (crypto.getRandomValues through the provider), never Math.random.
import { bytesToHex, type Hex, hexToBytes } from '../bytes.js';
import { FormatError } from '../errors.js';
import { nobleX25519, X25519_KEY_LENGTH, type X25519KeyPair, type X25519Provider } from './provider.js';

export async function generateKeyPair(provider: X25519Provider = nobleX25519): Promise<X25519KeyPair> {
  return provider.generateKeyPair();
}

/** Checks a public key's shape (32 bytes, not all zero); low-order points are rejected at key agreement. */
export function assertPublicKey(publicKey: unknown, what = 'X25519 public key'): asserts publicKey is Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== X25519_KEY_LENGTH) {
    throw new FormatError(`${what} must be ${X25519_KEY_LENGTH} bytes`);
  }
  if (publicKey.every((b) => b === 0)) throw new FormatError(`${what} is all zero`);
}

export function assertSecretKey(secretKey: unknown, what = 'X25519 secret key'): asserts secretKey is Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== X25519_KEY_LENGTH) {
    throw new FormatError(`${what} must be ${X25519_KEY_LENGTH} bytes`);
  }
}

/** The key pair as JSON-safe hex (what a client stores to read results later). Keep the secret half secret. */
export interface SerializedKeyPair {
  type: 'x25519';
  secretKey: Hex;
  publicKey: Hex;
}

export function serializeKeyPair(pair: X25519KeyPair): SerializedKeyPair {
  assertSecretKey(pair.secretKey);
  assertPublicKey(pair.publicKey);
  return { type: 'x25519', secretKey: bytesToHex(pair.secretKey), publicKey: bytesToHex(pair.publicKey) };
}

/** Parses a serialised pair and checks that the public key belongs to the secret key. */
export async function deserializeKeyPair(
  value: unknown,
  provider: X25519Provider = nobleX25519,
): Promise<X25519KeyPair> {
  if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'x25519') {
    throw new FormatError('key pair must be an object with type "x25519"');
  }
  const { secretKey: secretHex, publicKey: publicHex } = value as { secretKey?: unknown; publicKey?: unknown };
  const secretKey = hexToBytes(secretHex, 'secretKey', X25519_KEY_LENGTH);
  const publicKey = publicKeyFromHex(publicHex);
  const derived = await provider.publicKeyOf(secretKey);
  if (bytesToHex(derived) !== bytesToHex(publicKey)) throw new FormatError('publicKey does not match secretKey');
  return { secretKey, publicKey };
}

export function publicKeyToHex(publicKey: Uint8Array): Hex {
  assertPublicKey(publicKey);
  return bytesToHex(publicKey);
}

export function publicKeyFromHex(value: unknown, what = 'X25519 public key'): Uint8Array {
  const bytes = hexToBytes(value, what, X25519_KEY_LENGTH);
  assertPublicKey(bytes, what);
  return bytes;
}
