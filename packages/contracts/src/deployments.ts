// Deployments files: <dir>/<chainId>.json with the suite's addresses and parameters. Node only.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAddress } from 'viem';
import { assertMosaicAddresses } from './bindings.js';
import type { Deployment } from './deploy.js';

export function deploymentFile(dir: string, chainId: number): string {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new RangeError('chain id must be a positive integer');
  return join(dir, `${chainId}.json`);
}

/** Writes the deployment (atomically: temp file, then rename) and returns the file's path. */
export async function writeDeployment(dir: string, deployment: Deployment): Promise<string> {
  const file = deploymentFile(dir, deployment.chainId);
  await mkdir(dir, { recursive: true });
  const json = JSON.stringify(deployment, (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${json}\n`);
  await rename(temp, file);
  return file;
}

/** Reads and validates <dir>/<chainId>.json. */
export async function readDeployment(dir: string, chainId: number): Promise<Deployment> {
  const file = deploymentFile(dir, chainId);
  const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new TypeError(`${file}: not an object`);
  const data = raw as Record<string, unknown>;
  if (data.chainId !== chainId) throw new TypeError(`${file}: chainId ${String(data.chainId)} is not ${chainId}`);
  if (typeof data.deployer !== 'string' || !isAddress(data.deployer)) throw new TypeError(`${file}: bad deployer`);
  assertMosaicAddresses(data.addresses);
  const parameters = data.parameters as Record<string, unknown> | undefined;
  const big = (value: unknown, name: string): bigint => {
    if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new TypeError(`${file}: bad ${name}`);
    return BigInt(value);
  };
  return {
    chainId,
    deployer: data.deployer,
    blockNumber: big(data.blockNumber, 'blockNumber'),
    parameters: {
      epochLength: big(parameters?.epochLength, 'parameters.epochLength'),
      taskTimeoutBlocks: big(parameters?.taskTimeoutBlocks, 'parameters.taskTimeoutBlocks'),
      storageFeePerByteEpoch: big(parameters?.storageFeePerByteEpoch, 'parameters.storageFeePerByteEpoch'),
      minGasPrice: big(parameters?.minGasPrice, 'parameters.minGasPrice'),
    },
    addresses: data.addresses,
  };
}
