// MosaicClient: the SDK entry point. Connects to a chain (viem clients, or an RPC URL and an account) and to
// any Mosaic node's JSON-RPC; deploys secret contracts; prepays fees; and gives typed handles for calling them.
import { assertMosaicAddresses, type MosaicAddresses } from '@mosaic/contracts';
import type { AnyContract } from '@mosaic/lang';
import {
  bytesToHex,
  nobleAead,
  nobleX25519,
  rpc,
  webCryptoX25519,
  type X25519Provider,
  type XChaChaAead,
} from '@mosaic/protocol';
import {
  type Account,
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { z } from 'zod';
import { type VerifiedCommittee, verifyCommittee } from '../chain/committee.js';
import { DataClient } from '../data/client.js';
import { MosaicClientError } from '../errors.js';
import { NodeConnection, type NodeEndpoint, parseNodeEndpoint, type WebSocketConstructor } from '../rpc/connection.js';
import { parseAnswer } from '../rpc/wire.js';
import { SecretContract } from './contract.js';
import {
  type DeployedSecretContract,
  deploySecretContract,
  depositFees,
  feeBalance,
  type Ledger,
  minGasPrice,
  type SigningWallet,
} from './ledger.js';
import { fetchTaskResult, type PendingTask, type VerifiedResult, type WaitOptions, waitForTask } from './task.js';

export type ChainConnection =
  | { publicClient: PublicClient; walletClient?: SigningWallet }
  | { rpcUrl: string; account?: Account | Hex };

export interface ConnectOptions {
  chain: ChainConnection;
  /** The Mosaic deployment's contract addresses. */
  addresses: MosaicAddresses;
  /** Any node's JSON-RPC endpoint (http(s); WebSocket derived or given). */
  node: string | NodeEndpoint;
  /** X25519 implementation; default: the runtime's Web Crypto when it has X25519, else @noble/curves. */
  x25519?: X25519Provider;
  /** XChaCha20-Poly1305 for stored data's share envelopes; default @noble (on Node, `nodeAead` from @mosaic/node is faster). */
  aead?: XChaChaAead;
  /** WebSocket implementation for subscriptions where the runtime has none (e.g. the `ws` package on Node 20). */
  WebSocket?: WebSocketConstructor;
  /** mosaic_getTask polling interval when no subscription is possible (default 100 ms). */
  pollIntervalMs?: number;
  /**
   * Default gas price for tasks, in MOS smallest units per gas (default 1). A default below the chain's minimum
   * (Tasks.minGasPrice) is raised to it; a price given for one call is never raised (a lower one is an error).
   */
  gasPrice?: bigint;
  /** Timeout of one node RPC request (default 30 s). */
  rpcTimeoutMs?: number;
}

export interface DeployOptions {
  n: number;
  t: number;
}

export interface DeployResult extends DeployedSecretContract {
  /** Whether the node accepted the code (mosaic_putCode); false with `codeError` when it did not. */
  codeStored: boolean;
  codeError?: string;
}

export class MosaicClient {
  private constructor(
    readonly ledger: Ledger,
    readonly node: NodeConnection,
    readonly chainId: bigint,
    readonly x25519: X25519Provider,
    readonly defaults: { gasPrice: bigint; pollIntervalMs: number },
  ) {}

  static async connect(options: ConnectOptions): Promise<MosaicClient> {
    assertMosaicAddresses(options.addresses);
    const { publicClient, walletClient } = await chainClients(options.chain);
    const chainId = BigInt(await publicClient.getChainId());
    const node = new NodeConnection(parseNodeEndpoint(options.node), {
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      ...(options.rpcTimeoutMs ? { timeoutMs: options.rpcTimeoutMs } : {}),
    });
    const x25519 = options.x25519 ?? (await webCryptoX25519()) ?? nobleX25519;
    const gasPrice = options.gasPrice ?? 1n;
    if (typeof gasPrice !== 'bigint' || gasPrice < 0n)
      throw new MosaicClientError('gasPrice must be a non-negative bigint');
    const client = new MosaicClient(
      { publicClient, ...(walletClient ? { walletClient } : {}), addresses: options.addresses },
      node,
      chainId,
      x25519,
      { gasPrice, pollIntervalMs: options.pollIntervalMs ?? 100 },
    );
    client.data = new DataClient(client.ledger, node, chainId, { x25519, aead: options.aead ?? nobleAead });
    return client;
  }

  /** Private data (docs/storage.md): store, load, grant, revoke, list. */
  data!: DataClient;

  /** The connected account (undefined when read-only). */
  get account(): Address | undefined {
    return this.ledger.walletClient?.account.address;
  }

  /**
   * Deploys a compiled secret contract: SecretContracts.deploy(codeHash, n, t) on chain, then its code to the
   * node (mosaic_putCode), which spreads it over the network. The contract takes tasks from the next epoch on.
   */
  async deploy(compiled: AnyContract, options: DeployOptions): Promise<DeployResult> {
    checkCompiled(compiled);
    const deployed = await deploySecretContract(this.ledger, compiled.codeHash, options.n, options.t);
    try {
      await this.sendCode(compiled);
      return { ...deployed, codeStored: true };
    } catch (error) {
      // The chain record stands; the code can be put again (or by anyone holding it) with putCode().
      return { ...deployed, codeStored: false, codeError: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Sends a contract's code to the node again (e.g. after a failed deploy-time upload). */
  async putCode(compiled: AnyContract): Promise<void> {
    checkCompiled(compiled);
    await this.sendCode(compiled);
  }

  private async sendCode(compiled: AnyContract): Promise<void> {
    const params: z.input<typeof rpc.putCode.params> = {
      codeHash: compiled.codeHash,
      code: bytesToHex(compiled.bytes),
    };
    parseAnswer(rpc.putCode.result, await this.node.request(rpc.putCode.name, params), `${rpc.putCode.name} answer`);
  }

  /** A typed handle on deployed contract `id` running `compiled`. */
  contract<C extends AnyContract>(compiled: C, id: bigint): SecretContract<C> {
    checkCompiled(compiled);
    if (typeof id !== 'bigint' || id < 1n) throw new MosaicClientError('contract id must be a positive bigint');
    return new SecretContract(this, compiled, id);
  }

  /** Reads and checks the committee of a contract (default: the current epoch). */
  verifyCommittee(contractId: bigint, epoch?: bigint): Promise<VerifiedCommittee> {
    return verifyCommittee(this.ledger.publicClient, this.ledger.addresses, contractId, epoch);
  }

  /**
   * The gas price a task pays: `requested` when given (an error if below the chain's minimum), else the larger of
   * the client's default and the minimum. The minimum is read once and again after `forgetMinGasPrice`.
   */
  async gasPrice(requested?: bigint): Promise<bigint> {
    this.minimum ??= minGasPrice(this.ledger).catch((error: unknown) => {
      this.minimum = undefined;
      throw error;
    });
    const minimum = await this.minimum;
    if (requested === undefined) return this.defaults.gasPrice > minimum ? this.defaults.gasPrice : minimum;
    if (requested < minimum) {
      throw new MosaicClientError(`gasPrice ${requested} is below the minimum gas price ${minimum} of Tasks`);
    }
    return requested;
  }

  /** Drops the cached minimum gas price (createTask refused a price: the owner raised it). */
  forgetMinGasPrice(): void {
    this.minimum = undefined;
  }

  private minimum: Promise<bigint> | undefined;

  /** Prepaid fee balance in Tasks. */
  balance(account?: Address): Promise<bigint> {
    return feeBalance(this.ledger, account);
  }

  /** Prepays task fees: MOS approve (when needed) + Tasks.deposit. */
  async deposit(amount: bigint): Promise<void> {
    await depositFees(this.ledger, amount);
  }

  /** Waits for a task created earlier and fetches its verified result. */
  async result(task: PendingTask, options: WaitOptions & { expectedCount?: number } = {}): Promise<VerifiedResult> {
    await waitForTask(this.node, task.taskId, { pollIntervalMs: this.defaults.pollIntervalMs, ...options });
    return fetchTaskResult(this.node, task, {
      provider: this.x25519,
      ...(options.expectedCount !== undefined ? { expectedCount: options.expectedCount } : {}),
    });
  }

  async close(): Promise<void> {
    await this.node.close();
  }
}

function checkCompiled(compiled: AnyContract): void {
  if (
    typeof compiled !== 'object' ||
    compiled === null ||
    !(compiled.bytes instanceof Uint8Array) ||
    typeof compiled.codeHash !== 'string' ||
    typeof compiled.functions !== 'object'
  ) {
    throw new MosaicClientError('expected a compiled secret contract (from @mosaic/lang compile or loadContract)');
  }
}

async function chainClients(
  chain: ChainConnection,
): Promise<{ publicClient: PublicClient; walletClient?: SigningWallet }> {
  if ('publicClient' in chain) {
    if (chain.walletClient && !chain.walletClient.account) throw new MosaicClientError('walletClient needs an account');
    return chain.walletClient
      ? { publicClient: chain.publicClient, walletClient: chain.walletClient }
      : { publicClient: chain.publicClient };
  }
  if (typeof chain.rpcUrl !== 'string' || !/^https?:\/\//.test(chain.rpcUrl)) {
    throw new MosaicClientError('chain.rpcUrl must be an http(s) URL');
  }
  const probe = createPublicClient({ transport: http(chain.rpcUrl) });
  const id = await probe.getChainId();
  const definition = defineChain({
    id,
    name: `chain-${id}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [chain.rpcUrl] } },
  });
  // JSON-RPC batching: requests made in the same tick go in one HTTP request (an app with many calls in
  // flight makes many small reads at once; each HTTP request costs more CPU than the read it carries).
  const transport = http(chain.rpcUrl, { batch: { batchSize: 64, wait: 0 } });
  const publicClient = createPublicClient({
    chain: definition,
    transport,
    pollingInterval: 50,
  }) as PublicClient;
  if (chain.account === undefined) return { publicClient };
  let account: Account;
  if (typeof chain.account === 'string') {
    if (!/^0x[0-9a-fA-F]{64}$/.test(chain.account))
      throw new MosaicClientError('account must be a 32-byte hex private key or a viem Account');
    account = privateKeyToAccount(chain.account);
  } else {
    account = chain.account;
  }
  const walletClient = createWalletClient({
    account,
    chain: definition,
    transport,
    pollingInterval: 50,
  });
  return { publicClient, walletClient };
}
