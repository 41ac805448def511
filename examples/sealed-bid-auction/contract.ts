/**
 * A sealed-bid second-price (Vickrey) auction. Bids stay secret: each bid updates the highest bid, the
 * second-highest bid and the leading bidder obliviously (the committee never learns whether a bid led).
 * close() reveals the winner and the price they pay (the second-highest bid), records them in the receipt
 * and passes them to a settlement contract on Ethereum.
 */
import { contract, ethereum, fn, reveal, secret, select, state } from '@mosaic/lang';

/** The settlement contract on Ethereum (an example address: deploy scripts substitute their own). */
export const SETTLEMENT = '0x00000000000000000000000000000000000a0c71';
const settle = ethereum(SETTLEMENT, 'settle(int32 winner, int64 price)');

const s = state({
  highest: secret.int64,
  second: secret.int64,
  /** Bidder id of the highest bid; -1 while there is none. */
  winner: secret.int32.init(-1n),
});

export default contract('SealedBidAuction', {
  state: s,
  functions: {
    bid: fn({ bidder: secret.int32, amount: secret.int64 }, ({ bidder, amount }) => {
      // both comparisons are independent: they run in one batched round trip
      const leads = amount.gt(s.highest);
      const beatsSecond = amount.gt(s.second);
      s.second = select(leads, s.highest, select(beatsSecond, amount, s.second));
      s.highest = select(leads, amount, s.highest);
      s.winner = select(leads, bidder, s.winner);
      return undefined;
    }),
    close: fn({}, () => {
      const winner = reveal(s.winner);
      const price = reveal(s.second);
      return { winner, price, settlement: settle(winner, price) };
    }),
  },
});
