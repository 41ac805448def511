/**
 * Passphrase encryption of the key file: scrypt derives a 32-byte key from the passphrase and a random salt,
 * XChaCha20-Poly1305 (random 24-byte nonce) seals the plaintext. A wrong passphrase fails the Poly1305 tag,
 * which is reported as such (never as garbage keys).
 */
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { z } from 'zod';

export class WrongPassphraseError extends Error {
  override name = 'WrongPassphraseError';
  constructor() {
    super('wrong passphrase: the key file could not be decrypted');
  }
}

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes of hex`);

export const sealedSchema = z.strictObject({
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    // Bounded so that a tampered file cannot make the node allocate gigabytes.
    logN: z.number().int().min(10).max(20),
    r: z.number().int().min(1).max(16),
    p: z.number().int().min(1).max(4),
    salt: hex(16),
  }),
  cipher: z.strictObject({ name: z.literal('xchacha20-poly1305'), nonce: hex(24) }),
  ciphertext: z.string().regex(/^([0-9a-f]{2})+$/, 'hex'),
});
export type Sealed = z.infer<typeof sealedSchema>;

export interface ScryptCost {
  logN: number;
  r: number;
  p: number;
}
/** scrypt N = 2^17, r = 8, p = 1: ~128 MiB and a fraction of a second, once per start. */
export const DEFAULT_SCRYPT: ScryptCost = { logN: 17, r: 8, p: 1 };

async function deriveKey(passphrase: string, salt: Uint8Array, cost: ScryptCost): Promise<Uint8Array> {
  if (passphrase.length === 0) throw new Error('the passphrase is empty');
  return scryptAsync(new TextEncoder().encode(passphrase.normalize('NFKC')), salt, {
    N: 2 ** cost.logN,
    r: cost.r,
    p: cost.p,
    dkLen: 32,
    maxmem: 2 ** (cost.logN + 7) * cost.r + 1024 * 1024,
  });
}

export async function seal(plaintext: Uint8Array, passphrase: string, cost = DEFAULT_SCRYPT): Promise<Sealed> {
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const key = await deriveKey(passphrase, salt, cost);
  try {
    const ciphertext = xchacha20poly1305(key, nonce).encrypt(plaintext);
    return {
      kdf: { name: 'scrypt', ...cost, salt: toHex(salt) },
      cipher: { name: 'xchacha20-poly1305', nonce: toHex(nonce) },
      ciphertext: toHex(ciphertext),
    };
  } finally {
    key.fill(0);
  }
}

export async function open(sealed: Sealed, passphrase: string): Promise<Uint8Array> {
  const key = await deriveKey(passphrase, fromHex(sealed.kdf.salt), sealed.kdf);
  try {
    return xchacha20poly1305(key, fromHex(sealed.cipher.nonce)).decrypt(fromHex(sealed.ciphertext));
  } catch {
    throw new WrongPassphraseError();
  } finally {
    key.fill(0);
  }
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
