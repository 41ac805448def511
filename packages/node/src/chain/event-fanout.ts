import type { Logger } from 'pino';
import type { AnyChainEvent } from './events.js';

/** In-process listeners of every chain event the listener delivers. */
export class ChainEventFanout {
  private readonly listeners = new Set<(event: AnyChainEvent) => void>();

  constructor(private readonly logger: Logger) {}

  add(listener: (event: AnyChainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AnyChainEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ err: String(error) }, 'chain event listener failed');
      }
    }
  }
}
