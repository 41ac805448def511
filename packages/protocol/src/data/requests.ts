// Signed storage requests (EIP-712 typed data in the DataRegistry's domain: chain id and contract address) and
// the hashes they sign.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, type Hex, hexToBytes } from '../bytes.js';

export function dataDomain(chainId: bigint, dataRegistry: Hex) {
  return { name: 'Mosaic DataRegistry', version: '1', chainId, verifyingContract: dataRegistry } as const;
}

/**
 * The owner's authorisation of a batch of segments (one signature for up to MAX_STORE_BATCH segments), with the
 * data's element layout (DATA_LAYOUTS: the members check each segment's element count against it):
 * segmentHashes[i] = segmentHash(shareHashes of segment firstSegment + i), shareHashes[k-1] = SHA-256(envelope k).
 */
export const STORE_TYPES = {
  StoreShares: [
    { name: 'pointer', type: 'bytes32' },
    { name: 'n', type: 'uint8' },
    { name: 't', type: 'uint8' },
    { name: 'layout', type: 'uint8' },
    { name: 'firstSegment', type: 'uint32' },
    { name: 'segmentHashes', type: 'bytes32[]' },
    { name: 'expiresAt', type: 'uint64' },
  ],
} as const;

/** Segments one store signature covers at most. */
export const MAX_STORE_BATCH = 32;

/** SHA-256 of a segment's share hashes, concatenated (32 bytes each, member order). */
export async function segmentHashAsync(shareHashes: readonly Hex[]): Promise<Hex> {
  const bytes = new Uint8Array(32 * shareHashes.length);
  shareHashes.forEach((h, i) => {
    bytes.set(hexToBytes(h, 'share hash', 32), 32 * i);
  });
  return toHex32(await sha256Async(bytes));
}

export const LOAD_TYPES = {
  LoadData: [
    { name: 'pointer', type: 'bytes32' },
    { name: 'requester', type: 'address' },
    { name: 'responseKey', type: 'bytes32' },
    { name: 'nonce', type: 'bytes32' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'n', type: 'uint8' },
    { name: 't', type: 'uint8' },
  ],
} as const;

/** The owner's authorisation to store one segment's shares: member k's envelope hashes to shareHashes[k - 1]. */
export interface StoreRequest {
  pointer: Hex;
  n: number;
  t: number;
  segment: number;
  shareHashes: Hex[];
  expiresAt: bigint;
}

/** A requester's signed load request; the members seal their shares to `responseKey` (X25519). */
export interface LoadRequest {
  pointer: Hex;
  requester: Hex;
  responseKey: Hex;
  nonce: Hex;
  expiresAt: bigint;
  n: number;
  t: number;
}

export function shareHash(envelope: Uint8Array): Hex {
  return toHex32(sha256(envelope));
}

/** 32 bytes as 0x-hex (a pointer, a share hash). */
export function toHex32(bytes: Uint8Array): Hex {
  return bytesToHex(bytes);
}

/** SHA-256 with Web Crypto (native in browsers and Node.js) when present, else @noble. */
export async function sha256Async(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (subtle) return new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return sha256(bytes);
}

/** shareHash with Web Crypto where present. */
export async function shareHashAsync(envelope: Uint8Array): Promise<Hex> {
  return toHex32(await sha256Async(envelope));
}
