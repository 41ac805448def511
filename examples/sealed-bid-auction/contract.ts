/**
 * A sealed-bid second-price (Vickrey) auction. Bids stay secret: each bid updates the highest bid, the
 * second-highest bid and the leading bidder obliviously (the committee never learns whether a bid led).
 * close() reveals the winner and the price they pay (the second-highest bid), records them in the receipt
 * and passes them to a settlement contract on Ethereum.
 */
import { contract, ethereum, fn, reveal, secret, select, state } from '@mosaic/lang';

/** An example settlement address: the default export calls it; a deployment uses sealedBidAuction(address). */
export const SETTLEMENT = '0x00000000000000000000000000000000000a0c71';

/**
 * The auction whose close() calls `settle(int64 winner, int64 price)` on `settlement` (an AuctionSettlement
 * from @mosaic/contracts, bound to this secret contract). The address is part of the code, hence of the code hash.
 */
export function sealedBidAuction(settlement: string) {
  const settle = ethereum(settlement, 'settle(int64 winner, int64 price)');

  const s = state({
    highest: secret.int64,
    second: secret.int64,
    /** Bidder id of the highest bid; -1 while there is none. */
    winner: secret.int64.init(-1n),
  });

  return contract('SealedBidAuction', {
    state: s,
    functions: {
      bid: fn({ bidder: secret.int64, amount: secret.int64 }, ({ bidder, amount }) => {
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
}

export default sealedBidAuction(SETTLEMENT);
