/**
 * The data marketplace: a buyer pays to run a statistic over several sellers' stored data.
 * Each seller stored one int64 item of ROWS rows in column layout (x_1 … x_ROWS, then y_1 … y_ROWS) and granted
 * the buyer the data type; the rows reach the contract's committee by resharing from the storage committees
 * (stored inputs), never in clear.
 *
 * The function computes, in MPC and exactly (integers, no rounding), the sums a least-squares fit of y on x and
 * the mean and variance of y need, and gives them to the buyer only (private outputs): the buyer paid for them,
 * a public output would hand them to everyone reading the chain. Secrets cannot be divided, so the buyer's
 * client does the last divisions (`statistics` in script.ts). The one public output is the order id, which the
 * receipt passes to `Marketplace.settle`: the sellers are paid in the transaction that commits the receipt.
 */
import { array, contract, ethereum, fn, pub, stored } from '@mosaic/lang';

/** Sellers per run (one stored input each). */
export const SELLERS = 4;
/** Rows (x, y pairs) per seller. */
export const ROWS = 8;
/** Rows per run: public, it is the contract's shape. */
export const COUNT = BigInt(SELLERS * ROWS);

/** An example Marketplace address: the default export settles there; a deployment uses dataMarketplace(address). */
export const MARKETPLACE = '0x00000000000000000000000000000000000d47a0';

/**
 * The statistic bought from the sellers of one order, settling at `marketplace` (a Marketplace bound to this
 * secret contract). The address is part of the code, hence of the code hash.
 */
export function dataMarketplace(marketplace: string) {
  const settle = ethereum(marketplace, 'settle(int64 order)');
  const seller = stored.int64(2 * ROWS);

  return contract('DataMarketplace', {
    functions: {
      regress: fn({ order: pub.int64, s1: seller, s2: seller, s3: seller, s4: seller }, ({ order, s1, s2, s3, s4 }) => {
        // All sellers' rows as two columns: concatenating shares is free.
        const sellers = [s1, s2, s3, s4];
        const column = (from: number) => array(sellers.flatMap((s) => s.slice(from, from + ROWS).toArray()));
        const xs = column(0);
        const ys = column(ROWS);
        // Sums are free; each product column is one batch of secret multiplications (one round for all).
        const sumX = xs.sum();
        const sumY = ys.sum();
        const sumXX = xs.mul(xs).sum();
        const sumXY = xs.mul(ys).sum();
        const sumYY = ys.mul(ys).sum();
        // Centred sums scaled by n: n·Σxx − (Σx)² = n²·var(x), and alike. Computing them here (one more round)
        // instead of handing out Σxx, Σxy, Σyy costs nothing in privacy (they determine each other given Σx,
        // Σy and n) and spares the buyer's client the cancellation of two large numbers.
        return {
          sumX,
          sumY,
          sxx: sumXX.mul(COUNT).sub(sumX.mul(sumX)),
          sxy: sumXY.mul(COUNT).sub(sumX.mul(sumY)),
          syy: sumYY.mul(COUNT).sub(sumY.mul(sumY)),
          // Public: the receipt carries it and calls Marketplace.settle(order) with it.
          order,
          payout: settle(order),
        };
      }),
    },
  });
}

export default dataMarketplace(MARKETPLACE);
