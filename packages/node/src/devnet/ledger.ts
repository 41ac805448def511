/** A real anvil chain with the Mosaic suite deployed, and the few transactions node tests need. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  advanceAnvilEpoch,
  MIN_STAKE,
  type MosaicAddresses,
  mosaicTokenAbi,
  nodeRegistryAbi,
  secretContractsAbi,
} from '@mosaic/contracts';
import { ANVIL_MNEMONIC, type AnvilInstance, deploy, startAnvil } from '@mosaic/contracts/node';
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
  parseEventLogs,
  type TransactionReceipt,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';

export interface TestLedger {
  anvil: AnvilInstance;
  url: string;
  deploymentFile: string;
  addresses: MosaicAddresses;
  deployer: Account;
  client: PublicClient;
  send(
    from: Account,
    address: Address,
    abi: Abi,
    functionName: string,
    args?: readonly unknown[],
  ): Promise<TransactionReceipt>;
  fundEth(to: Address, wei?: bigint): Promise<void>;
  fundMos(to: Address, amount?: bigint): Promise<void>;
  /** Registers, stakes and logs in a node with these keys, as `operator`. */
  registerNode(operator: Account, x25519: Hex, peerIdBytes: Hex): Promise<void>;
  deploySecretContract(codeHash: Hex, n: number, t: number): Promise<bigint>;
  advanceEpoch(): Promise<bigint>;
  mine(blocks: number): Promise<void>;
  stop(): Promise<void>;
}

const NONCE_RACE = /nonce too low|replacement transaction underpriced|already known/i;

export async function startLedger(epochLength = 5n): Promise<TestLedger> {
  const anvil = await startAnvil();
  try {
    const deployer = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-deploy-'));
    const deployment = await deploy({
      rpcUrl: anvil.url,
      account: deployer,
      epochLength,
      taskTimeoutBlocks: 50n,
      storageFeePerByteEpoch: 1n,
      deploymentsDir: dir,
    });
    const chain = { ...foundry, id: anvil.chainId };
    const transport = http(anvil.url);
    const client = createPublicClient({ chain, transport, pollingInterval: 20 }) as PublicClient;
    const testClient = createTestClient({ chain, transport, mode: 'anvil' });
    const a = deployment.addresses;
    const send: TestLedger['send'] = async (from, address, abi, functionName, args = []) => {
      const wallet = createWalletClient({ account: from, chain, transport, pollingInterval: 20 });
      let hash: Hex | undefined;
      for (let attempt = 1; hash === undefined; attempt++) {
        try {
          hash = await wallet.writeContract({ address, abi, functionName, args, account: from, chain });
        } catch (error) {
          // A test may send from a running node's operator account, which the node sends its receipts from
          // too: both can take the same nonce. The loser sends again with the next one.
          if (attempt >= 5 || !NONCE_RACE.test(String((error as Error).message))) throw error;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
      return receipt;
    };
    const ledger: TestLedger = {
      anvil,
      url: anvil.url,
      deploymentFile: deployment.file as string,
      addresses: a,
      deployer,
      client,
      send,
      async fundEth(to, wei = 10n ** 20n) {
        await testClient.setBalance({ address: to, value: wei });
      },
      async fundMos(to, amount = MIN_STAKE) {
        await send(deployer, a.token, mosaicTokenAbi, 'transfer', [to, amount]);
      },
      async registerNode(operator, x25519, peerIdBytes) {
        await ledger.fundEth(operator.address);
        await ledger.fundMos(operator.address);
        await send(operator, a.nodeRegistry, nodeRegistryAbi, 'register', [x25519, peerIdBytes]);
        await send(operator, a.token, mosaicTokenAbi, 'approve', [a.nodeRegistry, MIN_STAKE]);
        await send(operator, a.nodeRegistry, nodeRegistryAbi, 'deposit', [MIN_STAKE]);
        await send(operator, a.nodeRegistry, nodeRegistryAbi, 'login', []);
      },
      async deploySecretContract(codeHash, n, t) {
        const receipt = await send(deployer, a.secretContracts, secretContractsAbi, 'deploy', [codeHash, n, t]);
        const [event] = parseEventLogs({ abi: secretContractsAbi, logs: receipt.logs, eventName: 'ContractDeployed' });
        return event.args.id;
      },
      advanceEpoch: () => advanceAnvilEpoch({ rpcUrl: anvil.url, account: deployer, epochs: a.epochs, chain }),
      async mine(blocks) {
        if (blocks > 0) await testClient.mine({ blocks });
      },
      stop: () => anvil.stop(),
    };
    return ledger;
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
