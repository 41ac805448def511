#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js, examples/dist/test/**/*.test.js) with node's own test runner,
// so the closing summary is the runner's. Optional arguments filter the files by substring.
// Only compiled tests whose TypeScript source still exists run: tsc leaves the output of a deleted source behind.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A bound on each test file so a hung test (an anvil or node process that never answers) fails instead of hanging
 * CI. Node 20's runner applies `--test-timeout` to each file as a whole (later versions to each test as well),
 * so it is sized for the slowest file: the slowest end-to-end files take 1 to 3 minutes on a loaded 2-core machine.
 */
const TEST_TIMEOUT_MS = 15 * 60_000;

// Arguments starting with `--` go to node's runner (e.g. `--test-name-pattern=<regex>` runs one case alone).
const runnerFlags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function collect(dir, out) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const matches = (file) => filters.length === 0 || filters.some((x) => file.includes(x));
const files = [];
/** A workspace's root holds dist/test/ (compiled) and test/ (the sources). */
const roots = [...readdirSync('packages').map((pkg) => join('packages', pkg)), 'examples'];
for (const root of roots) {
  const testDir = join(root, 'dist', 'test');
  if (!existsSync(testDir)) continue;
  for (const file of collect(testDir, [])) {
    // dist/test/a/x.test.js comes from test/a/x.test.ts
    const source = join(root, relative(join(root, 'dist'), file)).replace(/\.js$/, '.ts');
    if (existsSync(source)) files.push(file);
    else if (matches(file)) console.error(`skipping ${file}: its source ${source} is gone (a stale compiled test)`);
  }
}
const selected = files.filter(matches).sort();
if (selected.length === 0) {
  console.error('no test files found: run `tsc -b` first');
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', `--test-timeout=${TEST_TIMEOUT_MS}`, ...runnerFlags, ...selected], {
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
