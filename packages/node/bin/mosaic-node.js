#!/usr/bin/env node
// The `mosaic-node` command as npm links it: one secret node until SIGINT / SIGTERM (the flags of `mosaic node`).
// Committed, not built, so that npm links it at install time; it runs the compiled entry point.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/bin.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('mosaic-node: @mosaic/node is not built yet (packages/node/dist is missing).');
  console.error('  hint: run `npm run build` in the repository root first');
  process.exit(1);
}
await import(entry.href);
