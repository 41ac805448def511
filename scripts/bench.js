#!/usr/bin/env node
// The one benchmark entry: `npm run bench -- <suite> [--json]`.
// A suite is a compiled module exporting `run(record)`; it calls record({ name, value, unit }) per figure.
// Without --json the figures print as a table; with --json one JSON object per line.
// Every run is also appended to .bench/<suite>.jsonl with the date and the Node version.
import { appendFileSync, mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const suites = {
  mpc: 'packages/mpc/dist/bench/mpc.bench.js',
  gas: 'packages/contracts/dist/bench/gas.bench.js',
  p2p: 'packages/node/dist/bench/p2p.bench.js',
  e2e: 'packages/node/dist/bench/e2e.bench.js',
  wan: 'packages/node/dist/bench/wan.bench.js',
  storage: 'packages/node/dist/bench/storage.bench.js',
  client: 'packages/client/dist/bench/client.bench.js',
  lang: 'packages/lang/dist/bench/lang.bench.js',
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const names = args.filter((a) => !a.startsWith('--'));
if (names.length === 0 || names.some((n) => !(n in suites))) {
  console.error(`usage: npm run bench -- <suite> [--json]\nsuites: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}

mkdirSync('.bench', { recursive: true });
for (const suite of names) {
  const mod = await import(pathToFileURL(suites[suite]).href);
  const rows = [];
  if (!json) console.log(`suite ${suite} (node ${process.version})`);
  await mod.run((row) => {
    rows.push(row);
    if (json) console.log(JSON.stringify(row));
    else console.log(`  ${row.name.padEnd(34)} ${formatValue(row.value).padStart(16)}  ${row.unit}`);
  });
  const stamp = { at: new Date().toISOString(), node: process.version };
  appendFileSync(`.bench/${suite}.jsonl`, `${rows.map((r) => JSON.stringify({ ...stamp, ...r })).join('\n')}\n`);
}

function formatValue(v) {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
