/**
 * What every example script shares: the connection to a Mosaic network (a chain RPC, a node RPC, the
 * deployment's addresses and a funded account), fresh user accounts funded from that account, and the epoch
 * change that activates a newly deployed secret contract.
 */
import { MosaicClient } from '@mosaic/client';
import { advanceAnvilEpoch, epochsAbi, type MosaicAddresses, mosaicTokenAbi } from '@mosaic/contracts';
import { type CompiledContract, type ContractDefinition, compile, type FunctionMap } from '@mosaic/lang';
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  type PublicClient,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { WebSocket } from 'ws';

export interface Connection {
  chainRpcUrl: string;
  /** Any node's JSON-RPC endpoint (http); its WebSocket endpoint is derived. */
  nodeRpcUrl: string;
  addresses: MosaicAddresses;
  /** Private key of an account holding ETH (gas) and MOS (fees): it deploys and funds the example's users. */
  accountKey: Hex;
  /**
   * Starts the next epoch (a test passes its ledger's helper). Default: on anvil, mine to the epoch's end and
   * call Epochs.advanceEpoch (anyone may); on another chain, wait for someone to advance it.
   */
  advanceEpoch?: () => Promise<unknown>;
  /** The committee of the deployed contract (default n = 5, t = 2). */
  committee?: { n: number; t: number };
  /** Progress lines (default console.log); never given a secret input. */
  log?: (line: string) => void;
}

/** A user of an example: its own account and its own SDK connection. */
export interface User {
  name: string;
  account: Account;
  client: MosaicClient;
}

export class Network {
  readonly publicClient: PublicClient;
  readonly chain: Chain;
  readonly log: (line: string) => void;
  readonly committee: { n: number; t: number };
  private readonly clients: MosaicClient[] = [];

  private constructor(
    readonly connection: Connection,
    chainId: number,
  ) {
    this.chain = { ...foundry, id: chainId };
    this.publicClient = createPublicClient({
      chain: this.chain,
      transport: http(connection.chainRpcUrl),
      pollingInterval: 50,
    }) as PublicClient;
    this.log = connection.log ?? ((line) => console.log(line));
    this.committee = connection.committee ?? { n: 5, t: 2 };
  }

  static async open(connection: Connection): Promise<Network> {
    const probe = createPublicClient({ transport: http(connection.chainRpcUrl) });
    return new Network(connection, await probe.getChainId());
  }

  /** The funded account of the connection (it deploys the contracts and funds the users). */
  get owner(): Account {
    return privateKeyToAccount(this.connection.accountKey);
  }

  /** An SDK connection for `key`. */
  async connect(key: Hex): Promise<MosaicClient> {
    const client = await MosaicClient.connect({
      chain: { rpcUrl: this.connection.chainRpcUrl, account: key },
      addresses: this.connection.addresses,
      node: this.connection.nodeRpcUrl,
      WebSocket: WebSocket as never,
    });
    this.clients.push(client);
    return client;
  }

  /**
   * `names.length` fresh users (keys from the CSPRNG), each given a little ETH for gas and MOS for task fees
   * by the connection's account.
   */
  async users(names: readonly string[], { eth = 10n ** 17n, mos = 10n ** 18n } = {}): Promise<User[]> {
    const owner = this.owner;
    const wallet = createWalletClient({
      account: owner,
      chain: this.chain,
      transport: http(this.connection.chainRpcUrl),
    });
    const users: User[] = [];
    for (const name of names) {
      const key = generatePrivateKey();
      const account = privateKeyToAccount(key);
      const funded = await wallet.sendTransaction({
        account: owner,
        chain: this.chain,
        to: account.address,
        value: eth,
      });
      await this.confirm(funded);
      const transfer = await wallet.writeContract({
        account: owner,
        chain: this.chain,
        address: this.connection.addresses.token,
        abi: mosaicTokenAbi,
        functionName: 'transfer',
        args: [account.address, mos],
      });
      await this.confirm(transfer);
      users.push({ name, account, client: await this.connect(key) });
    }
    return users;
  }

  async confirm(hash: Hex): Promise<void> {
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
  }

  /**
   * Deploys an Ethereum contract that a secret contract's receipts call (`constructor(...args)`, then
   * `bind(contractId)` by the same account), and the secret contract `secretContract(address)` that names it,
   * with the connection's account. The secret contract is active from the next epoch.
   */
  async deployBound<Fns extends FunctionMap>(options: {
    name: string;
    abi: Abi;
    bytecode: Hex;
    args: readonly unknown[];
    secretContract: (address: Address) => ContractDefinition<Fns>;
  }): Promise<{ address: Address; compiled: CompiledContract<Fns>; contractId: bigint; client: MosaicClient }> {
    const owner = this.owner;
    const wallet = createWalletClient({
      account: owner,
      chain: this.chain,
      transport: http(this.connection.chainRpcUrl),
    });
    const hash = await wallet.deployContract({
      account: owner,
      chain: this.chain,
      abi: options.abi,
      bytecode: options.bytecode,
      args: options.args,
    });
    const deployed = await this.publicClient.waitForTransactionReceipt({ hash });
    if (deployed.status !== 'success' || !deployed.contractAddress)
      throw new Error(`${options.name} deployment failed`);
    const address = getAddress(deployed.contractAddress);
    this.log(`${options.name} deployed at ${address}`);
    // The secret contract's code names the address; the Ethereum contract is bound to the secret contract's id.
    const compiled = compile(options.secretContract(address));
    const client = await this.connect(this.connection.accountKey);
    const { contractId } = await client.deploy(compiled, this.committee);
    await this.confirm(
      await wallet.writeContract({
        account: owner,
        chain: this.chain,
        address,
        abi: options.abi,
        functionName: 'bind',
        args: [contractId],
      }),
    );
    this.log(`deployed ${compiled.name} as secret contract ${contractId}, bound to ${options.name}`);
    return { address, compiled, contractId, client };
  }

  async currentEpoch(): Promise<bigint> {
    return (await this.publicClient.readContract({
      address: this.connection.addresses.epochs,
      abi: epochsAbi,
      functionName: 'currentEpoch',
    })) as bigint;
  }

  /** Waits until the epoch after the current one has started (a contract deployed now is active then). */
  async nextEpoch(timeoutMs = 120_000): Promise<bigint> {
    const target = (await this.currentEpoch()) + 1n;
    if (this.connection.advanceEpoch) {
      await this.connection.advanceEpoch();
    } else if (await this.isAnvil()) {
      await advanceAnvilEpoch({
        rpcUrl: this.connection.chainRpcUrl,
        account: this.owner,
        epochs: this.connection.addresses.epochs,
        chain: this.chain,
      });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const epoch = await this.currentEpoch();
      if (epoch >= target) return epoch;
      if (Date.now() > deadline) throw new Error(`epoch ${target} has not started after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async isAnvil(): Promise<boolean> {
    try {
      const version = await this.publicClient.request({ method: 'web3_clientVersion' } as never);
      return /anvil/i.test(String(version));
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.close()));
  }
}

/** Runs `work` for every item, at most `limit` at a time (distinct users call concurrently, as they would). */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
