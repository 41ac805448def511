#!/usr/bin/env node
// The `mosaic` command. Exit codes: 0 ok, 1 failure, 2 usage error.
import { CommanderError } from 'commander';
import { createProgram } from './program.js';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version "fail" with code 0; usage errors were printed by commander already.
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  console.error(`mosaic: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
