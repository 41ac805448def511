// Node-only entry point (@mosaic/contracts/node): the anvil launcher, deployments files, and `deploy`, which
// deploys the suite to any JSON-RPC endpoint and records the addresses in <deploymentsDir>/<chainId>.json.
import { type Account, createPublicClient, createWalletClient, defineChain, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type Deployment, type DeployParameters, deployMosaic } from './deploy.js';
import { writeDeployment } from './deployments.js';

export { ANVIL_MNEMONIC, type AnvilInstance, type AnvilOptions, anvilBinaryPath, startAnvil } from './anvil.js';
export { killOnExit } from './child-processes.js';
export { deploymentFile, readDeployment, writeDeployment } from './deployments.js';

export interface DeployOptions extends DeployParameters {
  /** JSON-RPC endpoint (http or https). */
  rpcUrl: string;
  /** The deployer: a viem account or a 32-byte private key. */
  account: Account | Hex;
  /** Where to write <chainId>.json; omitted: no file is written. */
  deploymentsDir?: string;
}

export async function deploy(options: DeployOptions): Promise<Deployment & { file?: string }> {
  if (typeof options.rpcUrl !== 'string' || !/^https?:\/\//.test(options.rpcUrl)) {
    throw new TypeError('rpcUrl must be an http(s) URL');
  }
  const account =
    typeof options.account === 'string'
      ? privateKeyToAccount(assertPrivateKey(options.account))
      : (options.account ?? assertNever());
  const probe = createPublicClient({ transport: http(options.rpcUrl) });
  const chainId = await probe.getChainId();
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(options.rpcUrl) });
  const wallet = createWalletClient({ account, chain, transport: http(options.rpcUrl) });
  const deployment = await deployMosaic(wallet, publicClient, options);
  if (options.deploymentsDir === undefined) return deployment;
  return { ...deployment, file: await writeDeployment(options.deploymentsDir, deployment) };
}

function assertPrivateKey(key: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new TypeError('account must be a 32-byte hex private key or an Account');
  return key as Hex;
}

function assertNever(): never {
  throw new TypeError('account is required');
}
