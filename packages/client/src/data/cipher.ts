// Share envelopes for stored data: the same bytes and key schedule as ../envelope (ECIES with X25519,
// HKDF-SHA256, XChaCha20-Poly1305), with the AEAD behind an interface, because a store or load moves about
// n times the data through it: @noble (pure JS, ~60 MB/s) everywhere, or node:crypto (several hundred MB/s)
// where the runtime has it (`nodeAead` in @mosaic/node). An envelope sealed by one opens with the other.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { concatBytes } from '../bytes.js';
import { type EnvelopeContext, encodeEnvelopeContext } from '../envelope/context.js';
import { ENVELOPE_OVERHEAD, ENVELOPE_VERSION, MAX_ENVELOPE_PLAINTEXT } from '../envelope/seal.js';
import { EnvelopeOpenError, FormatError } from '../errors.js';
import { assertPublicKey, assertSecretKey } from '../keys/keys.js';
import { nobleX25519, type X25519Provider } from '../keys/provider.js';

/** XChaCha20-Poly1305 (24-byte nonce, 16-byte tag appended). `open` throws on authentication failure. */
export interface XChaChaAead {
  readonly name: string;
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array;
}

export const nobleAead: XChaChaAead = {
  name: 'noble',
  seal: (key, nonce, aad, plaintext) => xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  open: (key, nonce, aad, sealed) => xchacha20poly1305(key, nonce, aad).decrypt(sealed),
};

export interface EnvelopeCrypto {
  x25519: X25519Provider;
  aead: XChaChaAead;
}

export const defaultEnvelopeCrypto: EnvelopeCrypto = { x25519: nobleX25519, aead: nobleAead };

const HEADER_LENGTH = 1 + 32 + 24;
const KEY_INFO = new TextEncoder().encode('mosaic/envelope/v1/key');

async function deriveKey(
  provider: X25519Provider,
  secretKey: Uint8Array,
  publicKey: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  recipientPublicKey: Uint8Array,
): Promise<Uint8Array> {
  const shared = await provider.sharedSecret(secretKey, publicKey);
  try {
    return hkdf(sha256, shared, concatBytes([ephemeralPublicKey, recipientPublicKey]), KEY_INFO, 32);
  } finally {
    shared.fill(0);
  }
}

/** Seals `plaintext` to `recipientPublicKey` under `context` (the envelope format of ../envelope). */
export async function sealEnvelope(
  plaintext: Uint8Array,
  recipientPublicKey: Uint8Array,
  context: EnvelopeContext,
  crypto: EnvelopeCrypto = defaultEnvelopeCrypto,
): Promise<Uint8Array> {
  if (!(plaintext instanceof Uint8Array)) throw new FormatError('plaintext must be a Uint8Array');
  if (plaintext.length > MAX_ENVELOPE_PLAINTEXT) throw new FormatError('plaintext exceeds the envelope size limit');
  assertPublicKey(recipientPublicKey, 'recipient public key');
  const aad = encodeEnvelopeContext(context);
  const ephemeral = await crypto.x25519.generateKeyPair();
  let key: Uint8Array;
  try {
    key = await deriveKey(
      crypto.x25519,
      ephemeral.secretKey,
      recipientPublicKey,
      ephemeral.publicKey,
      recipientPublicKey,
    );
  } catch (cause) {
    throw new FormatError('recipient public key is not a usable X25519 key', { cause });
  } finally {
    ephemeral.secretKey.fill(0);
  }
  const nonce = randomBytes(24);
  const ciphertext = crypto.aead.seal(key, nonce, aad, plaintext);
  key.fill(0);
  const out = new Uint8Array(HEADER_LENGTH + ciphertext.length);
  out[0] = ENVELOPE_VERSION;
  out.set(ephemeral.publicKey, 1);
  out.set(nonce, 33);
  out.set(ciphertext, HEADER_LENGTH);
  return out;
}

/** Opens an envelope; FormatError for malformed bytes, EnvelopeOpenError when authentication fails. */
export async function openEnvelope(
  envelope: Uint8Array,
  recipientSecretKey: Uint8Array,
  context: EnvelopeContext,
  crypto: EnvelopeCrypto = defaultEnvelopeCrypto,
  recipientPublicKey?: Uint8Array,
): Promise<Uint8Array> {
  if (!(envelope instanceof Uint8Array)) throw new FormatError('envelope must be a Uint8Array');
  if (envelope.length < ENVELOPE_OVERHEAD) throw new FormatError(`envelope is ${envelope.length} bytes, too short`);
  if (envelope.length > MAX_ENVELOPE_PLAINTEXT + ENVELOPE_OVERHEAD) throw new FormatError('envelope is too long');
  if (envelope[0] !== ENVELOPE_VERSION) throw new FormatError(`unknown envelope version ${envelope[0]}`);
  assertSecretKey(recipientSecretKey, 'recipient secret key');
  const aad = encodeEnvelopeContext(context);
  const ephemeralPublicKey = envelope.subarray(1, 33);
  const nonce = envelope.subarray(33, HEADER_LENGTH);
  const ownPublicKey = recipientPublicKey ?? (await crypto.x25519.publicKeyOf(recipientSecretKey));
  let key: Uint8Array;
  try {
    key = await deriveKey(crypto.x25519, recipientSecretKey, ephemeralPublicKey, ephemeralPublicKey, ownPublicKey);
  } catch {
    throw new EnvelopeOpenError('envelope has an invalid ephemeral key');
  }
  try {
    return crypto.aead.open(key, nonce, aad, envelope.subarray(HEADER_LENGTH));
  } catch {
    throw new EnvelopeOpenError(
      `envelope (${context.purpose}, member ${context.memberIndex}) failed authentication: tampered, sealed to another key, or opened under another context`,
    );
  } finally {
    key.fill(0);
  }
}
