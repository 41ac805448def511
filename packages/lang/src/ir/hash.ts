/** The code hash: keccak256 of the canonical encoding, as 0x-prefixed hex (what SecretContracts stores). */
import { keccak256 } from 'viem';

export type Hex = `0x${string}`;

export function codeHashOf(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}
