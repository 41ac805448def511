/**
 * Running an example script by hand: `node examples/dist/<name>/script.js [--chain-rpc URL] [--node-rpc URL]
 * [--deployment FILE] [--devnet-dir DIR] [--n N --t T]`. Each setting comes from its flag, else the environment
 * (MOSAIC_CHAIN_RPC, MOSAIC_NODE_RPC, MOSAIC_DEPLOYMENT, MOSAIC_ACCOUNT_KEY), else the devnet's environment
 * file (<devnet-dir>/devnet.json, default .mosaic-devnet, written by `npm start`). The account key is never
 * a flag (it would show in the process list).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { assertMosaicAddresses, type MosaicAddresses } from '@mosaic/contracts';
import type { Hex } from 'viem';
import type { Connection } from './connection.js';

interface DevnetFile {
  chainRpc?: string;
  nodeRpcs?: string[];
  deploymentFile?: string;
  addresses?: MosaicAddresses;
  account?: { privateKey?: Hex };
}

async function readDevnet(dir: string): Promise<DevnetFile | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as DevnetFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function connectionFromCli(argv = process.argv.slice(2), env = process.env): Promise<Connection> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'chain-rpc': { type: 'string' },
      'node-rpc': { type: 'string' },
      deployment: { type: 'string' },
      'devnet-dir': { type: 'string', default: '.mosaic-devnet' },
      n: { type: 'string' },
      t: { type: 'string' },
    },
  });
  const devnet = await readDevnet(resolve(values['devnet-dir']));
  const missing = (what: string, flag: string, variable: string) =>
    new Error(`no ${what}: pass ${flag}, set ${variable}, or start a devnet (npm start) so that devnet.json exists`);
  const chainRpcUrl = values['chain-rpc'] ?? env.MOSAIC_CHAIN_RPC ?? devnet?.chainRpc;
  if (!chainRpcUrl) throw missing('chain RPC URL', '--chain-rpc', 'MOSAIC_CHAIN_RPC');
  const nodeRpcUrl = values['node-rpc'] ?? env.MOSAIC_NODE_RPC ?? devnet?.nodeRpcs?.[0];
  if (!nodeRpcUrl) throw missing('node RPC URL', '--node-rpc', 'MOSAIC_NODE_RPC');
  const deploymentFile = values.deployment ?? env.MOSAIC_DEPLOYMENT;
  let addresses: unknown = devnet?.addresses;
  if (deploymentFile)
    addresses = (JSON.parse(await readFile(deploymentFile, 'utf8')) as { addresses?: unknown }).addresses;
  if (!addresses) throw missing('deployment', '--deployment', 'MOSAIC_DEPLOYMENT');
  assertMosaicAddresses(addresses);
  const accountKey = (env.MOSAIC_ACCOUNT_KEY ?? devnet?.account?.privateKey) as Hex | undefined;
  if (!accountKey || !/^0x[0-9a-fA-F]{64}$/.test(accountKey)) {
    throw new Error('no account: set MOSAIC_ACCOUNT_KEY (0x + 64 hex digits) to a key holding ETH and MOS');
  }
  const connection: Connection = { chainRpcUrl, nodeRpcUrl, addresses, accountKey };
  if (values.n !== undefined || values.t !== undefined) {
    const n = Number(values.n ?? 5);
    const t = Number(values.t ?? 2);
    if (!Number.isInteger(n) || !Number.isInteger(t) || t < 1 || 2 * t + 1 > n || n > 64) {
      throw new Error(
        `--n ${values.n ?? 5} --t ${values.t ?? 2}: need whole numbers with 1 <= t and 2t + 1 <= n <= 64`,
      );
    }
    connection.committee = { n, t };
  }
  return connection;
}

/** Runs `run` with the command line's connection when `moduleUrl` is the program node was started with. */
export function mainIf<R>(moduleUrl: string, run: (connection: Connection) => Promise<R>): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  connectionFromCli()
    .then((connection) => run(connection))
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
}
