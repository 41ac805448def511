/**
 * Runs tasks at this member (docs/task-execution.md, steps 3 to 8): waits for their bundles, opens an MPC
 * session with the rest of the committee, runs them (run-task.ts), and writes their outcomes, result envelopes
 * and the contract's new state in one batch, then hands the receipts on. One pipeline: a stateless contract's
 * tasks run as a batch of one function, a stateful contract's one by one (a batch of one that reads and
 * writes the state).
 */
import type { ValidatedModule } from '@mosaic/lang';
import { type FieldVector, field, Party, vec } from '@mosaic/mpc';
import type { Logger } from 'pino';
import { type Address, bytesToHex, hexToBytes } from 'viem';
import type { Committee } from '../chain/membership.js';
import { sessionIdFor } from '../chain/membership.js';
import type { Store, WriteBatch } from '../db/store.js';
import type { NodeKeys } from '../keys/keystore.js';
import type { CommitteeSession, CommitteeSessionOptions } from '../sessions/committee-sessions.js';
import { errorMessage } from '../util/error-message.js';
import { needsBundle } from './bundle-need.js';
import type { StoredResult } from './results.js';
import { receiptOf, runTaskBatch, STATUS, type StoredInputSource, type TaskRunOutcome } from './run-task.js';
import type { ContractState, StateStore } from './state-store.js';
import type { StoredReceipt, TaskBook, TaskEntry } from './task-book.js';

/**
 * How long a task session waits for every member to join. Generous: at an epoch change a new member joins only
 * once it holds the handed-over state, and the old committee may still be finishing its last tasks.
 */
const SESSION_OPEN_MS = 60_000;

export interface TaskExecutionComponents {
  store: Pick<Store, 'batch'>;
  book: Pick<TaskBook, 'update'>;
  state: Pick<StateStore, 'get' | 'put'>;
  modules: { moduleOf(contractId: bigint): Promise<ValidatedModule> };
  committees: { committee(contractId: bigint, epoch: bigint): Promise<Committee> };
  bundles: { waitFor(entry: TaskEntry): Promise<Uint8Array | undefined> };
  sessions: { openCommittee(options: CommitteeSessionOptions): Promise<CommitteeSession> };
  results: { put(batch: WriteBatch, entry: TaskEntry, result: StoredResult): void };
  receipts: { completed(entry: TaskEntry, receipt: StoredReceipt): void };
  /** Where tasks' stored inputs come from; without it, a function with stored inputs is skipped. */
  storedInputs?: StoredInputSource;
  /** The chain id and Tasks address receipts are signed for. */
  ledger: { chainId: bigint; tasks: Address };
  keys: Pick<NodeKeys, 'operator' | 'peerId' | 'x25519SecretKey' | 'x25519PublicKey'>;
  logger: Logger;
  /** Round time-out in task sessions (default 20 s). */
  roundTimeoutMs?: number;
}

export class TaskExecution {
  private readonly x25519PublicKey: Uint8Array;

  constructor(private readonly components: TaskExecutionComponents) {
    this.x25519PublicKey = hexToBytes(components.keys.x25519PublicKey);
  }

  /**
   * Runs tasks of one function and epoch of a contract at this member (one task for a stateful contract) and
   * writes everything they produced in one batch.
   */
  async run(entries: readonly TaskEntry[]): Promise<void> {
    const { store, book, committees, modules, bundles, logger } = this.components;
    const first = entries[0];
    if (first === undefined) return;
    const committee = await committees.committee(first.contractId, first.epoch);
    const module = await modules.moduleOf(first.contractId);
    const stateful = module.state.length > 0;
    if (stateful && entries.length > 1) throw new Error('a stateful contract runs its tasks one by one');
    const started = performance.now();
    const received = await Promise.all(
      entries.map((e) => (needsBundle(e, module, committee) ? bundles.waitFor(e) : undefined)),
    );
    const bundleAt = performance.now();
    const stored = stateful ? await this.stateFor(first) : undefined;
    const running = store.batch();
    for (const e of entries) await book.update(e.taskId, { status: 'running' }, running);
    await running.write();
    if (stateful) logger.info({ taskId: String(first.taskId), bundle: received[0] !== undefined }, 'task running');
    const runAt = performance.now();
    const { outcomes, rounds } = await this.runSession(entries, received, committee, module, {
      stateful,
      shares: stored?.shares,
    });
    const doneAt = performance.now();
    const batch = store.batch();
    const done: [TaskEntry, TaskRunOutcome][] = [];
    for (const [k, entry] of entries.entries()) {
      const outcome = outcomes[k]!;
      const updated = await this.writeOutcome(batch, entry, outcome);
      if (updated) done.push([updated, outcome]);
    }
    if (stateful) {
      this.components.state.put(batch, first.contractId, {
        version: first.sequence + 1n,
        epoch: first.epoch,
        shares: (outcomes[0]?.newState ?? initialShares(module)) as FieldVector[],
      });
    }
    await batch.write();
    // Where the time went (ms): waiting for the bundles, the MPC session (connect + rounds), storing.
    const ms = {
      bundle: Math.round(bundleAt - started),
      session: Math.round(doneAt - runAt),
      store: Math.round(performance.now() - doneAt),
    };
    if (stateful) {
      const outcome = outcomes[0]!;
      logger.info(
        {
          taskId: String(first.taskId),
          receiptStatus: outcome.receiptStatus,
          ...(outcome.error ? { reason: outcome.error } : {}),
          ms,
          rounds,
        },
        'task completed',
      );
    } else {
      logger.info(
        {
          contractId: String(first.contractId),
          firstTaskId: String(first.taskId),
          tasks: entries.length,
          skipped: outcomes.filter((x) => x.receiptStatus !== 'success').length,
          ms,
          rounds,
        },
        'task batch completed',
      );
    }
    for (const [entry, outcome] of done) this.components.receipts.completed(entry, outcome.receipt);
  }

