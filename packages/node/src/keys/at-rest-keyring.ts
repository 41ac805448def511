/**
 * The roots of the at-rest keys (docs/security.md, "Rotating the at-rest key"). The data shares and the contract
 * state a node keeps are sealed under HKDF(root, label) — one label per store. Until the first rotation the only
 * root is the node's X25519 secret (registered on chain, so it can never change). A rotation draws a fresh random
 * root and keeps the earlier ones as `previous` until every record is sealed under the new one: the stores open a
 * record under any root and seal under the current one, so a record is readable at every moment of a rotation.
 *
 * `<dataDir>/at-rest-keys.json` (mode 0600, written atomically) holds the roots sealed with XChaCha20-Poly1305
 * under a key derived from the X25519 secret: it is as safe as the key file (sealed with its passphrase or not).
 * The X25519 secret itself is never written here; the file names it `node-key`.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { writePrivateFile } from './private-file.js';

export const AT_REST_FILE = 'at-rest-keys.json';

/** The root new records are sealed under, then the roots earlier records may still be sealed under. */
export interface AtRestRoots {
  current: Uint8Array;
  previous: Uint8Array[];
}

export class AtRestKeyringError extends Error {
  override name = 'AtRestKeyringError';
}

const FILE_LABEL = new TextEncoder().encode('mosaic/at-rest-keyring/v1');
const NODE_KEY = 'node-key';
const root = z.union([z.literal(NODE_KEY), z.string().regex(/^[0-9a-f]{64}$/)]);
const contentSchema = z.strictObject({ current: root, previous: z.array(root).max(16) });
const fileSchema = z.strictObject({
  version: z.literal(1),
  nonce: z.string().regex(/^[0-9a-f]{48}$/),
  ciphertext: z.string().regex(/^([0-9a-f]{2})+$/),
});

/** The keys of one store (its HKDF label), current first. */
export function atRestKeys(secret: Uint8Array | AtRestRoots, label: string): Uint8Array[] {
  const roots = secret instanceof Uint8Array ? [secret] : [secret.current, ...secret.previous];
  return roots.map((r) => hkdf(sha256, r, undefined, new TextEncoder().encode(label), 32));
}

/** The node's at-rest roots: from the keyring file, or the X25519 secret alone when there is none. */
export async function loadAtRestRoots(dataDir: string, x25519SecretKey: Uint8Array): Promise<AtRestRoots> {
  const file = join(dataDir, AT_REST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { current: x25519SecretKey, previous: [] };
    throw new AtRestKeyringError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new AtRestKeyringError(`${file} is malformed`);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(fileKey(x25519SecretKey), hex(parsed.data.nonce), FILE_LABEL).decrypt(
      hex(parsed.data.ciphertext),
    );
  } catch {
    throw new AtRestKeyringError(`${file} does not open with this node's key`);
  }
  const content = contentSchema.safeParse(JSON.parse(new TextDecoder().decode(plain)));
  plain.fill(0);
  if (!content.success) throw new AtRestKeyringError(`${file}: decrypted content is malformed`);
  const decode = (r: string) => (r === NODE_KEY ? x25519SecretKey : hex(r));
  return { current: decode(content.data.current), previous: content.data.previous.map(decode) };
}

/** Writes the roots durably and atomically (a temporary file, fsynced, renamed over the old one). */
export async function writeAtRestRoots(
  dataDir: string,
  x25519SecretKey: Uint8Array,
  roots: AtRestRoots,
): Promise<void> {
  const encode = (r: Uint8Array) => (equal(r, x25519SecretKey) ? NODE_KEY : Buffer.from(r).toString('hex'));
  const plain = new TextEncoder().encode(
    JSON.stringify({ current: encode(roots.current), previous: roots.previous.map(encode) }),
  );
  const nonce = new Uint8Array(randomBytes(24));
  const ciphertext = xchacha20poly1305(fileKey(x25519SecretKey), nonce, FILE_LABEL).encrypt(plain);
  plain.fill(0);
  const content = {
    version: 1,
    nonce: Buffer.from(nonce).toString('hex'),
    ciphertext: Buffer.from(ciphertext).toString('hex'),
  };
  const file = join(dataDir, AT_REST_FILE);
  await writePrivateFile(file, `${JSON.stringify(content)}\n`, { syncDir: true });
}

/** A fresh random root. */
export function newAtRestRoot(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

function fileKey(x25519SecretKey: Uint8Array): Uint8Array {
  return hkdf(sha256, x25519SecretKey, undefined, FILE_LABEL, 32);
}

function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
