/**
 * Private voting among a fixed list of candidates. Each vote is a secret candidate index; the tally is
 * secret state, updated with a one-hot vector (a vote outside the list counts for nobody). close() reveals
 * the tally and the number of valid votes.
 */
import { constants, contract, fn, reveal, secret, state } from '@mosaic/lang';

export const CANDIDATES = 4;

const s = state({ tally: secret.array(secret.int32, CANDIDATES) });

export default contract('PrivateVoting', {
  state: s,
  functions: {
    vote: fn({ choice: secret.int8 }, ({ choice }) => {
      // one vector equality: choice == [0, 1, 2, 3], all elements in one batch
      const indices = constants(Array.from({ length: CANDIDATES }, (_, i) => BigInt(i)));
      const oneHot = choice.eq(indices);
      s.tally = s.tally.add(oneHot.toInt());
      return undefined;
    }),
    close: fn({}, () => {
      const tally = reveal(s.tally);
      return { tally, votes: tally.sum() };
    }),
  },
});
