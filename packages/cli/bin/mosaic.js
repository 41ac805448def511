#!/usr/bin/env node
// The `mosaic` command as npm links it. This file is committed (not built), so that `npm install` on a fresh
// clone finds it and links node_modules/.bin/mosaic before anything is compiled; it runs the compiled CLI.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/bin.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('mosaic: the CLI is not built yet (packages/cli/dist is missing).');
  console.error('  hint: run `npm run build` (or `npm start`) in the repository root first');
  process.exit(1);
}
await import(cli.href);
