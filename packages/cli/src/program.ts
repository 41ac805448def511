/**
 * The `mosaic` command: a commander program with one module per subcommand (src/commands/*). A new command
 * is a module exporting `register(program)`, added to COMMANDS.
 */
import { Command } from 'commander';
import { EXIT_CODE_HELP } from './cli/exit-codes.js';
import { register as registerCall } from './commands/call.js';
import { register as registerCompile } from './commands/compile.js';
import { register as registerData } from './commands/data.js';
import { register as registerDeploy } from './commands/deploy.js';
import { register as registerDevnet } from './commands/devnet.js';
import { register as registerInit } from './commands/init.js';
import { register as registerKeys } from './commands/keys.js';
import { register as registerNode } from './commands/node.js';
import { register as registerStake } from './commands/stake.js';
import { register as registerStatus } from './commands/status.js';
import { register as registerTask } from './commands/task.js';

export const COMMANDS: ((program: Command) => void)[] = [
  registerDevnet,
  registerInit,
  registerCompile,
  registerDeploy,
  registerCall,
  registerData,
  registerTask,
  registerStake,
  registerStatus,
  registerNode,
  registerKeys,
];

export function createProgram(): Command {
  const program = new Command('mosaic')
    .description('Mosaic: secret contracts run by committees of staked nodes with secure multi-party computation')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      '\nGetting started:\n  $ mosaic devnet                 # a local network; leave it running\n' +
        '  $ mosaic init hello && cd hello && mosaic compile contract.ts\n' +
        '  $ mosaic deploy contract.artifact.json --devnet-dir ../.mosaic-devnet\n\n' +
        'Every command takes --help (with an example) and --json. Full reference: docs/cli.md.\n\n' +
        EXIT_CODE_HELP,
    );
  for (const add of COMMANDS) add(program);
  return program;
}
