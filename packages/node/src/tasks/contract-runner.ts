/**
 * One contract's work at this node: its tasks (and epoch handovers) in queue order, one task at a time for a
 * stateful contract, in batches for a stateless one (member 1 forms and proposes them; the others run what they
 * are told). `ContractRunners` keeps one runner per contract; the work itself is done by the services a runner
 * is handed (task execution, batch proposals, the epoch handovers), each behind a narrow interface.
 */
import type { Logger } from 'pino';
import type { HandoverRecord } from '../epoch/contract-handover.js';
import { isFinal, type TaskBook, type TaskEntry } from './task-book.js';

/** Tasks in one batch at most (a proposal names them all). */
export const MAX_BATCH_TASKS = 64;

/**
 * The contract-state epoch handovers (epoch/contract-state-handovers.ts), as the runner schedules them: a
 * handover's `version` is its place in the contract's queue (after task version - 1, before task version).
 */
export interface HandoverQueue {
  nextPending(contractId: bigint): Promise<HandoverRecord | undefined>;
  run(handover: HandoverRecord): Promise<void>;
  fail(handover: HandoverRecord, error: unknown): Promise<void>;
}

export interface ContractRunnerComponents {
  book: Pick<TaskBook, 'get' | 'ofContract' | 'waitFor' | 'update'>;
  handovers: HandoverQueue;
  modules: { isStateful(contractId: bigint): Promise<boolean> };
  /** Runs tasks at this member (a stateful contract's one at a time) and settles those that cannot run. */
  execution: {
    run(entries: readonly TaskEntry[]): Promise<void>;
    settleFailed(entry: TaskEntry, error: unknown): Promise<void>;
  };
  /** The batch leader's proposal to the other members, before it runs the batch. */
  proposer: { propose(entries: readonly TaskEntry[]): Promise<void> };
  logger: Logger;
  limits: RunnerLimits;
}

export interface RunnerLimits {
  /** How long a leader waits for a task's bundle before it batches the task anyway (default 20 s). */
  bundleTimeoutMs?: number;
  /** Batches (sessions) of one stateless contract run at once at most (default 2). */
  maxConcurrent?: number;
  /** Tasks of one function of a stateless contract run in one session at most (default 32). */
  maxBatchTasks?: number;
}

/**
 * Runs one contract's work at this node in queue order: its tasks (those it is a member for) by sequence,
 * and its epoch handovers at their place in the queue (a handover at version k comes after task k - 1 and
 * before task k). A stateful contract runs one task at a time; a stateless one runs up to `maxConcurrent`
 * tasks at once (their results do not depend on each other; receipts are still committed in queue order).
 */
export class ContractRunner {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Map<bigint, Promise<void>>();
  /** Sequences below this are final here (a scan starts from it). */
  private floor = 0n;
  private wake: (() => void) | undefined;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the contract keeps state (known once its code is here). */
  private stateful: boolean | undefined;

