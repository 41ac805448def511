/**
 * The node's three keys, generated from the OS CSPRNG on first start and kept in `<dataDir>/keys.json`
 * (mode 0600, written atomically):
 *   - operator: secp256k1, the Ethereum account that registers, stakes and signs receipts;
 *   - libp2p: Ed25519, the peer identity;
 *   - x25519: the key clients seal shares to.
 * The file holds the 32-byte secrets either in clear or sealed with a passphrase (see encryption.ts).
 * Nothing here logs or prints a secret; `NodeKeys` has a toJSON that shows public parts only.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { x25519 } from '@noble/curves/ed25519.js';
import { type Hex, isHex } from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { z } from 'zod';
import { DEFAULT_SCRYPT, fromHex, open, type ScryptCost, seal, sealedSchema, toHex } from './encryption.js';
import { writePrivateFile } from './private-file.js';

export const KEY_FILE = 'keys.json';

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

const secret = z.string().regex(/^0x[0-9a-f]{64}$/, '32 bytes of 0x-hex');
const secretsSchema = z.strictObject({ operator: secret, libp2p: secret, x25519: secret });
type Secrets = z.infer<typeof secretsSchema>;

const fileSchema = z.discriminatedUnion('encrypted', [
  z.strictObject({ version: z.literal(1), encrypted: z.literal(false), keys: secretsSchema }),
  z.strictObject({ version: z.literal(1), encrypted: z.literal(true), sealed: sealedSchema }),
]);

export interface NodeKeys {
  /** The Ethereum operator account (signs transactions). */
  readonly operator: PrivateKeyAccount;
  readonly libp2p: Ed25519PrivateKey;
  readonly peerId: PeerId;
  /** X25519 public key (32 bytes, 0x-hex), registered on chain. */
  readonly x25519PublicKey: Hex;
  /** X25519 secret key, to open envelopes sealed to this node. */
  readonly x25519SecretKey: Uint8Array;
  /** Public parts only. */
  toJSON(): { operator: string; peerId: string; x25519PublicKey: string };
}

export interface KeystoreOptions {
  /** Encrypts a new key file / decrypts an existing one. */
  passphrase?: string;
  /** Tighten a key file readable by group or others to 0600 instead of refusing it. */
  fixPermissions?: boolean;
  /** scrypt cost for a new encrypted file (tests use a low cost). */
  scrypt?: ScryptCost;
}

export interface LoadedKeys {
  keys: NodeKeys;
  /** True when this call generated the keys. */
  created: boolean;
  file: string;
}

/** Loads the keys from `dataDir`, generating and storing them first when there is no key file. */
export async function loadOrCreateKeys(dataDir: string, options: KeystoreOptions = {}): Promise<LoadedKeys> {
  const file = join(dataDir, KEY_FILE);
  if (await exists(file)) return { keys: await loadKeys(dataDir, options), created: false, file };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secrets = generateSecrets();
  await writeKeyFile(file, secrets, options);
  return { keys: await toNodeKeys(secrets), created: true, file };
}

/** Creates a key file; fails when one exists (keys are never overwritten). */
export async function createKeys(dataDir: string, options: KeystoreOptions = {}): Promise<LoadedKeys> {
  const file = join(dataDir, KEY_FILE);
  if (await exists(file)) throw new KeyFileError(`${file} already exists; keys are never overwritten`);
  return loadOrCreateKeys(dataDir, options);
}

export async function loadKeys(dataDir: string, options: KeystoreOptions = {}): Promise<NodeKeys> {
  const file = join(dataDir, KEY_FILE);
  await checkMode(file, options.fixPermissions === true);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new KeyFileError(`cannot read key file ${file}: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(parsed);
  if (!result.success) {
    const where = result.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new KeyFileError(`key file ${file} is malformed (at ${where})`);
  }
  const content = result.data;
  if (!content.encrypted) {
    if (options.passphrase !== undefined) {
      throw new KeyFileError(`key file ${file} is not encrypted, but a passphrase was given`);
    }
    return toNodeKeys(content.keys);
  }
  if (options.passphrase === undefined) {
    throw new KeyFileError(
      `key file ${file} is encrypted: a passphrase is required (MOSAIC_PASSPHRASE or keys.passphraseFile)`,
    );
  }
  const plaintext = await open(content.sealed, options.passphrase);
  const secrets = secretsSchema.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
  plaintext.fill(0);
  if (!secrets.success) throw new KeyFileError(`key file ${file}: decrypted content is malformed`);
  return toNodeKeys(secrets.data);
}

function generateSecrets(): Secrets {
  // viem's generatePrivateKey draws from crypto.getRandomValues and yields a valid secp256k1 scalar.
  return {
    operator: generatePrivateKey().toLowerCase(),
    libp2p: `0x${randomBytes(32).toString('hex')}`,
    x25519: `0x${randomBytes(32).toString('hex')}`,
  };
}

async function toNodeKeys(secrets: Secrets): Promise<NodeKeys> {
  if (!isHex(secrets.operator)) throw new KeyFileError('operator key is not hex');
  const operator = privateKeyToAccount(secrets.operator as Hex);
  const libp2p = (await generateKeyPairFromSeed('Ed25519', fromHex(secrets.libp2p.slice(2)))) as Ed25519PrivateKey;
  const x25519SecretKey = fromHex(secrets.x25519.slice(2));
  const x25519PublicKey = `0x${toHex(x25519.getPublicKey(x25519SecretKey))}` as Hex;
  const peerId = peerIdFromPrivateKey(libp2p);
  const publicView = { operator: operator.address, peerId: peerId.toString(), x25519PublicKey };
  return {
    operator,
    libp2p,
    peerId,
    x25519PublicKey,
    x25519SecretKey,
    toJSON: () => publicView,
    // util.inspect (console.log, pino's fallbacks) shows public parts only, too.
    [Symbol.for('nodejs.util.inspect.custom')]: () => publicView,
  } as NodeKeys;
}

async function writeKeyFile(file: string, secrets: Secrets, options: KeystoreOptions): Promise<void> {
  const content =
    options.passphrase === undefined
      ? { version: 1, encrypted: false, keys: secrets }
      : {
          version: 1,
          encrypted: true,
          sealed: await seal(
            new TextEncoder().encode(JSON.stringify(secrets)),
            options.passphrase,
            options.scrypt ?? DEFAULT_SCRYPT,
          ),
        };
  await writePrivateFile(file, `${JSON.stringify(content, null, 2)}\n`);
}

async function checkMode(file: string, fix: boolean): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    throw new KeyFileError(`cannot read key file ${file}: ${(error as Error).message}`);
  }
  if (process.platform === 'win32' || (mode & 0o077) === 0) return;
  if (!fix) {
    throw new KeyFileError(
      `key file ${file} has mode 0${mode.toString(8)}: it must be 0600 (run chmod 600, or set keys.fixPermissions)`,
    );
  }
  await chmod(file, 0o600);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
