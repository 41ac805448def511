// The X25519 primitive behind an interface, so a faster implementation can be plugged in: Web Crypto where the
// runtime has X25519, node:crypto in the node daemon. HKDF and XChaCha20-Poly1305 always come from @noble
// (Web Crypto has no XChaCha). Every method may be asynchronous because Web Crypto is.
import { x25519 } from '@noble/curves/ed25519.js';

export const X25519_KEY_LENGTH = 32;

export interface X25519KeyPair {
  /** 32 bytes; keep it secret. */
  secretKey: Uint8Array;
  /** 32 bytes (the u-coordinate), what the chain registers. */
  publicKey: Uint8Array;
}

export interface X25519Provider {
  readonly name: string;
  /** A fresh key pair from the runtime's CSPRNG (crypto.getRandomValues or equivalent). */
  generateKeyPair(): Promise<X25519KeyPair>;
  publicKeyOf(secretKey: Uint8Array): Promise<Uint8Array>;
  /** X25519(secretKey, publicKey); must reject low-order public keys (an all-zero shared secret). */
  sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>;
}

/** Pure-JS X25519 from @noble/curves: works everywhere; randomness from crypto.getRandomValues. */
export const nobleX25519: X25519Provider = {
  name: 'noble',
  async generateKeyPair() {
    const { secretKey, publicKey } = x25519.keygen();
    return { secretKey, publicKey };
  },
  async publicKeyOf(secretKey) {
    return x25519.getPublicKey(secretKey);
  },
  async sharedSecret(secretKey, publicKey) {
    // noble rejects low-order points (all-zero output) by default.
    return x25519.getSharedSecret(secretKey, publicKey);
  },
};

const PKCS8_X25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * X25519 from the runtime's Web Crypto (globalThis.crypto.subtle), or undefined when it lacks X25519.
 * Imported secret keys are cached per key buffer, so a node opening many envelopes imports its key once.
 */
export async function webCryptoX25519(): Promise<X25519Provider | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  try {
    await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  } catch {
    return undefined;
  }
  const imported = new WeakMap<Uint8Array, CryptoKey>();
  const importSecret = async (secretKey: Uint8Array): Promise<CryptoKey> => {
    const cached = imported.get(secretKey);
    if (cached) return cached;
    const pkcs8 = new Uint8Array(PKCS8_X25519_PREFIX.length + 32);
    pkcs8.set(PKCS8_X25519_PREFIX);
    pkcs8.set(secretKey, PKCS8_X25519_PREFIX.length);
    const key = await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits']);
    imported.set(secretKey, key);
    return key;
  };
  return {
    name: 'webcrypto',
    async generateKeyPair() {
      const pair = (await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
      const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
      const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
      const secretKey = pkcs8.slice(pkcs8.length - 32);
      imported.set(secretKey, pair.privateKey);
      return { secretKey, publicKey };
    },
    async publicKeyOf(secretKey) {
      // Web Crypto cannot derive a public key from an imported private key without a JWK round trip.
      return x25519.getPublicKey(secretKey);
    },
    async sharedSecret(secretKey, publicKey) {
      const peer = await subtle.importKey('raw', Uint8Array.from(publicKey), { name: 'X25519' }, false, []);
      const bits = new Uint8Array(
        await subtle.deriveBits(
          { name: 'X25519', public: peer } as unknown as AlgorithmIdentifier,
          await importSecret(secretKey),
          256,
        ),
      );
      if (bits.every((b) => b === 0)) throw new Error('X25519: low-order public key');
      return bits;
    },
  };
}
