/** Shared fixtures of the tests: a contract exercising every operation. */
import { array, compile, contract, fn, pub, reveal, secret, select } from '../src/index.js';

export const everyOp = contract('EveryOp', {
  functions: {
    ints: fn(
      { a: secret.int32, b: secret.int32, p: pub.int32, c: secret.bool, d: secret.bool },
      ({ a, b, p, c, d }) => ({
        add: a.add(b),
        sub: a.sub(b),
        neg: a.neg(),
        mul: a.mul(b),
        mulPublic: a.mul(p),
        addPublic: a.add(p),
        mulConstant: a.mul(-3n),
        lt: a.lt(b),
        le: a.le(b),
        gt: a.gt(b),
        ge: a.ge(b),
        eq: a.eq(b),
        ne: a.ne(b),
        ltPublic: a.lt(p),
        and: c.and(d),
        or: c.or(d),
        xor: c.xor(d),
        not: c.not(),
        select: select(c, a, b),
        selectPublic: select(c, p, 7n),
        toInt: c.toInt(),
        sum: array([a, b, a]).sum(),
        elementwise: array([a, b]).mul(array([b, a])),
        revealed: reveal(a.add(b)),
        revealedLt: reveal(a.lt(b)),
        publicMath: reveal(a).mul(p).sub(p),
      }),
    ),
    fixed: fn({ x: secret.fixed, y: secret.fixed, a: secret.int32, q: pub.fixed }, ({ x, y, a, q }) => ({
      add: x.add(y),
      sub: x.sub(y),
      mul: x.mul(y),
      mulInt: x.mul(a),
      mulPublic: x.mul(q),
      mulConstant: x.mul(0.5),
      lt: x.lt(y),
      eq: x.eq(y),
      toFixed: a.toFixed(),
      revealedDiv: reveal(x).div(q),
    })),
  },
});

export const compiledEveryOp = compile(everyOp);

/** Functions whose rounds the scheduling and cost tests measure. */
export const EIGHT = 8;

export const scheduled = compile(
  contract('Scheduling', {
    functions: {
      oneComparison: fn({ a: secret.int32, b: secret.int32 }, ({ a, b }) => ({ x: reveal(a.gt(b)) })),
      eightComparisons: fn(
        { a: secret.array(secret.int32, EIGHT), b: secret.array(secret.int32, EIGHT) },
        ({ a, b }) => {
          const out: Record<string, ReturnType<typeof reveal>> = {};
          // eight separate scalar instructions: the scheduler merges them into one engine call
          for (let i = 0; i < EIGHT; i++) out[`x${i}`] = reveal(a.at(i).gt(b.at(i)));
          return out;
        },
      ),
      dependentComparisons: fn({ a: secret.int32, b: secret.int32 }, ({ a, b }) => {
        const larger = select(a.gt(b), a, b);
        return { x: reveal(larger.gt(100n)) };
      }),
      oneProduct: fn({ a: secret.int32, b: secret.int32 }, ({ a, b }) => ({ p: a.mul(b) })),
      tenProducts: fn({ a: secret.array(secret.int16, 10), b: secret.array(secret.int16, 10) }, ({ a, b }) => {
        const out: Record<string, ReturnType<typeof a.at>> = {};
        for (let i = 0; i < 10; i++) out[`p${i}`] = a.at(i).mul(b.at(i));
        return out;
      }),
      productChain: fn({ a: secret.int16, b: secret.int16 }, ({ a, b }) => ({ p: a.mul(b).mul(a).mul(b) })),
      booleans: fn({ c: secret.bool, d: secret.bool }, ({ c, d }) => ({ both: c.and(d) })),
      mixedLayer: fn({ a: secret.int32, b: secret.int32, x: secret.fixed }, ({ a, b, x }) => ({
        p: a.mul(b),
        q: x.mul(x),
        lt: a.lt(b),
        eq: a.eq(b),
      })),
    },
  }),
);
