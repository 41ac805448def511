#!/usr/bin/env node
// Prints the committee-size table of the README: the probability that an adversary holding a fraction f of the
// stake holds more than t of a committee's n seats, P[Bin(n, f) > t] (captureProbability in
// packages/contracts/src/committee-risk.ts). Needs the contracts package built: `npm run build` (or
// `npx tsc -b packages/contracts`). `--json` prints one JSON object per committee instead of the table.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const module = new URL('../packages/contracts/dist/src/committee-risk.js', import.meta.url);
if (!existsSync(fileURLToPath(module))) {
  console.error('packages/contracts is not built yet: run `npm run build` first');
  process.exit(1);
}
const { biasedCaptureProbability, captureProbability, SEED_BIAS_BITS } = await import(module.href);

const COMMITTEES = [
  [5, 2],
  [7, 3],
  [11, 5],
  [21, 10],
  [41, 20],
];
const STAKE = [0.1, 0.2, 0.33];

/** A probability as a short, readable figure: percent above 0.1%, else scientific notation. */
function format(p) {
  if (p === 0) return '0';
  if (p >= 0.001) return `${(p * 100).toPrecision(3)}%`;
  const [mantissa, exponent] = p.toExponential(1).split('e');
  return `${mantissa}e${exponent}`;
}

const rows = COMMITTEES.map(([n, t]) => ({
  n,
  t,
  p: STAKE.map((f) => captureProbability(n, t, f)),
  biased: STAKE.map((f) => biasedCaptureProbability(n, t, f)),
}));

if (process.argv.includes('--json')) {
  for (const { n, t, p, biased } of rows) {
    const figures = STAKE.flatMap((f, i) => [
      [`f${f}`, p[i]],
      [`f${f}.bias${SEED_BIAS_BITS}`, biased[i]],
    ]);
    console.log(JSON.stringify({ n, t, ...Object.fromEntries(figures) }));
  }
} else {
  const header = [
    'committee (n, t)',
    ...STAKE.map((f) => `${Math.round(f * 100)}% of the stake`),
    ...STAKE.map((f) => `${Math.round(f * 100)}%, ${SEED_BIAS_BITS}-bit seed bias`),
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(
    `|---|${header
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
  );
  for (const { n, t, p, biased } of rows) {
    const name = n === 5 ? `(${n}, ${t}) default` : `(${n}, ${t})`;
    console.log(`| ${name} | ${[...p, ...biased].map(format).join(' | ')} |`);
  }
}
