// Sealed envelopes: ECIES with X25519, HKDF-SHA256 and XChaCha20-Poly1305, one fresh ephemeral key per envelope.
//
//   envelope = version (1 byte, 0x01) || ephemeralPublicKey (32) || nonce (24) || ciphertext || tag (16)
//   shared   = X25519(ephemeralSecret, recipientPublicKey)         (all-zero output rejected)
//   key      = HKDF-SHA256(ikm = shared, salt = ephemeralPublicKey || recipientPublicKey,
//                          info = "mosaic/envelope/v1/key", 32 bytes)
//   aad      = encodeEnvelopeContext(context)
//
// Both public keys go into the key derivation (as in HPKE), so an envelope cannot be re-targeted. The nonce is
// random even though each key is used once: it costs 24 bytes and removes any reliance on key freshness.
//
// X25519 and the AEAD sit behind interfaces because stored data moves about n times its size through them:
// @noble (pure JS) works everywhere; the node plugs in node:crypto (several times faster). An envelope sealed
// by one opens with the other.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { concatBytes } from '../bytes.js';
import { EnvelopeOpenError, FormatError } from '../errors.js';
import { assertPublicKey, assertSecretKey } from '../keys/keys.js';
import { nobleX25519, type X25519Provider } from '../keys/provider.js';
import { type EnvelopeContext, encodeEnvelopeContext } from './context.js';

export const ENVELOPE_VERSION = 1;
const HEADER_LENGTH = 1 + 32 + 24;
const TAG_LENGTH = 16;
/** The bytes an envelope adds to its plaintext. */
export const ENVELOPE_OVERHEAD = HEADER_LENGTH + TAG_LENGTH;
/** Largest plaintext accepted (16 MiB): bounds memory for envelopes from untrusted peers. */
export const MAX_ENVELOPE_PLAINTEXT = 16 * 1024 * 1024;
const KEY_INFO = new TextEncoder().encode('mosaic/envelope/v1/key');

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

/** The primitives an envelope is sealed and opened with. */
export interface EnvelopeCrypto {
  x25519: X25519Provider;
  aead: XChaChaAead;
}

export const defaultEnvelopeCrypto: EnvelopeCrypto = { x25519: nobleX25519, aead: nobleAead };

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

/** Seals `plaintext` to `recipientPublicKey` under `context`. */
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

/**
 * Opens an envelope with the recipient's key pair under `context`. Throws FormatError for malformed bytes and
 * EnvelopeOpenError when authentication fails (tampering, another recipient, or another context: the AEAD cannot
 * tell these apart, by design).
 */
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

/** sealEnvelope with a given X25519 provider and @noble's AEAD. */
export function seal(
  plaintext: Uint8Array,
  recipientPublicKey: Uint8Array,
  context: EnvelopeContext,
  provider: X25519Provider = nobleX25519,
): Promise<Uint8Array> {
  return sealEnvelope(plaintext, recipientPublicKey, context, { x25519: provider, aead: nobleAead });
}

/** openEnvelope with a given X25519 provider and @noble's AEAD. */
export function open(
  envelope: Uint8Array,
  recipientSecretKey: Uint8Array,
  context: EnvelopeContext,
  provider: X25519Provider = nobleX25519,
  recipientPublicKey?: Uint8Array,
): Promise<Uint8Array> {
  return openEnvelope(envelope, recipientSecretKey, context, { x25519: provider, aead: nobleAead }, recipientPublicKey);
}
