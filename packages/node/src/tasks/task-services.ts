/**
 * The task side of the node, composed: intake (Tasks' events into the task book), the bundle relay, the
 * contract runners, task execution, batch proposals, result envelopes and receipts, and the contract-state
 * epoch handovers they schedule. Each service is handed only the components it needs.
 */
import type { Logger } from 'pino';
import type { ChainClients } from '../chain/deployment.js';
import type { AnyChainEvent } from '../chain/events.js';
import type { ChainMembership } from '../chain/membership.js';
import type { SecretContractIndex } from '../chain/secret-contracts.js';
import type { Store, WriteBatch } from '../db/store.js';
import { ContractStateHandovers } from '../epoch/contract-state-handovers.js';
import type { AtRestRoots } from '../keys/at-rest-keyring.js';
import type { NodeKeys } from '../keys/keystore.js';
import type { Host } from '../p2p/host.js';
import type { CommitteeSessions } from '../sessions/committee-sessions.js';
import { BatchProposalHandler, BatchProposer } from './batch-proposals.js';
import { BundleRelay } from './bundle-relay.js';
import type { ContractModules } from './contract-modules.js';
import { ContractRunners } from './contract-runner.js';
import { ReceiptBatcher } from './receipt-batcher.js';
import { TaskResults } from './results.js';
import type { StoredInputSource } from './run-task.js';
import { StateStore } from './state-store.js';
import { isFinal, type TaskBook } from './task-book.js';
import { TaskExecution } from './task-execution.js';
import { TaskIntake } from './task-intake.js';

export interface TaskServicesComponents {
  host: Host;
  store: Store;
  chain: ChainClients;
  committees: Pick<ChainMembership, 'committee'>;
  secretContracts: Pick<SecretContractIndex, 'all'>;
  sessions: CommitteeSessions;
  keys: NodeKeys;
  /** The at-rest key roots contract state is sealed under (default: the X25519 secret key alone). */
  atRest?: AtRestRoots;
  book: TaskBook;
  modules: ContractModules;
  /** Where tasks' stored inputs come from (storage/stored-inputs.ts). */
  storedInputs?: StoredInputSource;
  logger: Logger;
}

/** The `tasks` section of the node's configuration (config/schema.ts). */
export interface TaskSettings {
  /** How long a member waits for a task's bundle before running it as "no input" (skipped). Default 20 s. */
  bundleTimeoutMs?: number;
  /** Round time-out in task sessions (default 20 s). */
  roundTimeoutMs?: number;
  maxBatch?: number;
  maxBatchDelayMs?: number;
  /** How long each member after the leader waits, in seat order, before it commits receipts itself (10 s). */
  receiptFailoverMs?: number;
  /** Batches (sessions) of one stateless contract run at once at most (default 2); a stateful contract runs one task at a time. */
  maxConcurrent?: number;
  /** How long an epoch handover waits for both committees (default 120 s). */
  handoverTimeoutMs?: number;
  /** Tasks of one function of a stateless contract run in one session at most (default 32). */
  maxBatchTasks?: number;
}

export class TaskServices {
  private constructor(
    readonly book: TaskBook,
    readonly intake: TaskIntake,
    readonly relay: BundleRelay,
    readonly results: TaskResults,
    readonly receipts: ReceiptBatcher,
    readonly runners: ContractRunners,
    private readonly proposer: BatchProposer,
    private readonly proposals: BatchProposalHandler,
    private readonly cleanups: (() => unknown)[],
  ) {}

