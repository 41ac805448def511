// Committee verification (docs/architecture.md, "Call a secret contract, end to end", step 1): before sealing anything, the caller reads the
// contract's committee for the epoch from chain and checks that every member is registered, logged in and staked
// at least the minimum, and takes each member's X25519 key and libp2p peer id from the registry. This is Mosaic's
// answer to Enigma's SGX attestation check: the trust is in stake on chain, not in hardware.
import { epochsAbi, type MosaicAddresses, nodeRegistryAbi, secretContractsAbi } from '@mosaic/contracts';
import { hexToBytes } from '@mosaic/protocol';
import { type Address, getAddress, type Hex, type PublicClient, toHex } from 'viem';
import { CommitteeVerificationError, MosaicClientError } from '../errors.js';

export interface VerifiedMember {
  /** 1-based member index (Shamir point), in selection order. */
  index: number;
  operator: Address;
  x25519PublicKey: Uint8Array;
  /** libp2p peer id bytes, hex. */
  peerId: Hex;
  stake: bigint;
}

export interface VerifiedCommittee {
  contractId: bigint;
  epoch: bigint;
  n: number;
  t: number;
  codeHash: Hex;
  owner: Address;
  /** The block all reads were made at. */
  blockNumber: bigint;
  members: VerifiedMember[];
}

export type CommitteeAddresses = Pick<MosaicAddresses, 'epochs' | 'nodeRegistry' | 'secretContracts'>;

/**
 * Reads and checks the committee of `contractId` in `epoch` (default: the current epoch). All reads are made at
 * one block so the answer is a consistent snapshot. Throws CommitteeVerificationError naming the first failing
 * member (index and operator), or MosaicClientError when the contract is unknown or not active in that epoch.
 */
export async function verifyCommittee(
  publicClient: PublicClient,
  addresses: CommitteeAddresses,
  contractId: bigint,
  epoch?: bigint,
): Promise<VerifiedCommittee> {
  if (typeof contractId !== 'bigint' || contractId < 1n || contractId >= 1n << 192n) {
    throw new MosaicClientError('contractId must be a positive bigint below 2^192');
  }
  const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
  const at = { blockNumber } as const;
  let record: { owner: Address; n: number; t: number; activeFromEpoch: number; codeHash: Hex };
  try {
    record = await publicClient.readContract({
      address: addresses.secretContracts,
      abi: secretContractsAbi,
      functionName: 'contractOf',
      args: [contractId],
      ...at,
    });
  } catch (cause) {
    throw new MosaicClientError(`secret contract ${contractId} is not deployed on this chain`, { cause });
  }
  const [currentEpoch, minimumStake] = await Promise.all([
    publicClient.readContract({ address: addresses.epochs, abi: epochsAbi, functionName: 'currentEpoch', ...at }),
    publicClient.readContract({
      address: addresses.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'MIN_STAKE',
      ...at,
    }),
  ]);
  const targetEpoch = epoch ?? currentEpoch;
  if (targetEpoch > currentEpoch)
    throw new MosaicClientError(`epoch ${targetEpoch} has not begun (current ${currentEpoch})`);
  if (targetEpoch < BigInt(record.activeFromEpoch)) {
    throw new MosaicClientError(
      `secret contract ${contractId} is active from epoch ${record.activeFromEpoch}, not in epoch ${targetEpoch}`,
    );
  }
  const operators = await publicClient.readContract({
    address: addresses.epochs,
    abi: epochsAbi,
    functionName: 'committeeOf',
    args: [toHex(contractId, { size: 32 }), targetEpoch, BigInt(record.n)],
    ...at,
  });
  if (operators.length !== record.n) {
    throw new MosaicClientError(
      `committee of contract ${contractId} has ${operators.length} members, expected ${record.n}`,
    );
  }
  const seen = new Set<string>();
  const settled = await Promise.allSettled(
    operators.map(async (rawOperator, i): Promise<VerifiedMember> => {
      const index = i + 1;
      const operator = getAddress(rawOperator);
      const fail = (reason: string): never => {
        throw new CommitteeVerificationError(`committee member ${index} (${operator}) ${reason}`, index, operator);
      };
      if (seen.has(operator)) fail('appears twice in the committee');
      seen.add(operator);
      // nodeOf returns the same X25519 key and peer id as keysOf, plus status and stake, in one call.
      const node = await publicClient.readContract({
        address: addresses.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'nodeOf',
        args: [operator],
        ...at,
      });
      if (!node.registered) fail('is not registered in the NodeRegistry');
      if (!node.loggedIn) fail('is not logged in');
      if (node.stake < minimumStake) fail(`has stake ${node.stake}, below the minimum ${minimumStake}`);
      const x25519PublicKey = hexToBytes(node.x25519PublicKey, 'x25519PublicKey', 32);
      if (x25519PublicKey.every((b) => b === 0)) fail('has no X25519 key');
      if (node.peerId === '0x') fail('has no peer id');
      return { index, operator, x25519PublicKey, peerId: node.peerId, stake: node.stake };
    }),
  );
  // Report the lowest-numbered failing member, whatever order the reads finished in.
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const members = settled.map((s) => (s as PromiseFulfilledResult<VerifiedMember>).value);
  return {
    contractId,
    epoch: targetEpoch,
    n: record.n,
    t: record.t,
    codeHash: record.codeHash,
    owner: getAddress(record.owner),
    blockNumber,
    members,
  };
}
