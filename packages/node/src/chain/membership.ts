/**
 * Committee membership from the ledger. The committee of secret contract `id` in `epoch` is
 * `Epochs.committeeOf(bytes32(id), epoch, n)` (n from SecretContracts); member k (1-based, the Shamir point)
 * is the k-th address drawn, and its libp2p peer id is the one it registered (`NodeRegistry.keysOf`).
 *
 * An epoch's committee never changes once the epoch exists (seed and snapshot are fixed), and a node's keys
 * never change once registered, so committees are cached per (contract, epoch).
 *
 * MPC sessions among committees are opened in ../sessions/committee-sessions.ts.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromMultihash } from '@libp2p/peer-id';
import type { MosaicContracts } from '@mosaic/contracts';
import * as Digest from 'multiformats/hashes/digest';
import { type Address, getAddress, type Hex, hexToBytes, keccak256, numberToHex, toHex } from 'viem';

export interface CommitteeMember {
  /** 1-based party index (Shamir point). */
  index: number;
  operator: Address;
  peerId: string;
  x25519PublicKey: Hex;
}

export interface Committee {
  contractId: bigint;
  epoch: bigint;
  n: number;
  t: number;
  members: CommitteeMember[];
}

export class MembershipError extends Error {
  override name = 'MembershipError';
}

const MAX_CACHED = 512;

export class ChainMembership {
  private readonly committees = new Map<string, Promise<Committee>>();

  constructor(private readonly contracts: MosaicContracts) {}

  /** The committee of secret contract `contractId` in `epoch`, with each member's registered keys. */
  committee(contractId: bigint, epoch: bigint): Promise<Committee> {
    if (contractId < 1n || epoch < 0n) return Promise.reject(new MembershipError('contract id and epoch out of range'));
    const key = `${contractId}:${epoch}`;
    let cached = this.committees.get(key);
    if (cached === undefined) {
      cached = this.load(contractId, epoch);
      // A failed read (chain unreachable, unknown epoch) must not stay cached.
      cached.catch(() => this.committees.delete(key));
      this.committees.set(key, cached);
      if (this.committees.size > MAX_CACHED) this.committees.delete(this.committees.keys().next().value as string);
    }
    return cached;
  }

  private async load(contractId: bigint, epoch: bigint): Promise<Committee> {
    const [n, t] = await this.contracts.secretContracts.read.committeeParams([contractId]);
    const operators = await this.contracts.epochs.read.committeeOf([
      numberToHex(contractId, { size: 32 }),
      epoch,
      BigInt(n),
    ]);
    const members = await Promise.all(
      operators.map(async (operator, i): Promise<CommitteeMember> => {
        const [x25519PublicKey, peerIdBytes] = await this.contracts.nodeRegistry.read.keysOf([operator]);
        return {
          index: i + 1,
          operator: getAddress(operator),
          peerId: peerIdFromBytes(peerIdBytes).toString(),
          x25519PublicKey,
        };
      }),
    );
    return { contractId, epoch, n: Number(n), t: Number(t), members };
  }
}

/** The bytes a node registers as its peer id: the peer id's multihash. */
export function peerIdToBytes(peerId: PeerId): Hex {
  return toHex(peerId.toMultihash().bytes);
}

/** Parses registered peer id bytes (chain data: checked, a bad one is an error, not a crash). */
export function peerIdFromBytes(bytes: Hex): PeerId {
  try {
    return peerIdFromMultihash(Digest.decode(hexToBytes(bytes)));
  } catch (error) {
    throw new MembershipError(`registered peer id ${bytes.slice(0, 20)}… is not a libp2p peer id: ${String(error)}`);
  }
}

/** A 32-byte session id bound to its purpose, contract and epoch (domain-separated). */
export function sessionIdFor(contractId: bigint, epoch: bigint, label: string): Uint8Array {
  return hexToBytes(keccak256(toHex(`mosaic/mpc-session/v1/${contractId}/${epoch}/${label}`)));
}