  /**
   * Builds the task services, serves their protocols and resumes the work this node must still do. Call before
   * the chain listener starts: `onEvent` must see every TaskCreated.
   */
  static async start(c: TaskServicesComponents, settings: TaskSettings = {}): Promise<TaskServices> {
    const { host, store, chain, committees, keys, book, modules, logger } = c;
    const self = keys.peerId;
    const state = new StateStore(store, c.atRest ?? keys.x25519SecretKey);
    const handovers = new ContractStateHandovers({
      store,
      state,
      committees,
      secretContracts: c.secretContracts,
      modules,
      tasksCreatedAt: async (contractId, block) =>
        (await chain.contracts.tasks.read.queueOf([contractId], { blockNumber: block }))[0],
      sessions: c.sessions,
      self,
      logger,
      ...(settings.handoverTimeoutMs === undefined ? {} : { timeoutMs: settings.handoverTimeoutMs }),
    });
    const receipts = new ReceiptBatcher({
      host,
      book,
      chain,
      membership: committees,
      keys,
      logger,
      ...(settings.maxBatch === undefined ? {} : { maxBatch: settings.maxBatch }),
      ...(settings.maxBatchDelayMs === undefined ? {} : { maxDelayMs: settings.maxBatchDelayMs }),
      ...(settings.receiptFailoverMs === undefined ? {} : { failoverMs: settings.receiptFailoverMs }),
    });
    const relay = new BundleRelay({ host, book, committees, self, logger, ...pick(settings, 'bundleTimeoutMs') });
    const results = new TaskResults({ host, store, book, committees, self, logger });
    const execution = new TaskExecution({
      store,
      book,
      state,
      modules,
      committees,
      bundles: relay,
      sessions: c.sessions,
      results,
      receipts,
      ...(c.storedInputs ? { storedInputs: c.storedInputs } : {}),
      ledger: { chainId: BigInt(chain.deployment.chainId), tasks: chain.deployment.addresses.tasks },
      keys,
      logger,
      ...pick(settings, 'roundTimeoutMs'),
    });
    const proposer = new BatchProposer({ host, committees, logger });
    const runners = new ContractRunners({
      book,
      handovers,
      modules,
      execution,
      proposer,
      logger,
      limits: pick(settings, 'bundleTimeoutMs', 'maxConcurrent', 'maxBatchTasks'),
    });
    const proposals = new BatchProposalHandler({ host, book, committees, modules, runners, logger });
    const intake = new TaskIntake({
      book,
      committees,
      epochAtBlock: (block) => chain.contracts.epochs.read.currentEpoch({ blockNumber: block }),
      handovers,
      runners,
      self,
      logger,
    });
    const cleanups: (() => unknown)[] = [];
    // A batch leader waits for bundles before it proposes their tasks.
    cleanups.push(relay.onArrival((entry) => entry.member === 1 && runners.kick(entry.contractId)));
    const services = new TaskServices(book, intake, relay, results, receipts, runners, proposer, proposals, cleanups);
    await receipts.start();
    await relay.start();
    await proposals.start();
    await results.start();
    // Resume: every contract with a task this node must still run, or a handover.
    for await (const [, entry] of book.entries.entries()) {
      if (entry.member > 0 && !isFinal(entry)) runners.kick(entry.contractId);
    }
    for await (const contractId of handovers.pendingContracts()) runners.kick(contractId);
    return services;
  }

  /** Every chain event, in chain order, in the listener's batch (subscribe with ChainListener.onAny). */
  onEvent(event: AnyChainEvent, batch: WriteBatch): Promise<void> {
    return this.intake.onEvent(event, batch);
  }

  /** Called for every chain event (node.onChainEvent), before its batch is written. */
  afterEvent(event: AnyChainEvent): void {
    if (event.contract === 'epochs' && event.eventName === 'EpochAdvanced') this.receipts.flushAll();
  }

  async stop(): Promise<void> {
    this.runners.stop();
    await this.receipts.stop();
    this.proposer.close();
    await this.relay.stop();
    await this.proposals.stop();
    await this.results.stop();
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    await this.runners.idle();
  }
}

function pick<T extends object, K extends keyof T>(settings: T, ...keys: K[]): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const key of keys) if (settings[key] !== undefined) out[key] = settings[key] as Exclude<T[K], undefined>;
  return out;
}
