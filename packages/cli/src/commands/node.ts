/** `mosaic node`: runs a secret node until SIGINT / SIGTERM. */

import type { NodeFlags } from '@mosaic/node';
import type { Command } from 'commander';
import { EXIT_CODE_HELP } from '../cli/exit-codes.js';

const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a non-negative integer`);
  return Number(value);
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  program
    .command('node')
    .description('run a secret node (config from --config, then MOSAIC_* environment, then these flags)')
    .option('-c, --config <file>', 'JSON config file')
    .option('-d, --data-dir <dir>', 'data directory (keys, store)')
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect)
    .option('--announce <multiaddr>', 'address peers dial instead of the listen addresses (repeatable)', collect)
    .option('--bootstrap <multiaddr>', 'bootstrap peer with /p2p/<id> (repeatable)', collect)
    .option('--chain-rpc <url>', 'ledger JSON-RPC URL')
    .option('--deployment <file>', 'deployments file (<chainId>.json)')
    .option('--confirmations <n>', 'blocks before acting on an event', integer('--confirmations'))
    .option('--rpc-host <host>', 'JSON-RPC host')
    .option('--rpc-port <port>', 'JSON-RPC port (0: any free port)', integer('--rpc-port'))
    .option('--operator-rpc-host <host>', 'operator JSON-RPC host (default 127.0.0.1)')
    .option(
      '--operator-rpc-port <port>',
      'operator JSON-RPC port (default the JSON-RPC port + 1; 0: any free port)',
      integer('--operator-rpc-port'),
    )
    .option('--min-connections <n>', 'peers to keep at least', integer('--min-connections'))
    .option('--register', 'register keys, deposit and log in on chain when not done yet')
    .option('--deposit <amount>', 'stake to hold, in MOS smallest units')
    .option('--log-level <level>', 'trace, debug, info, warn, error')
    .option('--passphrase-file <file>', 'file with the key file passphrase (or MOSAIC_PASSPHRASE)')
    .addHelpText(
      'after',
      '\nEnvironment: MOSAIC_DATA_DIR, MOSAIC_LISTEN, MOSAIC_ANNOUNCE, MOSAIC_BOOTSTRAP, MOSAIC_CHAIN_RPC_URL, MOSAIC_DEPLOYMENT_FILE,\n' +
        'MOSAIC_CONFIRMATIONS, MOSAIC_RPC_HOST, MOSAIC_RPC_PORT, MOSAIC_OPERATOR_RPC_HOST, MOSAIC_OPERATOR_RPC_PORT,\n' +
        'MOSAIC_OPERATOR_TOKEN_FILE, MOSAIC_MIN_CONNECTIONS, MOSAIC_REGISTER, MOSAIC_DEPOSIT, MOSAIC_LOG_LEVEL,\n' +
        'MOSAIC_PASSPHRASE, MOSAIC_PASSPHRASE_FILE.\n\n' +
        'Operator methods (mosaic_recoverData) are served on the operator listener only, with the bearer token the\n' +
        'node writes at every start to <data-dir>/operator-rpc.token (mode 0600).\n\n' +
        'Example:\n  $ mosaic node --data-dir ./node-1 --chain-rpc http://127.0.0.1:8545 --deployment deployments/31337.json --register\n\n' +
        EXIT_CODE_HELP,
    )
    .action(async (flags: NodeFlags) => {
      // Imported here: @mosaic/node takes a second to load, which every other command would pay.
      const { runNode } = await import('@mosaic/node');
      await runNode(flags);
    });
}
