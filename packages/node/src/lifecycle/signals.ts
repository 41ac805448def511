/** Graceful shutdown of a node process on SIGINT / SIGTERM (a second signal exits at once). */
import type { MosaicNode } from '../node.js';

export function stopOnSignals(node: MosaicNode, exit: (code: number) => void = (code) => process.exit(code)): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      node.logger.warn({ signal }, 'second signal: exiting now');
      exit(130);
      return;
    }
    stopping = true;
    node.logger.info({ signal }, 'signal received: shutting down');
    // A stop that hangs (a peer that never closes) must not keep the process alive forever.
    const timer = setTimeout(() => exit(1), 15_000);
    timer.unref();
    node.stop().then(
      () => exit(0),
      () => exit(1),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
