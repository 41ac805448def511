// A real anvil chain with the real Mosaic contracts, and staked nodes with real X25519 keys (as
// packages/contracts/test/fixture.ts sets them up), for the client's chain tests.
import {
  advanceAnvilEpoch,
  type Deployment,
  deployMosaic,
  MIN_STAKE,
  mosaicTokenAbi,
  nodeRegistryAbi,
} from '@mosaic/contracts';
import { ANVIL_MNEMONIC, type AnvilInstance, startAnvil } from '@mosaic/contracts/node';
import {
  type Abi,
  type Account,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  toHex,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { generateKeyPair, type SigningWallet, type X25519KeyPair } from '../src/index.js';

export interface TestNode {
  account: Account;
  x25519: X25519KeyPair;
  peerId: Hex;
}

export interface ClientTestChain {
  anvil: AnvilInstance;
  publicClient: PublicClient;
  deployment: Deployment;
  accounts: Account[];
  walletOf(account: Account): SigningWallet;
  send(from: Account, address: Address, abi: Abi, functionName: string, args?: readonly unknown[]): Promise<void>;
  mine(blocks: number): Promise<void>;
  /** Mines to the end of the epoch and advances it; returns the new epoch. */
  advanceEpoch(): Promise<bigint>;
  /** Registers, funds, stakes and (optionally) logs in `account` with a fresh X25519 key. */
  setupNode(account: Account, stake?: bigint, login?: boolean): Promise<TestNode>;
  stop(): Promise<void>;
}

export async function startClientChain(): Promise<ClientTestChain> {
  const anvil = await startAnvil();
  try {
    const chain = { ...foundry, id: anvil.chainId };
    const transport = http(anvil.url);
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 }) as PublicClient;
    const testClient = createTestClient({ chain, transport, mode: 'anvil' });
    const accounts = Array.from({ length: 10 }, (_, i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }));
    const wallets = new Map<string, SigningWallet>();
    const walletOf = (account: Account): SigningWallet => {
      let wallet = wallets.get(account.address);
      if (!wallet) {
        wallet = createWalletClient({ account, chain, transport, pollingInterval: 20 });
        wallets.set(account.address, wallet);
      }
      return wallet;
    };
    const deployer = accounts[0]!;
    const deployment = await deployMosaic(walletOf(deployer), publicClient, {
      epochLength: 20n,
      taskTimeoutBlocks: 50n,
      storageFeePerByteEpoch: 10n ** 12n,
    });
    const a = deployment.addresses;
    const send: ClientTestChain['send'] = async (from, address, abi, functionName, args = []) => {
      const hash = await walletOf(from).writeContract({ address, abi, functionName, args, account: from, chain });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
    };
    const mine = async (blocks: number) => {
      if (blocks > 0) await testClient.mine({ blocks });
    };
    return {
      anvil,
      publicClient,
      deployment,
      accounts,
      walletOf,
      send,
      mine,
      advanceEpoch: () => advanceAnvilEpoch({ rpcUrl: anvil.url, account: deployer, epochs: a.epochs }),
      async setupNode(account, stake = MIN_STAKE, login = true) {
        const x25519 = await generateKeyPair();
        const peerId = toHex(`peer:${account.address}`);
        await send(account, a.nodeRegistry, nodeRegistryAbi, 'register', [toHex(x25519.publicKey), peerId]);
        await send(deployer, a.token, mosaicTokenAbi, 'transfer', [account.address, stake]);
        await send(account, a.token, mosaicTokenAbi, 'approve', [a.nodeRegistry, stake]);
        await send(account, a.nodeRegistry, nodeRegistryAbi, 'deposit', [stake]);
        if (login) await send(account, a.nodeRegistry, nodeRegistryAbi, 'login');
        return { account, x25519, peerId };
      },
      stop: () => anvil.stop(),
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
