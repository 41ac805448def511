/**
 * Yao's millionaires' problem: two people learn who is richer and nothing else about each other's wealth.
 */
import { contract, fn, reveal, secret } from '@mosaic/lang';

export default contract('Millionaires', {
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
  },
});
