// The SDK's transactions and reads on the ledger: deploying a secret contract, prepaying fees, creating a
// task. Each write is simulated first, so a revert surfaces as a named contract error before any gas is spent.
import {
  epochsAbi,
  type MosaicAddresses,
  mosaicErrorsAbi,
  mosaicTokenAbi,
  secretContractsAbi,
  tasksAbi,
} from '@mosaic/contracts';
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  type Hex,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { MosaicClientError } from '../errors.js';

export type SigningWallet = WalletClient<Transport, Chain | undefined, Account>;

export interface Ledger {
  publicClient: PublicClient;
  /** Needed for writes; its account pays and calls. */
  walletClient?: SigningWallet;
  addresses: MosaicAddresses;
}

const withErrors = (abi: Abi): Abi => [...abi, ...mosaicErrorsAbi];

function walletOf(ledger: Ledger): SigningWallet {
  if (!ledger.walletClient) throw new MosaicClientError('this operation sends a transaction: connect with an account');
  return ledger.walletClient;
}

/** Simulates, sends and waits for a contract call; reverts become MosaicClientError naming the contract error. */
export async function sendTransaction(
  ledger: Ledger,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
  /** Gas added to the estimate, for a call whose cost depends on state that other senders change meanwhile. */
  extraGas = 0n,
): Promise<TransactionReceipt> {
  const wallet = walletOf(ledger);
  try {
    const call = { address, abi: withErrors(abi), functionName, args, account: wallet.account, chain: wallet.chain };
    let hash: Hex;
    if (extraGas > 0n) {
      // The gas estimate runs the call too and reverts the same way (decoded through the ABI's errors), so it
      // stands in for the simulation: one chain request less on every task created.
      const gas = await ledger.publicClient.estimateContractGas(call as never);
      hash = await wallet.writeContract({ ...call, gas: gas + extraGas } as never);
    } else {
      const { request } = await ledger.publicClient.simulateContract(call as never);
      hash = await wallet.writeContract(request as never);
    }
    const receipt = await ledger.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new MosaicClientError(`${functionName} reverted in ${hash}`);
    return receipt;
  } catch (error) {
    if (error instanceof MosaicClientError) throw error;
    throw new MosaicClientError(`${functionName} failed: ${describeRevert(error)}`, { cause: error });
  }
}

/** The contract error a failed transaction reverted with (name and arguments), if it was one. */
export function revertOf(error: unknown): { name: string; args: readonly unknown[] } | undefined {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof BaseError) {
      const revert = e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
      if (revert?.data?.errorName) return { name: revert.data.errorName, args: revert.data.args ?? [] };
    }
  }
  return undefined;
}

function describeRevert(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError | null;
    if (revert?.data?.errorName) {
      const args = (revert.data.args ?? []).map((a) => (typeof a === 'bigint' ? a.toString() : String(a)));
      return `${revert.data.errorName}(${args.join(', ')})`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

export interface DeployedSecretContract {
  contractId: bigint;
  codeHash: Hex;
  n: number;
  t: number;
  /** The contract takes tasks from this epoch on (the one after its deployment). */
  activeFromEpoch: bigint;
  transactionHash: Hex;
}

export async function deploySecretContract(
  ledger: Ledger,
  codeHash: Hex,
  n: number,
  t: number,
): Promise<DeployedSecretContract> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(codeHash) || /^0x0{64}$/.test(codeHash)) {
    throw new MosaicClientError('codeHash must be a nonzero 32-byte hex value');
  }
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 1 || 2 * t + 1 > n || n > 64) {
    throw new MosaicClientError(`committee (n = ${n}, t = ${t}) needs 1 <= t, 2t + 1 <= n <= 64`);
  }
  const receipt = await sendTransaction(ledger, ledger.addresses.secretContracts, secretContractsAbi, 'deploy', [
    codeHash,
    n,
    t,
  ]);
  const [event] = parseEventLogs({ abi: secretContractsAbi, logs: receipt.logs, eventName: 'ContractDeployed' });
  if (!event) throw new MosaicClientError('deploy: no ContractDeployed event in the receipt');
  return {
    contractId: event.args.id,
    codeHash,
    n,
    t,
    activeFromEpoch: event.args.activeFromEpoch,
    transactionHash: receipt.transactionHash,
  };
}