  constructor(
    readonly contractId: bigint,
    private readonly components: ContractRunnerComponents,
  ) {}

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.wake?.();
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
    this.wake?.();
  }

  async idle(): Promise<void> {
    await this.running;
    await Promise.allSettled(this.inFlight.values());
  }

  private async loop(): Promise<void> {
    const { book, handovers, logger, limits } = this.components;
    // Enough of the queue to fill every batch the leader may start.
    const limit = (limits.maxConcurrent ?? 2) * Math.min(limits.maxBatchTasks ?? 32, MAX_BATCH_TASKS);
    for (;;) {
      if (this.stopped) return;
      this.again = false;
      const ready: TaskEntry[] = [];
      let first: bigint | undefined;
      // The sequence after the last entry this scan saw: with nothing left to run, the next scan starts there.
      // (Only what the scan itself saw: a task the listener writes meanwhile must not be stepped over.)
      let after = this.floor;
      for await (const entry of book.ofContract(this.contractId, this.floor)) {
        after = entry.sequence + 1n;
        if (entry.member === 0 || isFinal(entry)) continue;
        first ??= entry.sequence;
        if (!this.inFlight.has(entry.sequence)) ready.push(entry);
        if (ready.length >= limit) break;
      }
      this.floor = first ?? after;
      const handover = await handovers.nextPending(this.contractId);
      logger.debug(
        {
          contractId: String(this.contractId),
          first: first === undefined ? null : String(first),
          ready: ready.length,
          inFlight: this.inFlight.size,
          handover: handover ? String(handover.version) : null,
        },
        'runner scan',
      );
      if (handover && (first === undefined || handover.version <= first)) {
        // Everything before the handover must be done here first; tasks after it wait for it.
        if (this.inFlight.size > 0) {
          await this.settleOne();
          continue;
        }
        if (handover.version > 0n && !(await this.queuedUpTo(handover.version))) continue;
        try {
          await handovers.run(handover);
        } catch (error) {
          if (this.stopped) return;
          logger.warn(
            { contractId: String(this.contractId), toEpoch: String(handover.toEpoch), err: String(error) },
            'epoch handover failed at this node',
          );
          await handovers.fail(handover, error);
        }
        continue;
      }
      if (ready.length === 0 && this.inFlight.size === 0) return;
      if (ready.length > 0 && this.stateful === undefined) {
        try {
          this.stateful = await this.components.modules.isStateful(this.contractId);
        } catch {
          // The code is not here: run one at a time and let the task report why.
        }
      }
      if (this.stateful === false) {
        this.startBatches(ready);
      } else {
        for (const entry of ready) {
          if (this.inFlight.size >= 1) break;
          // A task after a pending handover waits for it.
          if (handover && handover.version <= entry.sequence) break;
          const fresh = await this.freshTask(entry);
          if (fresh) this.track([fresh], () => this.components.execution.run([fresh]));
        }
      }
      if (this.inFlight.size === 0) return;
      await this.settleOne();
    }
  }

  /**
   * A stateless contract's tasks run in batches that member 1 forms and proposes (each member runs only the
   * batches it is told, so all run the same ones). The leader takes the tasks whose bundles it holds (or
   * whose bundles are overdue), grouped by epoch and function, up to maxBatchTasks per batch and maxConcurrent
   * batches at once: under load, tasks queue while batches run, and the next batch takes them all.
   */
  private startBatches(ready: readonly TaskEntry[]): void {
    const { limits } = this.components;
    const size = Math.min(limits.maxBatchTasks ?? 32, MAX_BATCH_TASKS);
    const limit = limits.maxConcurrent ?? 2;
    const overdue = limits.bundleTimeoutMs ?? 20_000;
    const now = Date.now();
    const groups = new Map<string, TaskEntry[]>();
    let nextWake = Number.POSITIVE_INFINITY;
    for (const entry of ready) {
      if (entry.member !== 1) continue;
      if (entry.status === 'created' && now - entry.updatedAt < overdue) {
        nextWake = Math.min(nextWake, entry.updatedAt + overdue - now);
        continue;
      }
      const key = `${entry.epoch}:${entry.selector.toLowerCase()}`;
      const group = groups.get(key) ?? [];
      groups.set(key, group);
      group.push(entry);
    }
    if (Number.isFinite(nextWake)) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => this.kick(), nextWake + 10);
    }
    for (const group of groups.values()) {
      for (let at = 0; at < group.length; at += size) {
        if (new Set(this.inFlight.values()).size >= limit) return;
        const chunk = group.slice(at, at + size).filter((e) => !this.inFlight.has(e.sequence));
        if (chunk.length === 0) continue;
        // Claimed at once (synchronously), re-read inside: a task that just finished drops out.
        this.track(chunk, async () => {
          const { book, proposer, execution } = this.components;
          const fresh = (await Promise.all(chunk.map((e) => book.get(e.taskId)))).filter(
            (e): e is TaskEntry => e !== undefined && !isFinal(e),
          );
          if (fresh.length === 0) return;
          // A member that refuses (it does not know a task yet) fails the session for all: Skipped receipts.
          await proposer.propose(fresh);
          await execution.run(fresh);
        });
      }
    }
  }

  /** A member's runner takes a batch its leader proposed; false if one of its tasks is already running here. */
  adopt(entries: readonly TaskEntry[]): boolean {
    if (this.stopped || entries.some((e) => this.inFlight.has(e.sequence))) return false;
    this.track(entries, () => this.components.execution.run(entries));
    return true;
  }

  /** Runs `run` for these tasks, marks them in flight meanwhile, and settles them with Skipped if it fails. */
  private track(entries: readonly TaskEntry[], run: () => Promise<void>): void {
    const { book, execution, logger } = this.components;
    const promise = run()
      .catch(async (error: unknown) => {
        if (this.stopped) return;
        logger.warn(
          { taskIds: entries.map((e) => String(e.taskId)), err: String(error) },
          'task failed at this member',
        );
        for (const entry of entries) {
          const now = await book.get(entry.taskId);
          if (!now || isFinal(now)) continue;
          await execution.settleFailed(now, error).catch(async (cause: unknown) => {
            logger.error({ taskId: String(entry.taskId), err: String(cause) }, 'task could not be settled');
            await book.update(entry.taskId, { status: 'failed', error: String(cause).slice(0, 400) }).catch(() => {});
          });
        }
      })
      .finally(() => {
        for (const entry of entries) this.inFlight.delete(entry.sequence);
        // The loop may be between a scan that saw these tasks in flight (so not ready, not final yet) and its
        // decision that nothing is left: without a kick it would stop there and never reach what comes next
        // (a pending handover then waited forever and the contract's state was lost with it).
        this.kick();
      });
    for (const entry of entries) this.inFlight.set(entry.sequence, promise);
  }

  /** The task as stored now, if it still has to run (the scan may have read it just before it finished). */
  private async freshTask(entry: TaskEntry): Promise<TaskEntry | undefined> {
    if (this.inFlight.has(entry.sequence)) return undefined;
    const fresh = await this.components.book.get(entry.taskId);
    return fresh && !isFinal(fresh) ? fresh : undefined;
  }

  /** Whether the book holds every task before `version` (the listener may still be delivering that block). */
  private async queuedUpTo(version: bigint): Promise<boolean> {
    const last = (this.contractId << 64n) | (version - 1n);
    return (await this.components.book.waitFor(last, 5_000)) !== undefined;
  }

  /** Waits until a task in flight finishes or the runner is kicked. */
  private async settleOne(): Promise<void> {
    // A kick that came while the loop was busy elsewhere (no waiter then) is not lost.
    if (this.again) return;
    const kicked = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    await Promise.race([...this.inFlight.values(), kicked]);
    this.wake = undefined;
  }
}

/** One runner per contract at this node; contracts run in parallel. */
export class ContractRunners {
  private readonly runners = new Map<bigint, ContractRunner>();
  private stopped = false;

  constructor(private readonly components: ContractRunnerComponents) {}

  /** Makes the contract's runner look at its queue again (a task, bundle or handover arrived). */
  kick(contractId: bigint): void {
    if (!this.stopped) this.runnerOf(contractId).kick();
  }

  /** A member takes a batch its leader proposed; false if one of its tasks is already running here. */
  adopt(entries: readonly TaskEntry[]): boolean {
    const first = entries[0];
    return first !== undefined && !this.stopped && this.runnerOf(first.contractId).adopt(entries);
  }

  /** Stops every runner from starting more work (what runs finishes or fails; see idle). */
  stop(): void {
    this.stopped = true;
    for (const runner of this.runners.values()) runner.stop();
  }

  /** Resolves once no runner has work in flight. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.runners.values()].map((r) => r.idle()));
  }

  private runnerOf(contractId: bigint): ContractRunner {
    let runner = this.runners.get(contractId);
    if (!runner) {
      runner = new ContractRunner(contractId, this.components);
      this.runners.set(contractId, runner);
    }
    return runner;
  }
}
