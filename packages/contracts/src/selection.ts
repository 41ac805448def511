// Committee selection, Enigma's stake walk, mirrored exactly from src/CommitteeSelection.sol:
// draw r = uint256(keccak256(abi.encode(seed, id, nonce))) % totalStake for nonce = 0, 1, ...; the node picked is
// the first whose running stake sum exceeds r (the linear walk "subtract stakes until r falls inside one");
// skip nodes already chosen; stop at `size` distinct members. Members are returned in draw order.
import { type Address, bytesToBigInt, type Hex, hexToBytes, keccak256 } from 'viem';

const UINT256_MAX = (1n << 256n) - 1n;

/** Precomputed prefix sums of one snapshot's stakes; draws are binary searches over them. */
export class StakeWalk {
  readonly total: bigint;
  private readonly cumulative: bigint[];

  constructor(stakes: readonly bigint[]) {
    if (stakes.length === 0) throw new RangeError('stake walk: no stakes');
    let total = 0n;
    this.cumulative = stakes.map((stake, i) => {
      if (typeof stake !== 'bigint' || stake <= 0n || stake > UINT256_MAX) {
        throw new RangeError(`stake walk: stake ${i} must be a positive uint256`);
      }
      total += stake;
      return total;
    });
    if (total > UINT256_MAX) throw new RangeError('stake walk: total stake overflows uint256');
    this.total = total;
  }

  get count(): number {
    return this.cumulative.length;
  }

  /** The index picked by the draw with this nonce. `input` is the 96-byte abi.encode(seed, id, nonce) buffer. */
  pick(input: Uint8Array): number {
    const r = bytesToBigInt(keccak256(input, 'bytes')) % this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.cumulative[mid]! > r) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

/** The 96-byte abi.encode(seed, id, nonce) buffer, with a setter for the nonce word. */
export class DrawInput {
  readonly bytes = new Uint8Array(96);

  constructor(seed: Hex, id: Hex) {
    this.bytes.set(bytes32(seed, 'seed'), 0);
    this.bytes.set(bytes32(id, 'id'), 32);
  }

  setNonce(nonce: number): Uint8Array {
    if (!Number.isSafeInteger(nonce) || nonce < 0) throw new RangeError('nonce must be a non-negative safe integer');
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + 64, 32);
    view.setBigUint64(24, BigInt(nonce));
    return this.bytes;
  }
}

/**
 * Indices (into `stakes`) of the committee of `size` members for `id` under `seed`, in draw order,
 * exactly as `Epochs.select` / `CommitteeSelection.select` compute them on chain.
 */
export function selectCommittee(seed: Hex, id: Hex, stakes: readonly bigint[], size: number): number[] {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('committee size must be a positive integer');
  if (size > stakes.length) throw new RangeError(`committee size ${size} exceeds the ${stakes.length} nodes`);
  const walk = new StakeWalk(stakes);
  const input = new DrawInput(seed, id);
  const chosen = new Uint8Array(stakes.length);
  const members: number[] = [];
  for (let nonce = 0; members.length < size; nonce++) {
    const index = walk.pick(input.setNonce(nonce));
    if (chosen[index]) continue;
    chosen[index] = 1;
    members.push(index);
  }
  return members;
}

/** An epoch's stake snapshot as `Epochs.snapshotOf` returns it. */
export interface StakeSnapshot {
  readonly operators: readonly Address[];
  readonly stakes: readonly bigint[];
}

/** Operator addresses of the committee, in draw order (member k holds share point k + 1). */
export function selectCommitteeMembers(seed: Hex, id: Hex, snapshot: StakeSnapshot, size: number): Address[] {
  if (snapshot.operators.length !== snapshot.stakes.length) {
    throw new RangeError('snapshot: operators and stakes differ in length');
  }
  return selectCommittee(seed, id, snapshot.stakes, size).map((i) => snapshot.operators[i]!);
}

/** The selection id of a secret contract: bytes32(contractId). */
export function contractSelectionId(contractId: bigint): Hex {
  if (contractId < 0n || contractId > UINT256_MAX) throw new RangeError('contract id must be a uint256');
  return `0x${contractId.toString(16).padStart(64, '0')}`;
}

function bytes32(value: Hex, name: string): Uint8Array {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new TypeError(`${name} must be a 32-byte hex string`);
  }
  return hexToBytes(value);
}
