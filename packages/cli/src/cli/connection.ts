/**
 * Where a command finds the network and the account, in this order: flags (--chain-rpc, --node-rpc,
 * --deployment, --key-file / --data-dir), then the environment (MOSAIC_CHAIN_RPC_URL, MOSAIC_NODE_RPC_URL,
 * MOSAIC_DEPLOYMENT_FILE, MOSAIC_KEY_FILE), then the devnet's environment file (<devnet-dir>/devnet.json,
 * default ./.mosaic-devnet, written by `mosaic devnet`). Both services are probed first, so an unreachable one
 * is reported with the URL tried instead of a timeout deep inside a transaction.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { NodeConnection } from '@mosaic/client';
import { assertMosaicAddresses, type MosaicAddresses } from '@mosaic/contracts';
import { type Command, Option } from 'commander';
import { type Account, createPublicClient, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DEFAULT_DEVNET_DIR, type DevnetEnvironment, readDevnetEnvironment } from '../devnet/env-file.js';
import { CliError, chainUnreachable, nodeUnreachable, usageError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { httpUrl } from './parsers.js';

export interface ConnectionFlags {
  chainRpc?: string;
  nodeRpc?: string;
  deployment?: string;
  devnetDir: string;
  keyFile?: string;
  dataDir?: string;
  passphraseFile?: string;
}

/** --chain-rpc, --node-rpc, --deployment, --devnet-dir. */
export function addNetworkOptions(command: Command): Command {
  return command
    .addOption(new Option('--chain-rpc <url>', 'chain JSON-RPC URL').env('MOSAIC_CHAIN_RPC_URL').argParser(httpUrl))
    .addOption(
      new Option('--node-rpc <url>', 'a Mosaic node JSON-RPC URL').env('MOSAIC_NODE_RPC_URL').argParser(httpUrl),
    )
    .addOption(new Option('--deployment <file>', 'deployment file (<chainId>.json)').env('MOSAIC_DEPLOYMENT_FILE'))
    .addOption(
      new Option('--devnet-dir <dir>', 'devnet data directory whose devnet.json gives the defaults')
        .env('MOSAIC_DEVNET_DIR')
        .default(DEFAULT_DEVNET_DIR),
    );
}

/** --key-file, --data-dir, --passphrase-file: the account that signs. */
export function addAccountOptions(
  command: Command,
  dataDirHelp = "a node's data directory: use its operator key",
): Command {
  return command
    .addOption(
      new Option('--key-file <file>', 'file with a 0x private key (mode 0600)')
        .env('MOSAIC_KEY_FILE')
        .conflicts('dataDir'),
    )
    .option('-d, --data-dir <dir>', dataDirHelp)
    .option('--passphrase-file <file>', 'passphrase of an encrypted key file (or MOSAIC_PASSPHRASE; else a prompt)');
}

export interface Network {
  chainRpc: string;
  chainId: number;
  deploymentFile: string;
  addresses: MosaicAddresses;
  /** Deployment parameters (epochLength, taskTimeoutBlocks, …) as decimal strings, when the file has them. */
  parameters: Record<string, string>;
  nodeRpc?: string;
  /** The devnet environment file used for defaults, if any. */
  devnet?: DevnetEnvironment;
}

export async function resolveNetwork(flags: ConnectionFlags, needs: { node: boolean }): Promise<Network> {
  const devnet = await findDevnetEnvironment(flags.devnetDir).catch((error: unknown) => {
    throw usageError(error instanceof Error ? error.message : String(error));
  });
  const chainRpc = flags.chainRpc ?? devnet?.chainRpc;
  if (!chainRpc) {
    throw new CliError(
      `no chain to talk to: no --chain-rpc flag, no MOSAIC_CHAIN_RPC_URL and no ${flags.devnetDir}/devnet.json`,
      EXIT.UNREACHABLE,
      'start a local network with `npm start` or `mosaic devnet` (then run this in the same directory), or pass --chain-rpc <url> --deployment <file>',
    );
  }
  const chainId = await probeChain(chainRpc);
  const deploymentFile = flags.deployment ?? devnet?.deploymentFile;
  if (!deploymentFile) {
    throw usageError(
      'no deployment file: pass --deployment <file> (the <chainId>.json written when the contracts were deployed)',
    );
  }
  const deployment = await readDeploymentFile(deploymentFile);
  if (deployment.chainId !== chainId) {
    throw usageError(`${deploymentFile} is for chain ${deployment.chainId}, but ${chainRpc} is chain ${chainId}`);
  }
  const nodeRpc = flags.nodeRpc ?? devnet?.nodeRpcs[0];
  if (needs.node) {
    if (!nodeRpc) {
      throw new CliError('no node to talk to', EXIT.UNREACHABLE, 'pass --node-rpc <url> (a Mosaic node JSON-RPC URL)');
    }
    await probeNode(nodeRpc);
  }
  return {
    chainRpc,
    chainId,
    deploymentFile: resolve(deploymentFile),
    addresses: deployment.addresses,
    parameters: deployment.parameters,
    ...(nodeRpc ? { nodeRpc } : {}),
    ...(devnet ? { devnet } : {}),
  };
}

