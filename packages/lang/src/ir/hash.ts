/** The code hash: keccak256 of the canonical encoding, as 0x-prefixed hex (what SecretContracts stores). */
import { type Hex, keccak256 } from 'viem';

export type { Hex } from 'viem';

export function codeHashOf(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}
