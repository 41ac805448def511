// A typed handle on a deployed secret contract: `contract.call.bid({ amount: 1200n })` runs the whole task flow
// (docs/architecture.md, "Call a secret contract, end to end"): verify the committee on chain, share the secret arguments at degree t and seal them to
// the members, Tasks.createTask, submit the bundle to the node, follow progress, verify and reconstruct the
// private outputs and decode everything with the contract's types.

import { epochsAbi, secretContractsAbi } from '@mosaic/contracts';
import {
  type AnyContract,
  type ArgsOf,
  costOf,
  decodeOutputs,
  decodePublicOutputs,
  encodeArgs,
  type FunctionName,
  type PrivateResultOf,
  type PublicResultOf,
  privateOutputSizes,
} from '@mosaic/lang';
import { vec } from '@mosaic/mpc';
import { encodePublicArgs, sealTaskBundle } from '@mosaic/protocol';
import type { VerifiedCommittee } from '../chain/committee.js';
import { MosaicClientError, TaskFailedError } from '../errors.js';
import type { BadMember } from '../result/reconstruct.js';
import type { MosaicClient } from './client.js';
import { createTask, revertOf } from './ledger.js';
import {
  fetchTaskResult,
  type PendingTask,
  type ProgressListener,
  splitOutputs,
  submitBundle,
  type VerifiedResult,
  waitForTask,
} from './task.js';

export interface CallOptions {
  /** Most gas the committee may charge (default: the cost model's estimate for the function). */
  gasLimit?: bigint;
  /** MOS per gas, at least Tasks.minGasPrice (default: the client's, raised to that minimum). */
  gasPrice?: bigint;
  /** Deposit the missing fee into Tasks before creating the task (default false: throw instead). */
  autoDeposit?: boolean;
  onProgress?: ProgressListener;
  /** Give up waiting after this long (default 120 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FeeEstimate {
  gasLimit: bigint;
  gasPrice: bigint;
  /** gasLimit x gasPrice: escrowed at createTask; the unused part is refunded at the receipt. */
  fee: bigint;
  /** The caller's prepaid balance now, and what is missing for this call. */
  balance: bigint;
  shortfall: bigint;
}

export interface CallResult<C extends AnyContract, K extends FunctionName<C>> {
  taskId: bigint;
  /** Private and public outputs together, typed from the contract. */
  outputs: PrivateResultOf<C, K> & PublicResultOf<C, K>;
  privateOutputs: PrivateResultOf<C, K>;
  publicOutputs: PublicResultOf<C, K>;
  /** Members whose result was missing or wrong (the result stands without them). */
  badMembers: BadMember[];
  warnings: string[];
  authenticated: boolean;
  status: VerifiedResult['status'];
  gasUsed?: bigint;
  /** Everything needed to fetch the result again; holds the result secret key. */
  task: PendingTask;
}

export type CallApi<C extends AnyContract> = {
  readonly [K in FunctionName<C>]: (args: ArgsOf<C, K>, options?: CallOptions) => Promise<CallResult<C, K>>;
};

export type EstimateApi<C extends AnyContract> = {
  readonly [K in FunctionName<C>]: (options?: { gasPrice?: bigint }) => Promise<FeeEstimate>;
};

/** The gas of one call of `fn` from lang's cost model, for the contract's committee (n, t). */
export function gasEstimateOf(compiled: AnyContract, fn: string, committee: { n: number; t: number }): bigint {
  return BigInt(costOf(compiled, fn, committee).gas);
}

/** How long a verified committee is reused within its epoch. */
const COMMITTEE_TTL_MS = 30_000;

export class SecretContract<C extends AnyContract> {
  readonly call: CallApi<C>;
  readonly estimate: EstimateApi<C>;
  private params: Promise<{ n: number; t: number }> | undefined;
  private verified: { committee: VerifiedCommittee; at: number } | undefined;

