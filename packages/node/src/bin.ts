/**
 * `mosaic-node`: one secret node with the flags of `mosaic node` (docs/cli.md), without the rest of the CLI.
 * The local-network launcher (src/devnet) starts its node processes with it, so @mosaic/node needs no CLI.
 */
import { parseArgs } from 'node:util';
import { type NodeFlags, runNode } from './index.js';

function fail(message: string): never {
  console.error(`mosaic-node: ${message}`);
  process.exit(1);
}

const integer = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) fail(`${name} must be a non-negative integer`);
  return Number(value);
};

function flagsFrom(args: string[]): NodeFlags {
  try {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        'data-dir': { type: 'string', short: 'd' },
        listen: { type: 'string', multiple: true },
        announce: { type: 'string', multiple: true },
        bootstrap: { type: 'string', multiple: true },
        'chain-rpc': { type: 'string' },
        deployment: { type: 'string' },
        confirmations: { type: 'string' },
        'rpc-host': { type: 'string' },
        'rpc-port': { type: 'string' },
        'operator-rpc-host': { type: 'string' },
        'operator-rpc-port': { type: 'string' },
        'min-connections': { type: 'string' },
        register: { type: 'boolean' },
        deposit: { type: 'string' },
        'log-level': { type: 'string' },
        'passphrase-file': { type: 'string' },
      },
    });
    return {
      config: values.config,
      dataDir: values['data-dir'],
      listen: values.listen,
      announce: values.announce,
      bootstrap: values.bootstrap,
      chainRpc: values['chain-rpc'],
      deployment: values.deployment,
      confirmations: integer('--confirmations', values.confirmations),
      rpcHost: values['rpc-host'],
      rpcPort: integer('--rpc-port', values['rpc-port']),
      operatorRpcHost: values['operator-rpc-host'],
      operatorRpcPort: integer('--operator-rpc-port', values['operator-rpc-port']),
      minConnections: integer('--min-connections', values['min-connections']),
      register: values.register,
      deposit: values.deposit,
      logLevel: values['log-level'],
      passphraseFile: values['passphrase-file'],
    };
  } catch (error) {
    fail((error as Error).message);
  }
}

await runNode(flagsFrom(process.argv.slice(2)), 'mosaic-node');
