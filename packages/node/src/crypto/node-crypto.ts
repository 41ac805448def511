/**
 * XChaCha20-Poly1305 on node:crypto: HChaCha20 (from @noble, 20 rounds on one block) derives the subkey from the
 * key and the first 16 nonce bytes, then node:crypto's ChaCha20-Poly1305 (IETF, OpenSSL) runs with the nonce
 * 0x00000000 || last 8 nonce bytes: the XChaCha construction, byte-for-byte what @noble's xchacha20poly1305
 * gives, at OpenSSL's speed (the storage path moves about n times the data through it).
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
} from 'node:crypto';
import type { X25519Provider, XChaChaAead } from '@mosaic/protocol';
import { hchacha } from '@noble/ciphers/chacha.js';

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const TAG = 16;

function words(bytes: Uint8Array, count: number): Uint32Array {
  const out = new Uint32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

function subkey(key: Uint8Array, nonce: Uint8Array): { key: Buffer; nonce: Buffer } {
  if (key.length !== 32) throw new Error('XChaCha20-Poly1305 key must be 32 bytes');
  if (nonce.length !== 24) throw new Error('XChaCha20-Poly1305 nonce must be 24 bytes');
  const out = new Uint32Array(8);
  hchacha(SIGMA, words(key, 8), words(nonce, 4), out);
  const derived = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) derived.writeUInt32LE(out[i]!, 4 * i);
  out.fill(0);
  const iv = Buffer.alloc(12);
  iv.set(nonce.subarray(16, 24), 4);
  return { key: derived, nonce: iv };
}

/** ChaCha20-Poly1305 (12-byte nonce) sealing: ciphertext || tag. */
export function chachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const out = new Uint8Array(head.length + tail.length + TAG);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(cipher.getAuthTag(), head.length + tail.length);
  return out;
}

/** ChaCha20-Poly1305 opening; throws when authentication fails. */
export function chachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length < TAG) throw new Error('sealed data is shorter than its tag');
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  decipher.setAAD(aad, { plaintextLength: sealed.length - TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  const head = decipher.update(sealed.subarray(0, sealed.length - TAG));
  const tail = decipher.final();
  if (tail.length === 0) return new Uint8Array(head.buffer, head.byteOffset, head.length);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

export const nodeAead: XChaChaAead = {
  name: 'node:crypto',
  seal(key, nonce, aad, plaintext) {
    const sub = subkey(key, nonce);
    try {
      return chachaSeal(sub.key, sub.nonce, aad, plaintext);
    } finally {
      sub.key.fill(0);
    }
  },
  open(key, nonce, aad, sealed) {
    const sub = subkey(key, nonce);
    try {
      return chachaOpen(sub.key, sub.nonce, aad, sealed);
    } finally {
      sub.key.fill(0);
    }
  },
};

/** X25519 on node:crypto (OpenSSL): the same keys and shared secrets as @noble's, several times faster. */
export const nodeX25519: X25519Provider = {
  name: 'node:crypto',
  async generateKeyPair() {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const jwk = privateKey.export({ format: 'jwk' });
    return {
      secretKey: new Uint8Array(Buffer.from(jwk.d!, 'base64url')),
      publicKey: new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')),
    };
  },
  async publicKeyOf(secretKey) {
    const jwk = createPublicKey(privateKeyOf(secretKey)).export({ format: 'jwk' });
    return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
  },
  async sharedSecret(secretKey, publicKey) {
    if (publicKey.length !== 32) throw new Error('X25519 public key must be 32 bytes');
    const shared = diffieHellman({
      privateKey: privateKeyOf(secretKey),
      publicKey: createPublicKey({
        key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey).toString('base64url') },
        format: 'jwk',
      }),
    });
    if (shared.every((b) => b === 0)) throw new Error('X25519 shared secret is zero (low-order public key)');
    return new Uint8Array(shared);
  },
};

function privateKeyOf(secretKey: Uint8Array) {
  if (secretKey.length !== 32) throw new Error('X25519 secret key must be 32 bytes');
  const d = Buffer.from(secretKey).toString('base64url');
  // The public half is not needed to derive: OpenSSL computes it from d.
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' }, format: 'jwk' });
}