  constructor(
    private readonly client: MosaicClient,
    readonly compiled: C,
    readonly id: bigint,
  ) {
    const call: Record<string, unknown> = {};
    const estimate: Record<string, unknown> = {};
    for (const name of Object.keys(compiled.functions)) {
      call[name] = (args: unknown, options?: CallOptions) =>
        this.invoke(name as FunctionName<C>, args as never, options);
      estimate[name] = (options?: { gasPrice?: bigint }) => this.estimateFee(name, options?.gasPrice);
    }
    this.call = Object.freeze(call) as CallApi<C>;
    this.estimate = Object.freeze(estimate) as EstimateApi<C>;
  }

  /**
   * The verified committee for the current epoch; also checks it runs this contract's code. An epoch's
   * committee is fixed (seed and snapshot), so a verification is reused within the epoch for a short while
   * (the members' stake and registration are checked again after COMMITTEE_TTL_MS).
   */
  async committee(): Promise<VerifiedCommittee> {
    const epoch = await this.client.ledger.publicClient.readContract({
      address: this.client.ledger.addresses.epochs,
      abi: epochsAbi,
      functionName: 'currentEpoch',
    });
    const cached = this.verified;
    if (cached && cached.committee.epoch === epoch && Date.now() - cached.at < COMMITTEE_TTL_MS) {
      return cached.committee;
    }
    const committee = await this.client.verifyCommittee(this.id, epoch);
    if (committee.codeHash.toLowerCase() !== this.compiled.codeHash.toLowerCase()) {
      throw new MosaicClientError(
        `secret contract ${this.id} has code hash ${committee.codeHash}, not ${this.compiled.codeHash} (${this.compiled.name})`,
      );
    }
    this.verified = { committee, at: Date.now() };
    return committee;
  }

  /** (n, t) of the contract, from SecretContracts (cached: they never change). */
  private async committeeParams(): Promise<{ n: number; t: number }> {
    this.params ??= this.client.ledger.publicClient
      .readContract({
        address: this.client.ledger.addresses.secretContracts,
        abi: secretContractsAbi,
        functionName: 'committeeParams',
        args: [this.id],
      })
      .then(([n, t]) => ({ n, t }))
      .catch((cause: unknown) => {
        this.params = undefined;
        throw new MosaicClientError(`secret contract ${this.id} is not deployed on this chain`, { cause });
      });
    return this.params;
  }

  /** The fee of one call, shown to the caller before paying (estimate.<fn>()). */
  async estimateFee(fn: string, gasPrice?: bigint, gasLimit?: bigint): Promise<FeeEstimate> {
    if (!Object.hasOwn(this.compiled.functions, fn))
      throw new MosaicClientError(`${this.compiled.name} has no function ${fn}`);
    const limit = gasLimit ?? gasEstimateOf(this.compiled, fn, await this.committeeParams());
    const price = await this.client.gasPrice(gasPrice);
    const fee = limit * price;
    const balance = this.client.account ? await this.client.balance() : 0n;
    return { gasLimit: limit, gasPrice: price, fee, balance, shortfall: fee > balance ? fee - balance : 0n };
  }

