/**
 * The `mosaic` command: a commander program with one module per subcommand (src/commands/*). A new command
 * is a module exporting `register(program)`, added to COMMANDS.
 */
import { Command } from 'commander';
import { register as registerDevnet } from './commands/devnet.js';
import { register as registerKeys } from './commands/keys.js';
import { register as registerNode } from './commands/node.js';

export const COMMANDS: ((program: Command) => void)[] = [registerDevnet, registerNode, registerKeys];

export function createProgram(): Command {
  const program = new Command('mosaic')
    .description('Mosaic: secret contracts run by committees of staked nodes with secure multi-party computation')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const add of COMMANDS) add(program);
  return program;
}
