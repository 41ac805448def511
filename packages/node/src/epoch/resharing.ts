/**
 * Resharing a committee's shares to the next committee without opening them, the step both epoch handovers share
 * (contract state, contract-handover.ts; stored data, data-handover.ts; docs/task-execution.md "Epoch handover"
 * and docs/storage.md "Epoch handover"). One session holds the old members (in seat order) followed by the new
 * members who are not old ones. One round tells everyone which old members hold the shares; the first t + 1 of
 * them send (`reshare` with explicit senders), so a member that lost or never reached the shares does not stop
 * the handover.
 */
import { type FieldVector, MpcError, type Party, reshare, vec } from '@mosaic/mpc';

export class HandoverError extends Error {
  override name = 'HandoverError';
}

export interface HandoverRoles {
  /** Old committee size and threshold; old member k is session party k. */
  oldN: number;
  oldT: number;
  /** Session party of each new member, in seat order. */
  to: readonly number[];
  newT: number;
}

/**
 * This party's part of a handover. `held` is the state (one share vector per variable) when this party is an
 * old member holding it at the handed-over version; `sizes` are the variables' element counts. Returns the new
 * share vectors for a new member, undefined otherwise.
 */
export async function handOver(
  party: Party,
  roles: HandoverRoles,
  sizes: readonly number[],
  held: readonly FieldVector[] | undefined,
): Promise<FieldVector[] | undefined> {
  const isOld = party.id <= roles.oldN;
  const holds = isOld && held !== undefined;
  if (holds && (held.length !== sizes.length || held.some((v, i) => vec.size(v) !== sizes[i]))) {
    throw new HandoverError('the held state does not match the contract state layout');
  }
  const flag = vec.fromBigInts([holds ? 1n : 0n]);
  const others = party.others();
  const flags = await party.exchange(
    'handover-holders',
    new Map(others.map((j) => [j, flag])),
    new Map(others.map((j) => [j, 1])),
  );
  const holders: number[] = [];
  for (let k = 1; k <= roles.oldN; k++) {
    const says = k === party.id ? holds : vec.get(flags.get(k)!, 0) === 1n;
    if (says) holders.push(k);
  }
  if (holders.length < roles.oldT + 1) {
    throw new HandoverError(
      `only ${holders.length} old members hold the state; ${roles.oldT + 1} are needed to hand it over`,
    );
  }
  const senders = holders.slice(0, roles.oldT + 1);
  const count = sizes.reduce((sum, size) => sum + size, 0);
  const from = Array.from({ length: roles.oldN }, (_, i) => i + 1);
  let received: FieldVector | undefined;
  try {
    received = await reshare(
      party,
      { from, tFrom: roles.oldT, to: roles.to, tTo: roles.newT, senders },
      count,
      senders.includes(party.id) ? vec.concat(held as FieldVector[]) : undefined,
    );
  } catch (error) {
    if (error instanceof MpcError) throw new HandoverError(`resharing failed: ${error.message}`);
    throw error;
  }
  if (received === undefined) return undefined;
  const out: FieldVector[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(vec.slice(received, at, at + size));
    at += size;
  }
  return out;
}
