#!/usr/bin/env node
// The `mosaic` command. Exit codes: src/cli/exit-codes.ts (0 ok, 1 usage, 2 unreachable, 3 rejected on chain,
// 4 task failed, 130 interrupted); each command's action reports its own errors (src/cli/run.ts).
import { CommanderError } from 'commander';
import { toCliError } from './cli/errors.js';
import { EXIT } from './cli/exit-codes.js';
import { createProgram } from './program.js';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version "fail" with code 0; usage errors were printed by commander already.
    process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
  }
  // Commands without the action wrapper (devnet, node, keys) end up here: one line, no stack trace.
  const cliError = toCliError(error);
  console.error(`mosaic: ${cliError.message}`);
  if (cliError.hint) console.error(`  hint: ${cliError.hint}`);
  process.exit(cliError.exitCode);
}