  /**
   * A task that could not run at this member (a peer did not connect, a round timed out, the state is not
   * here). It gets a Skipped receipt — no fee, the caller's escrow goes back with the batch — so that the
   * contract's queue moves on instead of waiting for a refund time-out. A session fails for all its members
   * alike, so they reach the same receipt. The state version moves past the task, as for any skip.
   */
  async settleFailed(entry: TaskEntry, error: unknown): Promise<void> {
    const { store, book, state, modules, receipts } = this.components;
    const reason = String((error as Error).message ?? error).slice(0, 400);
    const receipt = receiptOf(entry, STATUS.skipped, 0n);
    const batch = store.batch();
    const done = await book.update(
      entry.taskId,
      { status: 'completed', receipt, receiptStatus: 'skipped', error: reason },
      batch,
    );
    const stateful = await modules
      .moduleOf(entry.contractId)
      .then((m) => m.state.length > 0)
      .catch(() => false);
    if (stateful) {
      const stored = await state.get(entry.contractId).catch(() => undefined);
      if (stored && stored.version === entry.sequence && stored.epoch === entry.epoch) {
        state.put(batch, entry.contractId, { ...stored, version: entry.sequence + 1n });
      }
    }
    await batch.write();
    if (done) receipts.completed(done, receipt);
  }

  /** The state a stateful contract's task reads: the version it needs, shared by its epoch's committee. */
  private async stateFor(entry: TaskEntry): Promise<ContractState | undefined> {
    const stored = await this.components.state.get(entry.contractId);
    if ((stored?.version ?? 0n) !== entry.sequence) {
      // The state this task reads is not here (an epoch handover this node has not received).
      throw new Error(
        `contract ${entry.contractId} state is at version ${stored?.version ?? 0n}, task ${entry.sequence} needs ${entry.sequence}`,
      );
    }
    if (stored !== undefined && stored.epoch !== entry.epoch) {
      throw new Error(
        `contract ${entry.contractId} state shares belong to epoch ${stored.epoch}'s committee, the task runs in epoch ${entry.epoch}`,
      );
    }
    return stored;
  }

  /** Runs the tasks in one MPC session with the rest of the committee. */
  private async runSession(
    entries: readonly TaskEntry[],
    received: readonly (Uint8Array | undefined)[],
    committee: Committee,
    module: ValidatedModule,
    state: { stateful: boolean; shares: FieldVector[] | undefined },
  ): Promise<{ outcomes: TaskRunOutcome[]; rounds: number }> {
    const { keys, ledger, storedInputs } = this.components;
    const first = entries[0]!;
    // Every member derives the same id: a stateful contract's task alone, a stateless contract's batch.
    const label = state.stateful ? `task:${first.taskId}` : `batch:${first.taskId}:${entries.length}`;
    const session = await this.components.sessions.openCommittee({
      contractId: first.contractId,
      epoch: first.epoch,
      sessionId: sessionIdFor(first.contractId, first.epoch, label),
      self: keys.peerId,
      openTimeoutMs: SESSION_OPEN_MS,
    });
    let party: Party | undefined;
    try {
      party = new Party({
        transport: session.transport,
        t: committee.t,
        timeoutMs: this.components.roundTimeoutMs ?? 20_000,
      });
      const outcomes = await runTaskBatch(
        {
          committee,
          module,
          // undefined for a stateful contract's first task: the state is still its public initial value.
          state: state.stateful ? state.shares : undefined,
          chainId: ledger.chainId,
          tasks: ledger.tasks,
          operator: keys.operator,
          x25519SecretKey: keys.x25519SecretKey,
          x25519PublicKey: this.x25519PublicKey,
          party,
          ...(storedInputs ? { storedInputs } : {}),
        },
        entries.map((entry, k) => ({ entry, bundle: received[k] })),
      );
      return { outcomes, rounds: party.stats.rounds };
    } catch (error) {
      // The others then fail with this cause rather than with "party j closed its stream".
      party?.abort(errorMessage(error));
      throw error;
    } finally {
      session.transport.close();
    }
  }

  /** A task's outcome at this member, in `batch`: its status and receipt, and its result envelope if any. */
  private async writeOutcome(batch: WriteBatch, entry: TaskEntry, outcome: TaskRunOutcome) {
    if (outcome.envelope && outcome.signature) {
      this.components.results.put(batch, entry, {
        member: entry.member,
        operator: this.components.keys.operator.address,
        envelope: bytesToHex(outcome.envelope),
        signature: outcome.signature,
      });
    }
    return this.components.book.update(
      entry.taskId,
      {
        status: 'completed',
        receipt: outcome.receipt,
        receiptStatus: outcome.receiptStatus,
        ...(outcome.error ? { error: outcome.error } : {}),
      },
      batch,
    );
  }
}

function initialShares(module: ValidatedModule): FieldVector[] {
  // A share of a public constant is the constant itself at every point.
  return module.state.map((s) => vec.fromBigInts(s.initial.map((x) => field.fromSigned(x))));
}
