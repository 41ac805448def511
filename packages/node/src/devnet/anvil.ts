/**
 * anvil for a devnet, with its state persisted: `--state <file>` loads the chain from the file when it exists
 * and dumps it there on exit (and every `dumpIntervalSeconds`, so a killed devnet loses little), which is how
 * a second start of the devnet resumes the same network.
 *
 * anvil runs in its own process group: a terminal's Ctrl-C reaches the devnet only, which stops the nodes first
 * and anvil last (it must outlive the nodes' final transactions, and dumps its state as it exits).
 */
import { type AnvilInstance, startAnvil } from '@mosaic/contracts/node';

export type PersistentAnvil = AnvilInstance;

export interface PersistentAnvilOptions {
  stateFile: string;
  /** Try this port first (the previous start's, so URLs stay the same); any free port otherwise. */
  preferredPort?: number;
  dumpIntervalSeconds?: number;
  startupTimeoutMs?: number;
}

export async function startPersistentAnvil(options: PersistentAnvilOptions): Promise<PersistentAnvil> {
  try {
    return await startAnvil({
      stateFile: options.stateFile,
      stateIntervalSeconds: options.dumpIntervalSeconds ?? 5,
      // Without it a reloaded chain answers only for its latest state: a node that joins later (a larger
      // --nodes on resume) reads contract state at past blocks while catching up, and would fail on every one.
      preserveHistoricalStates: true,
      detached: true,
      stopTimeoutMs: 10_000,
      startupTimeoutMs: options.startupTimeoutMs ?? 20_000,
      ...(options.preferredPort ? { preferredPort: options.preferredPort } : {}),
    });
  } catch (error) {
    throw new Error(`${(error as Error).message} (state file ${options.stateFile}; --reset starts afresh)`);
  }
}
