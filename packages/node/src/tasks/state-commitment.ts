/**
 * A member's commitment to its shares of a contract's state after a task: sent to the other members in the
 * commitments round and folded into the receipt's `stateCommitment` on chain (docs/task-execution.md).
 *
 * It must hide the shares. A plain hash of them does not: t colluding members who guess the state (a tally, a
 * bid) can take their own t shares and the guess as t + 1 points, interpolate every honest member's share,
 * hash it and compare; in a (5, 2) committee two members could read every ballot of a vote. So the hash is
 * salted, keccak256(salt || shares), with a 32-byte salt only this member can compute:
 * HMAC-SHA-256(k, contractId || taskId), k = HKDF-SHA-256(the member's X25519 secret key, "mosaic/state-salt").
 * The member can recompute the salt to open its commitment later; nobody else can.
 */

import { type FieldVector, vec } from '@mosaic/mpc';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Hex, keccak256 } from 'viem';

const SALT_INFO = new TextEncoder().encode('mosaic/state-salt');

/** The salt of this member's state commitment for one task. */
export function stateSalt(memberSecretKey: Uint8Array, contractId: bigint, taskId: bigint): Uint8Array {
  const key = hkdf(sha256, memberSecretKey, undefined, SALT_INFO, 32);
  const message = new Uint8Array(64);
  const view = new DataView(message.buffer);
  for (let i = 0; i < 4; i++) {
    view.setBigUint64(24 - 8 * i, (contractId >> BigInt(64 * i)) & 0xffff_ffff_ffff_ffffn);
    view.setBigUint64(56 - 8 * i, (taskId >> BigInt(64 * i)) & 0xffff_ffff_ffff_ffffn);
  }
  return hmac(sha256, key, message);
}

/** keccak256(salt || the shares' canonical bytes): hiding as long as the salt is secret. */
export function stateShareCommitment(salt: Uint8Array, shares: readonly FieldVector[]): Hex {
  if (salt.length !== 32) throw new RangeError('a state commitment salt is 32 bytes');
  const all = vec.concat(shares);
  const bytes = new Uint8Array(32 + all.byteLength);
  bytes.set(salt, 0);
  bytes.set(new Uint8Array(all.buffer, all.byteOffset, all.byteLength), 32);
  return keccak256(bytes);
}
