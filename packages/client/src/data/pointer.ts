// A data pointer binds its owner (DataRegistry.pointerOf): keccak256(abi.encode(owner, SHA-256(payload))). Nobody
// else can register the pointer an owner's data will have, and a load still checks the payload against it.
import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem';

export function dataPointer(owner: Address, contentHash: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [owner, contentHash]));
}
