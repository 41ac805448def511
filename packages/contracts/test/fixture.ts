// A real anvil chain with the suite deployed, plus the small helpers tests and the gas bench share.
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  toHex,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import {
  type Deployment,
  type DeployParameters,
  deployMosaic,
  epochsAbi,
  MIN_STAKE,
  mosaicErrorsAbi,
  mosaicTokenAbi,
  nodeRegistryAbi,
} from '../src/index.js';
import { ANVIL_MNEMONIC, type AnvilInstance, startAnvil } from '../src/node.js';

export const DEFAULT_PARAMETERS: DeployParameters = {
  epochLength: 20n,
  taskTimeoutBlocks: 50n,
  storageFeePerByteEpoch: 10n ** 12n,
};

export type Contract = { address: Address; abi: Abi };

export interface TestChain {
  anvil: AnvilInstance;
  publicClient: PublicClient;
  deployment: Deployment;
  deployer: Account;
  /** Anvil's funded dev accounts 0..9 (0 is the deployer). */
  accounts: Account[];
  c: {
    token: Contract;
    nodeRegistry: Contract;
    epochs: Contract;
    secretContracts: Contract;
    tasks: Contract;
    dataRegistry: Contract;
  };
  send(from: Account, contract: Contract, functionName: string, args?: readonly unknown[]): Promise<TransactionReceipt>;
  read<T = unknown>(contract: Contract, functionName: string, args?: readonly unknown[]): Promise<T>;
  mine(blocks: number): Promise<void>;
  blockNumber(): Promise<bigint>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  /** The wallet client that signs for `account` (for deployments and raw transactions). */
  walletOf(account: Account): ReturnType<typeof createWalletClient>;
  /** A fresh account with ETH for gas (deterministic from `label`). */
  newAccount(label: string): Promise<Account>;
  stop(): Promise<void>;
}

