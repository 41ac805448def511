/**
 * Resharing: an old committee (n, t) hands its shared values to a new committee (n', t') without opening
 * them, as an epoch change needs. Each of the first t + 1 old members shares its own share with a fresh
 * polynomial of degree t' among the new members; each new member combines what it received with the Lagrange
 * coefficients of those t + 1 points at 0. The new shares lie on a random degree-t' polynomial with the same
 * secret, and no coalition of at most t old or t' new members learns anything. The two committees may
 * overlap: a member of both plays both parts.
 *
 * The session's transport spans the union of both committees; `from` and `to` list transport ids in the
 * order of their sharing points (the member at from[i] holds the share at point i + 1).
 */
import { add, type FieldVector, scale, zeros } from '../field/vector.js';
import { MpcError } from '../runtime/errors.js';
import type { Party } from '../runtime/party.js';
import { lagrangeCoefficients } from '../sharing/lagrange.js';
import { checkThreshold, share } from '../sharing/shamir.js';

export interface ReshareRoles {
  from: readonly number[];
  tFrom: number;
  to: readonly number[];
  tTo: number;
  /**
   * Which t + 1 old members send (a subset of `from`, e.g. those that still hold their share); every party
   * must pass the same list. Default: the first t + 1 of `from`.
   */
  senders?: readonly number[];
}

/**
 * Runs this party's part of a resharing of `count` values. Old members pass their shares; the result is the
 * new share vector for a new member and undefined for a party that is only an old member.
 */
export async function reshare(
  party: Party,
  roles: ReshareRoles,
  count: number,
  shares?: FieldVector,
): Promise<FieldVector | undefined> {
  const { from, to, tFrom, tTo } = roles;
  checkThreshold(from.length, tFrom);
  checkThreshold(to.length, tTo);
  for (const id of [...from, ...to]) {
    if (!Number.isInteger(id) || id < 1 || id > party.n)
      throw new MpcError(`reshare: ${id} is not a party of the session`);
  }
  const senders = roles.senders ?? from.slice(0, tFrom + 1);
  if (
    senders.length !== tFrom + 1 ||
    new Set(senders).size !== senders.length ||
    senders.some((id) => !from.includes(id))
  ) {
    throw new MpcError(`reshare: senders must be ${tFrom + 1} distinct old members`);
  }
  const oldIndex = senders.indexOf(party.id);
  const newIndex = to.indexOf(party.id);
  if (oldIndex >= 0 && (!shares || shares.length !== count * 4)) {
    throw new MpcError(`reshare: party ${party.id} is a sender and needs its ${count} shares`);
  }

  const outgoing = new Map<number, FieldVector>();
  let kept: FieldVector | undefined;
  if (oldIndex >= 0 && shares) {
    const subShares = share(shares, to.length, tTo);
    to.forEach((id, b) => {
      if (id === party.id) kept = subShares[b];
      else outgoing.set(id, subShares[b]);
    });
  }
  const incoming = new Map<number, number>();
  if (newIndex >= 0) for (const id of senders) if (id !== party.id) incoming.set(id, count);
  const received = await party.exchange('reshare', outgoing, incoming);
  if (newIndex < 0) return undefined;

  const lambdas = lagrangeCoefficients(
    senders.map((id) => from.indexOf(id) + 1),
    0,
  );
  let result = zeros(count);
  senders.forEach((id, i) => {
    const part = id === party.id ? kept! : received.get(id)!;
    result = add(result, scale(part, lambdas[i]));
  });
  return result;
}
