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