/**
 * The devnet environment file: in --devnet-dir; with the default (.mosaic-devnet), also in the parent
 * directories, so commands work from a project made inside the directory where `mosaic devnet` runs.
 */
async function findDevnetEnvironment(devnetDir: string): Promise<DevnetEnvironment | undefined> {
  if (devnetDir !== DEFAULT_DEVNET_DIR) return readDevnetEnvironment(resolve(devnetDir));
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    const env = await readDevnetEnvironment(join(dir, DEFAULT_DEVNET_DIR));
    if (env) return env;
    if (dirname(dir) === dir) return undefined;
  }
}

const PROBE_TIMEOUT_MS = 5000;

/** Why a request failed, in a few words: the network error's code, else the innermost cause's message. */
const reason = (error: unknown): string => {
  let innermost = error;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    innermost = cause;
  }
  return innermost instanceof Error ? innermost.message : String(innermost);
};

export async function probeChain(url: string): Promise<number> {
  try {
    const chain = createPublicClient({ transport: http(url, { timeout: PROBE_TIMEOUT_MS, retryCount: 0 }) });
    return await chain.getChainId();
  } catch (error) {
    throw chainUnreachable(url, reason(error));
  }
}

export async function probeNode(url: string): Promise<Record<string, unknown>> {
  try {
    const node = new NodeConnection({ http: url }, { timeoutMs: PROBE_TIMEOUT_MS });
    return (await node.request('mosaic_info', {})) as Record<string, unknown>;
  } catch (error) {
    throw nodeUnreachable(url, reason(error));
  }
}

async function readDeploymentFile(
  file: string,
): Promise<{ chainId: number; addresses: MosaicAddresses; parameters: Record<string, string> }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw usageError(`cannot read the deployment file ${file}: ${reason(error)}`);
  }
  const data = raw as { chainId?: unknown; addresses?: unknown; parameters?: Record<string, string> };
  try {
    assertMosaicAddresses(data.addresses);
  } catch (error) {
    throw usageError(`${file} is not a Mosaic deployment file: ${reason(error)}`);
  }
  if (typeof data.chainId !== 'number') throw usageError(`${file} has no chainId`);
  return { chainId: data.chainId, addresses: data.addresses, parameters: data.parameters ?? {} };
}

export interface SigningAccount {
  account: Account;
  /** Where the key came from, for messages (never the key). */
  source: string;
}

/** The account from --key-file, --data-dir (a node's operator key) or the devnet's account. */
export async function resolveAccount(flags: ConnectionFlags, network: Network): Promise<SigningAccount> {
  if (flags.keyFile) return { account: privateKeyToAccount(await readKeyFile(flags.keyFile)), source: flags.keyFile };
  if (flags.dataDir) {
    const keys = await loadNodeKeys(flags.dataDir, flags.passphraseFile);
    return { account: keys.operator, source: `${flags.dataDir}/keys.json (operator key)` };
  }
  if (network.devnet) {
    return {
      account: privateKeyToAccount(network.devnet.account.privateKey),
      source: `the devnet's test account (${flags.devnetDir}/devnet.json)`,
    };
  }
  throw usageError('no account to sign with: pass --key-file <file> or --data-dir <node data dir>');
}

/** A private key file: one 0x hex key (or JSON {"privateKey": …}), readable by its owner only. */
export async function readKeyFile(file: string): Promise<Hex> {
  let info: Awaited<ReturnType<typeof stat>>;
  let text: string;
  try {
    info = await stat(file);
    text = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw usageError(`cannot read the key file ${file}: ${reason(error)}`);
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw usageError(
      `key file ${file} is readable by others (mode ${(info.mode & 0o777).toString(8)})`,
      `chmod 600 ${file}`,
    );
  }
  let key = text;
  if (text.startsWith('{')) {
    try {
      key = String((JSON.parse(text) as { privateKey?: unknown }).privateKey ?? '');
    } catch {
      key = '';
    }
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw usageError(`key file ${file} does not hold a 0x-prefixed 32-byte hex key`);
  return key as Hex;
}

/** A node's keys; asks for the passphrase (not echoed) when the file is encrypted and none was given. */
export async function loadNodeKeys(dataDir: string, passphraseFile?: string) {
  const { loadKeys } = await import('@mosaic/node'); // lazily: a second to import
  let passphrase: string | undefined;
  if (passphraseFile) {
    try {
      passphrase = (await readFile(passphraseFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      throw usageError(`cannot read the passphrase file ${passphraseFile}: ${reason(error)}`);
    }
  } else if (process.env.MOSAIC_PASSPHRASE) passphrase = process.env.MOSAIC_PASSPHRASE;
  try {
    return await loadKeys(dataDir, passphrase === undefined ? {} : { passphrase });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (passphrase === undefined && /passphrase is required/.test(message) && process.stdin.isTTY) {
      const { default: password } = await import('@inquirer/password');
      const typed = await password({ message: `passphrase for ${dataDir}/keys.json`, mask: false });
      return loadKeys(dataDir, { passphrase: typed });
    }
    throw error;
  }
}