/** The account's prepaid fee balance in Tasks (MOS, smallest unit). */
export function feeBalance(ledger: Ledger, account?: Address): Promise<bigint> {
  const owner = account ?? ledger.walletClient?.account.address;
  if (!owner) throw new MosaicClientError('feeBalance needs an account');
  return ledger.publicClient.readContract({
    address: ledger.addresses.tasks,
    abi: tasksAbi,
    functionName: 'balanceOf',
    args: [owner],
  });
}

/** Prepays `amount` MOS into Tasks: approves the allowance when short, then Tasks.deposit. */
export async function depositFees(ledger: Ledger, amount: bigint): Promise<TransactionReceipt> {
  if (typeof amount !== 'bigint' || amount <= 0n)
    throw new MosaicClientError('deposit amount must be a positive bigint');
  const owner = walletOf(ledger).account.address;
  const allowance = await ledger.publicClient.readContract({
    address: ledger.addresses.token,
    abi: mosaicTokenAbi,
    functionName: 'allowance',
    args: [owner, ledger.addresses.tasks],
  });
  if (allowance < amount) {
    await sendTransaction(ledger, ledger.addresses.token, mosaicTokenAbi, 'approve', [ledger.addresses.tasks, amount]);
  }
  return sendTransaction(ledger, ledger.addresses.tasks, tasksAbi, 'deposit', [amount]);
}

export interface CreatedTask {
  taskId: bigint;
  /** Block of the createTask transaction, and the epoch it belongs to (whose committee runs the task). */
  blockNumber: bigint;
  epoch: bigint;
  transactionHash: Hex;
}

export interface CreateTaskInput {
  contractId: bigint;
  selector: Hex;
  bundleHash: Hex;
  gasLimit: bigint;
  gasPrice: bigint;
}

/** Tasks.minGasPrice: the lowest gas price createTask accepts now (the owner may change it). */
export function minGasPrice(ledger: Ledger): Promise<bigint> {
  return ledger.publicClient.readContract({
    address: ledger.addresses.tasks,
    abi: tasksAbi,
    functionName: 'minGasPrice',
  });
}

/** A fresh storage slot (22,100) and the checkpoint's event-free bookkeeping, rounded up. */
const CHECKPOINT_GAS = 25_000n;

/** Tasks.createTask: records the task and escrows gasLimit x gasPrice from the prepaid balance. */
export async function createTask(ledger: Ledger, input: CreateTaskInput): Promise<CreatedTask> {
  if (input.gasLimit < 1n || input.gasLimit >= 1n << 64n) throw new MosaicClientError('gasLimit must be in [1, 2^64)');
  if (input.gasPrice < 0n || input.gasPrice >= 1n << 128n)
    throw new MosaicClientError('gasPrice must be in [0, 2^128)');
  // Every 32nd task of a contract also stores a checkpoint (one more storage slot): with other callers creating
  // tasks meanwhile, this one may turn out to be it, so the estimate gets that slot's cost on top.
  const receipt = await sendTransaction(
    ledger,
    ledger.addresses.tasks,
    tasksAbi,
    'createTask',
    [input.contractId, input.selector, input.bundleHash, input.gasLimit, input.gasPrice],
    CHECKPOINT_GAS,
  );
  const [event] = parseEventLogs({ abi: tasksAbi, logs: receipt.logs, eventName: 'TaskCreated' });
  if (!event) throw new MosaicClientError('createTask: no TaskCreated event in the receipt');
  const epoch = await ledger.publicClient.readContract({
    address: ledger.addresses.epochs,
    abi: epochsAbi,
    functionName: 'currentEpoch',
    blockNumber: receipt.blockNumber,
  });
  return {
    taskId: event.args.taskId,
    blockNumber: receipt.blockNumber,
    epoch,
    transactionHash: receipt.transactionHash,
  };
}
