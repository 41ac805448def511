/**
 * The devnet's environment file, <dataDir>/devnet.json: what `mosaic deploy`, `call`, `status` … need to reach
 * the local network with no flags (chain RPC URL, chain id, deployment file, node RPC URLs, a funded user
 * account). Written by `mosaic devnet` (mode 0600: it holds a private key) on every start.
 *
 * The account is anvil's dev account #9 from the public "test test … junk" mnemonic: a well-known test key,
 * funded with MOS by the devnet for the tutorial. Never use it on a real chain.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MosaicAddresses } from '@mosaic/contracts';
import type { Address, Hex } from 'viem';

export const DEVNET_ENV_FILE = 'devnet.json';
export const DEFAULT_DEVNET_DIR = '.mosaic-devnet';

export interface DevnetEnvironment {
  format: 'mosaic-devnet/v1';
  chainRpc: string;
  chainId: number;
  deploymentFile: string;
  addresses: MosaicAddresses;
  nodeRpcs: string[];
  account: { address: Address; privateKey: Hex; note: string };
  /** The last example contract the devnet deployed (reused on a resumed start). */
  example?: { contractId: string; codeHash: Hex };
  pids: { devnet: number; nodes: number[] };
  anvilPort: number;
  startedAt: string;
}

export const DEV_ACCOUNT_NOTE =
  "anvil's dev account #9 from the public mnemonic 'test test test test test test test test test test test junk': " +
  'a well-known test key for the local devnet only; never use it on a real chain';

export function devnetEnvPath(dataDir: string): string {
  return join(dataDir, DEVNET_ENV_FILE);
}

export async function writeDevnetEnvironment(dataDir: string, env: DevnetEnvironment): Promise<string> {
  const file = devnetEnvPath(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(env, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return file;
}

/** The environment file of `dataDir`, or undefined when there is none. Throws on a malformed file. */
export async function readDevnetEnvironment(dataDir: string): Promise<DevnetEnvironment | undefined> {
  const file = devnetEnvPath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const env = JSON.parse(text) as DevnetEnvironment;
  if (env.format !== 'mosaic-devnet/v1' || typeof env.chainRpc !== 'string' || !Array.isArray(env.nodeRpcs)) {
    throw new Error(`${file} is not a devnet environment file (format mosaic-devnet/v1)`);
  }
  return env;
}
