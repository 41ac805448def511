import type { Logger } from 'pino';

/** What to undo when the node stops: the parts in reverse order of starting. */
export class Shutdown {
  private readonly cleanups: (() => Promise<unknown> | unknown)[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  push(cleanup: () => Promise<unknown> | unknown): void {
    this.cleanups.push(cleanup);
  }

  /** Safe to call twice. */
  run(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('stopping');
      for (const cleanup of this.cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          this.logger.warn({ err: String(error) }, 'error while stopping');
        }
      }
      this.logger.info('stopped');
    })();
    return this.stopping;
  }
}
