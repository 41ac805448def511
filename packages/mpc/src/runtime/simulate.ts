/**
 * Runs one program per party over an in-memory network, all in this process: the harness of tests,
 * benchmarks and the demo.
 */
import { MemoryNetwork } from './memory-transport.js';
import { Party } from './party.js';

export interface RunOptions {
  timeoutMs?: number;
  network?: MemoryNetwork;
}

export async function runParties<T>(
  n: number,
  t: number,
  program: (party: Party) => Promise<T>,
  options: RunOptions = {},
): Promise<T[]> {
  const network = options.network ?? new MemoryNetwork(n);
  const parties = network
    .transports()
    .map((transport) => new Party({ transport, t, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }));
  try {
    return await Promise.all(parties.map(program));
  } finally {
    network.close();
  }
}
