/**
 * Bootstrap: dial every configured peer, retrying with exponential backoff. A bad or unreachable address is
 * reported in the result, never thrown: one dead bootstrap peer must not stop a node from starting.
 */
import type { Libp2p } from '@libp2p/interface';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { errorMessage } from '../util/error-message.js';

export interface BootstrapOptions {
  /** Attempts per address (default 5). */
  attempts?: number;
  /** Delay before the first retry, doubled after each failure (default 200 ms). */
  initialDelayMs?: number;
  /** Upper bound on one delay (default 5 s). */
  maxDelayMs?: number;
  /** Time limit of one dial (default 5 s). */
  dialTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface BootstrapResult {
  address: string;
  ok: boolean;
  /** The remote peer id when the dial succeeded. */
  peer?: string;
  attempts: number;
  /** Why the address failed (last error), when it did. */
  error?: string;
}

export async function bootstrap(
  node: Libp2p,
  addresses: readonly string[],
  options: BootstrapOptions = {},
): Promise<BootstrapResult[]> {
  return Promise.all(addresses.map((address) => dialWithRetry(node, address, options)));
}

async function dialWithRetry(node: Libp2p, address: string, options: BootstrapOptions): Promise<BootstrapResult> {
  const attempts = options.attempts ?? 5;
  const maxDelay = options.maxDelayMs ?? 5_000;
  let delay = options.initialDelayMs ?? 200;
  let ma: Multiaddr;
  try {
    ma = multiaddr(address);
    if (ma.getComponents().find((c) => c.name === 'p2p') === undefined)
      throw new Error('address has no /p2p/<peer id>');
  } catch (error) {
    // A malformed address cannot get better by retrying.
    return { address, ok: false, attempts: 0, error: `invalid address: ${errorMessage(error)}` };
  }
  let lastError = 'not attempted';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted) return { address, ok: false, attempts: attempt - 1, error: 'aborted' };
    try {
      const signals = [AbortSignal.timeout(options.dialTimeoutMs ?? 5_000)];
      if (options.signal) signals.push(options.signal);
      const connection = await node.dial(ma, { signal: AbortSignal.any(signals) });
      return { address, ok: true, peer: connection.remotePeer.toString(), attempts: attempt };
    } catch (error) {
      lastError = errorMessage(error);
    }
    if (attempt < attempts) {
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
  return { address, ok: false, attempts, error: lastError };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
