/**
 * `npm run bench -- lang`: the language's figures. Compilation and validation are single-process CPU work;
 * execution runs all five members of a (5, 2) committee in this process on the in-memory transport, so a
 * call's time is the whole committee's work on one core plus its rounds.
 */
import { compile, contract, costOf, decodeModule, fn, reveal, secret, select, simulate, state } from '../src/index.js';

type Record = (row: { name: string; value: number; unit: string }) => void;

const MIN_SECONDS = 1.5;

async function timePerCall(fnToTime: () => Promise<unknown> | unknown, minSeconds = MIN_SECONDS): Promise<number> {
  await fnToTime();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await fnToTime();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minSeconds * 1000);
  return elapsed / calls;
}

const millionaires = contract('Millionaires', {
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
  },
});

const BUCKETS = 64;
const histogramState = state({ histogram: secret.array(secret.int32, BUCKETS), best: secret.int64 });
const histogram = contract('Histogram', {
  state: histogramState,
  functions: {
    submit: fn({ value: secret.int64 }, ({ value }) => {
      const s = histogramState;
      for (let i = 0; i < BUCKETS; i++) {
        const inside = value.ge(BigInt(i * 100)).and(value.lt(BigInt((i + 1) * 100)));
        s.histogram = s.histogram.add(inside.toInt());
      }
      s.best = select(value.gt(s.best), value, s.best);
      return undefined;
    }),
  },
});

export async function run(record: Record): Promise<void> {
  const compiled = compile(millionaires);
  record({ name: 'lang.compile.millionaires', value: await timePerCall(() => compile(millionaires)), unit: 'ms' });
  const big = compile(histogram);
  record({
    name: 'lang.compile.histogram64',
    value: await timePerCall(() => compile(histogram)),
    unit: `ms (${big.module.functions[0].instructions.length} instructions)`,
  });
  record({
    name: 'lang.validate.histogram64',
    value: await timePerCall(() => decodeModule(big.bytes)),
    unit: `ms (${big.bytes.length} bytes)`,
  });
  for (const [n, t] of [
    [3, 1],
    [5, 2],
  ] as const) {
    const ms = await timePerCall(() => simulate(compiled, 'compare', { a: 1200n, b: 900n }, { n, t }));
    record({ name: `lang.exec.millionaires.n${n}`, value: ms, unit: 'ms per call, whole committee in-process' });
  }
  const once = await simulate(compiled, 'compare', { a: 1200n, b: 900n }, { n: 5, t: 2 });
  record({ name: 'lang.exec.millionaires.n5.rounds', value: once.stats.rounds, unit: 'rounds' });
  record({ name: 'lang.exec.millionaires.n5.bytes', value: once.stats.bytesSent, unit: 'bytes sent by member 1' });
  record({ name: 'lang.cost.millionaires.n5.gas', value: costOf(compiled, 'compare').gas, unit: 'gas' });
  const submit = await timePerCall(() => simulate(big, 'submit', { value: 4321n }, { n: 5, t: 2 }), 3);
  const cost = costOf(big, 'submit');
  record({
    name: 'lang.exec.histogram64.n5',
    value: submit,
    unit: `ms per call (${cost.batches.compare.elements} comparisons in ${cost.layers} layers, ${cost.rounds} rounds)`,
  });
}
