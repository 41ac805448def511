/**
 * The chain of a local network: anvil with the Mosaic suite deployed, and the few transactions a launcher, a
 * test or a benchmark sends on it (funding, staking, an epoch advance, a secret contract deployment).
 */
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
  type Chain,
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

export interface Ledger {
  anvil: AnvilInstance;
  url: string;
  chain: Chain;
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
  /** Tops `operator` up to the minimum stake, counting what it holds and what it has staked already. */
  fundStake(operator: Address): Promise<void>;
  /** Registers, stakes and logs in a node with these keys, as `operator`. */
  registerNode(operator: Account, x25519: Hex, peerIdBytes: Hex): Promise<void>;
  deploySecretContract(codeHash: Hex, n: number, t: number): Promise<bigint>;
  advanceEpoch(): Promise<bigint>;
  mine(blocks: number): Promise<void>;
  stop(): Promise<void>;
}

/** The name the tests know the ledger by. */
export type TestLedger = Ledger;

/** The deployment parameters of every local network: short epochs, so that tests see several. */
export const localDeployParameters = (epochLength = 5n) => ({
  epochLength,
  taskTimeoutBlocks: 50n,
  storageFeePerByteEpoch: 1n,
});

/** Account #0 of anvil's mnemonic: it deploys the suite and holds the MOS supply. */
export const localDeployer = (): Account => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });

const NONCE_RACE = /nonce too low|replacement transaction underpriced|already known/i;

/** A fresh anvil with the suite deployed (its deployment file in a temporary directory). */
export async function startLedger(epochLength = 5n): Promise<Ledger> {
  const anvil = await startAnvil();
  try {
    const deployment = await deploy({
      rpcUrl: anvil.url,
      account: localDeployer(),
      ...localDeployParameters(epochLength),
      deploymentsDir: await mkdtemp(join(tmpdir(), 'mosaic-deploy-')),
    });
    return ledgerOn(anvil, { addresses: deployment.addresses, file: deployment.file as string });
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** The ledger helpers over a running anvil and the suite deployed on it; stop() stops that anvil. */
export function ledgerOn(anvil: AnvilInstance, deployment: { addresses: MosaicAddresses; file: string }): Ledger {
  const deployer = localDeployer();
  const chain: Chain = { ...foundry, id: anvil.chainId };
  const transport = http(anvil.url);
  const client = createPublicClient({ chain, transport, pollingInterval: 20 }) as PublicClient;
  const testClient = createTestClient({ chain, transport, mode: 'anvil' });
  const a = deployment.addresses;
  const send: Ledger['send'] = async (from, address, abi, functionName, args = []) => {
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
  const ledger: Ledger = {
    anvil,
    url: anvil.url,
    chain,
    deploymentFile: deployment.file,
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
    async fundStake(operator) {
      const [node, balance] = await Promise.all([
        client.readContract({
          address: a.nodeRegistry,
          abi: nodeRegistryAbi,
          functionName: 'nodeOf',
          args: [operator],
        }),
        client.readContract({ address: a.token, abi: mosaicTokenAbi, functionName: 'balanceOf', args: [operator] }),
      ]);
      const held = (node as { stake: bigint }).stake + (balance as bigint);
      if (held < MIN_STAKE) await ledger.fundMos(operator, MIN_STAKE - held);
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
}