export async function startChain(parameters: Partial<DeployParameters> = {}): Promise<TestChain> {
  const anvil = await startAnvil();
  try {
    const chain = { ...foundry, id: anvil.chainId };
    const transport = http(anvil.url);
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 }) as PublicClient;
    const testClient = createTestClient({ chain, transport, mode: 'anvil' });
    const accounts = Array.from({ length: 10 }, (_, i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }));
    const deployer = accounts[0]!;
    const wallets = new Map<string, ReturnType<typeof createWalletClient>>();
    const walletOf = (account: Account) => {
      let wallet = wallets.get(account.address);
      if (!wallet) {
        wallet = createWalletClient({ account, chain, transport, pollingInterval: 20 });
        wallets.set(account.address, wallet);
      }
      return wallet;
    };
    const deployWallet = createWalletClient({ account: deployer, chain, transport, pollingInterval: 20 });
    const deployment = await deployMosaic(deployWallet, publicClient, { ...DEFAULT_PARAMETERS, ...parameters });
    const a = deployment.addresses;
    const { dataRegistryAbi, secretContractsAbi, tasksAbi } = await import('../src/index.js');
    const withErrors = (abi: Abi): Abi => [...abi, ...mosaicErrorsAbi];
    const c = {
      token: { address: a.token, abi: withErrors(mosaicTokenAbi) },
      nodeRegistry: { address: a.nodeRegistry, abi: withErrors(nodeRegistryAbi) },
      epochs: { address: a.epochs, abi: withErrors(epochsAbi) },
      secretContracts: { address: a.secretContracts, abi: withErrors(secretContractsAbi) },
      tasks: { address: a.tasks, abi: withErrors(tasksAbi) },
      dataRegistry: { address: a.dataRegistry, abi: withErrors(dataRegistryAbi) },
    };
    return {
      anvil,
      publicClient,
      deployment,
      deployer,
      accounts,
      c,
      walletOf,
      async send(from, contract, functionName, args = []) {
        const hash = await walletOf(from).writeContract({
          address: contract.address,
          abi: contract.abi,
          functionName,
          args,
          account: from,
          chain,
        });
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        if (receipt.status !== 'success') throw new Error(`${functionName} reverted in ${hash}`);
        return receipt;
      },
      read(contract, functionName, args = []) {
        return publicClient.readContract({ address: contract.address, abi: contract.abi, functionName, args }) as never;
      },
      async mine(blocks) {
        if (blocks > 0) await testClient.mine({ blocks });
      },
      blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),
      snapshot: () => testClient.snapshot(),
      async revert(id) {
        await testClient.revert({ id });
      },
      async newAccount(label) {
        const account = privateKeyToAccount(keccak256(toHex(`mosaic-test:${label}`)));
        await testClient.setBalance({ address: account.address, value: 10n ** 21n });
        return account;
      },
      stop: () => anvil.stop(),
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** Expects `promise` to revert with custom error `errorName` (decoded across every contract of the suite). */
export async function expectRevert(promise: Promise<unknown>, errorName: string, args?: readonly unknown[]) {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected revert ${errorName}, but the call succeeded`);
  const decoded = decodeRevert(caught);
  if (decoded?.errorName !== errorName) {
    const message = caught instanceof Error ? caught.message.split('\n').slice(0, 4).join(' | ') : String(caught);
    throw new Error(`expected revert ${errorName}, got ${decoded?.errorName ?? 'no custom error'}: ${message}`);
  }
  if (args !== undefined) {
    const got = JSON.stringify(decoded.args ?? [], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const want = JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    if (got.toLowerCase() !== want.toLowerCase()) throw new Error(`${errorName} args ${got}, expected ${want}`);
  }
}

function decodeRevert(error: unknown): { errorName: string; args?: readonly unknown[] } | undefined {
  if (!(error instanceof BaseError)) return undefined;
  let raw: Hex | undefined;
  error.walk((e) => {
    const candidate = (e as { raw?: unknown; data?: unknown }).raw ?? (e as { data?: unknown }).data;
    if (typeof candidate === 'string' && candidate.startsWith('0x') && candidate.length >= 10) {
      raw = candidate as Hex;
      return true;
    }
    const nested = (e as { data?: { errorName?: string; args?: readonly unknown[] } }).data;
    if (nested && typeof nested === 'object' && typeof nested.errorName === 'string') return true;
    return false;
  });
  if (raw) {
    try {
      const decoded = decodeErrorResult({ abi: mosaicErrorsAbi, data: raw });
      return { errorName: decoded.errorName, args: decoded.args as readonly unknown[] | undefined };
    } catch {
      return undefined;
    }
  }
  let found: { errorName: string; args?: readonly unknown[] } | undefined;
  error.walk((e) => {
    const nested = (e as { data?: { errorName?: string; args?: readonly unknown[] } }).data;
    if (nested && typeof nested === 'object' && typeof nested.errorName === 'string') {
      found = { errorName: nested.errorName, args: nested.args };
      return true;
    }
    return false;
  });
  return found;
}

/** The decoded events named `eventName` in a receipt. */
export function eventsOf(contract: Contract, receipt: TransactionReceipt, eventName: string) {
  return parseEventLogs({ abi: contract.abi, logs: receipt.logs, eventName }).filter(
    (log) => log.address.toLowerCase() === contract.address.toLowerCase(),
  ) as unknown as { args: Record<string, unknown>; blockNumber: bigint }[];
}

export const MOS = 10n ** 18n;

/** Registers `account` as a node with deterministic keys, funds and stakes `stake`, optionally logs in. */
export async function setupNode(chain: TestChain, account: Account, stake: bigint = MIN_STAKE, login = true) {
  const x25519 = keccak256(toHex(`x25519:${account.address}`));
  const peerId = keccak256(toHex(`peer:${account.address}`));
  await chain.send(account, chain.c.nodeRegistry, 'register', [x25519, peerId]);
  await chain.send(chain.deployer, chain.c.token, 'transfer', [account.address, stake]);
  await chain.send(account, chain.c.token, 'approve', [chain.c.nodeRegistry.address, stake]);
  await chain.send(account, chain.c.nodeRegistry, 'deposit', [stake]);
  if (login) await chain.send(account, chain.c.nodeRegistry, 'login', []);
  return { x25519, peerId };
}

/** Opens the next epoch (snapshot, then the seed step SEED_DELAY blocks later); returns the new epoch number. */
export async function advanceEpoch(chain: TestChain): Promise<bigint> {
  const target = await chain.read<bigint>(chain.c.epochs, 'epochCount');
  for (let step = 0; step < 2 && (await chain.read<bigint>(chain.c.epochs, 'epochCount')) === target; step++) {
    const next = await chain.read<bigint>(chain.c.epochs, 'nextAdvanceBlock');
    const now = await chain.blockNumber();
    // The step's transaction is mined in block now + 1.
    if (next > now + 1n) await chain.mine(Number(next - now - 1n));
    await chain.send(chain.deployer, chain.c.epochs, 'advanceEpoch', []);
  }
  if ((await chain.read<bigint>(chain.c.epochs, 'epochCount')) !== target + 1n)
    throw new Error('epoch did not advance');
  await chain.mine(1); // the new epoch begins in the block after the seed step
  return chain.read<bigint>(chain.c.epochs, 'currentEpoch');
}
