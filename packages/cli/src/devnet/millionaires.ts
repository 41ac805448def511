/**
 * The millionaires example (examples/millionaires/contract.ts), defined here as well: the examples workspace
 * is not part of the CLI's build graph. Two people learn who is richer and nothing else.
 */
import { contract, fn, reveal, secret } from '@mosaic/lang';

export const Millionaires = contract('Millionaires', {
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
  },
});
