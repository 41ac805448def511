#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js, examples/dist/test/**/*.test.js) with node's own test runner,
// so the closing summary is the runner's. Optional arguments filter the files by substring.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);

function collect(dir, out) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = [];
const testDirs = [...readdirSync('packages').map((pkg) => join('packages', pkg, 'dist', 'test')), 'examples/dist/test'];
for (const testDir of testDirs) {
  try {
    statSync(testDir);
  } catch {
    continue;
  }
  collect(testDir, files);
}
const selected = files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (selected.length === 0) {
  console.error('no test files found: run `tsc -b` first');
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', ...selected], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