  private async invoke<K extends FunctionName<C>>(
    fn: K,
    args: ArgsOf<C, K>,
    options: CallOptions = {},
  ): Promise<CallResult<C, K>> {
    const progress = options.onProgress ?? (() => {});
    const info = this.compiled.functions[fn];
    if (!info) throw new MosaicClientError(`${this.compiled.name} has no function ${fn}`);
    // Encode first: a bad argument fails before any chain read or payment.
    const encoded = encodeArgs(this.compiled, fn, args);
    const privateSizes = privateOutputSizes(this.compiled, fn);
    const committee = await this.committee();
    progress({ stage: 'verified' });

    // The prepaid balance is not read up front: createTask reverts with InsufficientBalance when it is short,
    // and only then is the shortfall deposited (autoDeposit) or reported. One chain read less per call.
    const gasLimit = options.gasLimit ?? gasEstimateOf(this.compiled, fn, await this.committeeParams());
    let gasPrice = await this.client.gasPrice(options.gasPrice);

    const caller = this.client.account;
    if (!caller) throw new MosaicClientError('calling a secret contract needs an account (the task is paid by it)');
    const resultKeyPair = await this.client.x25519.generateKeyPair();
    const sealed = await sealTaskBundle({
      chainId: this.client.chainId,
      tasks: this.client.ledger.addresses.tasks,
      caller,
      contractId: this.id,
      selector: info.selector,
      epoch: committee.epoch,
      t: committee.t,
      committee: committee.members,
      secretArgs: vec.fromBigInts(encoded.secret.flat()),
      publicArgs: encodePublicArgs(encoded.public),
      resultKeyPair,
      provider: this.client.x25519,
    });
    progress({ stage: 'sealed' });

    const create = () =>
      createTask(this.client.ledger, {
        contractId: this.id,
        selector: info.selector,
        bundleHash: sealed.hash,
        gasLimit,
        gasPrice,
      });
    let created: Awaited<ReturnType<typeof createTask>>;
    try {
      created = await create().catch(async (error: unknown) => {
        // The owner raised the minimum since it was read: a default price follows it, a chosen one does not.
        if (revertOf(error)?.name !== 'GasPriceBelowMinimum' || options.gasPrice !== undefined) throw error;
        this.client.forgetMinGasPrice();
        gasPrice = await this.client.gasPrice();
        return create();
      });
    } catch (error) {
      const revert = revertOf(error);
      if (revert?.name !== 'InsufficientBalance') throw error;
      const [available, required] = revert.args as [bigint, bigint];
      const shortfall = required - available;
      if (!options.autoDeposit) {
        throw new MosaicClientError(
          `prepaid balance ${available} is below the fee ${required} (${gasLimit} gas x ${gasPrice}): deposit ${shortfall} or pass autoDeposit`,
        );
      }
      await this.client.deposit(shortfall);
      created = await create();
    }
    if (created.epoch !== committee.epoch) {
      // The bundle is sealed to the previous epoch's committee: members will skip it. It is still delivered, so
      // that they skip it at once instead of waiting for it (the contract's later tasks queue behind it).
      await submitBundle(this.client.node, created.taskId, sealed.bytes, sealed.hash).catch(() => {});
      throw new TaskFailedError(
        `the epoch advanced (${committee.epoch} -> ${created.epoch}) between sealing and createTask; task ${created.taskId} will be skipped and refunded: call again`,
        created.taskId,
        'epoch-changed',
      );
    }
    const task: PendingTask = {
      chainId: this.client.chainId,
      tasks: this.client.ledger.addresses.tasks,
      contractId: this.id,
      selector: info.selector,
      epoch: created.epoch,
      taskId: created.taskId,
      bundleHash: sealed.hash,
      t: committee.t,
      operators: committee.members.map((m) => m.operator),
      resultKeyPair,
    };
    progress({ stage: 'created', taskId: task.taskId });
    await submitBundle(this.client.node, task.taskId, sealed.bytes, sealed.hash);
    progress({ stage: 'submitted', taskId: task.taskId });

    await waitForTask(this.client.node, task.taskId, {
      onProgress: (p) => {
        if (p.stage !== 'created' && p.stage !== 'submitted') progress(p);
      },
      pollIntervalMs: this.client.defaults.pollIntervalMs,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const result = await fetchTaskResult(this.client.node, task, {
      expectedCount: privateSizes.reduce((a, b) => a + b, 0),
      provider: this.client.x25519,
    });
    const privateOutputs = decodeOutputs(this.compiled, fn, splitOutputs(result.outputs, privateSizes));
    const publicOutputs = decodePublicOutputs(this.compiled, fn, result.publicOutput);
    progress({
      stage: 'reconstructed',
      taskId: task.taskId,
      ...(result.badMembers.length ? { detail: result.warnings.join('; ') } : {}),
    });
    return {
      taskId: task.taskId,
      outputs: { ...privateOutputs, ...publicOutputs },
      privateOutputs,
      publicOutputs,
      badMembers: result.badMembers,
      warnings: result.warnings,
      authenticated: result.authenticated,
      status: result.status,
      ...(result.gasUsed !== undefined ? { gasUsed: result.gasUsed } : {}),
      task,
    };
  }
}
