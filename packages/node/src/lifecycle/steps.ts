/**
 * The seven lifecycle steps (docs/architecture.md, "Inside the node"), in order, each with its status and timestamps; every
 * change is logged and shown by `mosaic_info`.
 */
import type { Logger } from 'pino';

export const LIFECYCLE_STEPS = ['start', 'bootstrap', 'discovery', 'sync', 'announce', 'services', 'register'] as const;
export type StepName = (typeof LIFECYCLE_STEPS)[number];
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface StepState {
  step: number;
  name: StepName;
  status: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  /** What the step found or did (counts, addresses), or why it failed. */
  detail?: unknown;
}

export class Lifecycle {
  private readonly states: StepState[] = LIFECYCLE_STEPS.map((name, i) => ({ step: i + 1, name, status: 'pending' }));
  private readonly listeners = new Set<(state: StepState) => void>();

  constructor(private readonly logger: Logger) {}

  /** Runs step `name`; its result becomes the step's detail. A failure is recorded and rethrown. */
  async run<T>(name: StepName, work: () => Promise<T>, describe: (result: T) => unknown = (r) => r): Promise<T> {
    const state = this.state(name);
    state.status = 'running';
    state.startedAt = new Date().toISOString();
    this.changed(state);
    try {
      const result = await work();
      state.status = 'done';
      state.detail = describe(result);
      return result;
    } catch (error) {
      state.status = 'failed';
      state.detail = { error: error instanceof Error ? error.message : String(error) };
      throw error;
    } finally {
      state.finishedAt = new Date().toISOString();
      this.changed(state);
    }
  }

  skip(name: StepName, reason: string): void {
    const state = this.state(name);
    state.status = 'skipped';
    state.finishedAt = new Date().toISOString();
    state.detail = { reason };
    this.changed(state);
  }

  steps(): StepState[] {
    return this.states.map((s) => ({ ...s }));
  }

  get complete(): boolean {
    return this.states.every((s) => s.status === 'done' || s.status === 'skipped');
  }

  onChange(listener: (state: StepState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private state(name: StepName): StepState {
    return this.states.find((s) => s.name === name) as StepState;
  }

  private changed(state: StepState): void {
    const level = state.status === 'failed' ? 'error' : 'info';
    this.logger[level](
      { step: state.step, name: state.name, status: state.status, detail: state.detail },
      `lifecycle step ${state.step}/7 ${state.name}: ${state.status}`,
    );
    for (const listener of this.listeners) listener({ ...state });
  }
}
