// Starts a local anvil chain (Foundry's node, shipped as a native binary inside the @foundry-rs/anvil npm
// packages) on a free loopback port, for tests and the devnet. Node only.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createPublicClient, http } from 'viem';
import { killOnExit } from './child-processes.js';

export interface AnvilOptions {
  /** Chain id (default 31337). */
  chainId?: number;
  /** Seconds between blocks; default: mine one block per transaction. */
  blockTime?: number;
  /** Funded dev accounts (default 10, from the standard "test ... junk" mnemonic). */
  accounts?: number;
  /** Block gas limit (default anvil's). */
  gasLimit?: bigint;
  /** Longest wait for the node to answer, in ms (default 15,000). */
  startupTimeoutMs?: number;
  /** Path of the anvil binary; default: resolved from the @foundry-rs/anvil packages. */
  binary?: string;
  /**
   * Keep the chain in this file: anvil loads it when it exists and dumps it there on exit and every
   * `stateIntervalSeconds` (default 5), so a later start resumes the same chain (the devnet's resume).
   */
  stateFile?: string;
  stateIntervalSeconds?: number;
  /** Keep every past block's state (a reloaded chain otherwise answers only for its latest state). */
  preserveHistoricalStates?: boolean;
  /** Try this port first (e.g. the previous start's, so URLs stay the same); any free port otherwise. */
  preferredPort?: number;
  /**
   * Run anvil in its own process group, so that a terminal's Ctrl-C reaches only the parent, which stops
   * anvil itself when it is done with it.
   */
  detached?: boolean;
  /** How long stop() waits after SIGTERM before SIGKILL, in ms (default 3,000; a state dump needs longer). */
  stopTimeoutMs?: number;
}

export interface AnvilInstance {
  url: string;
  port: number;
  chainId: number;
  pid: number;
  /** Stops the node (SIGTERM, then SIGKILL after 3 s); safe to call twice. */
  stop(): Promise<void>;
}

/** The mnemonic of anvil's funded dev accounts. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

/**
 * The anvil binary: the platform package that @foundry-rs/anvil depends on (resolved the way its own bin
 * wrapper does), or the wrapper's dist/ fallback.
 */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  let wrapperDir: string;
  try {
    wrapperDir = dirname(require.resolve('@foundry-rs/anvil/package.json'));
  } catch {
    throw new Error('anvil: the @foundry-rs/anvil package is not installed');
  }
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const binaryName = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const fromWrapper = createRequire(join(wrapperDir, 'package.json'));
  for (const candidate of [
    () => fromWrapper.resolve(`${platformPackage}/bin/${binaryName}`),
    () => require.resolve(`${platformPackage}/bin/${binaryName}`),
    () => join(wrapperDir, '..', 'dist', binaryName),
  ]) {
    try {
      const path = candidate();
      if (existsSync(path)) return path;
    } catch {
      // try the next location
    }
  }
  throw new Error(`anvil: no binary for ${process.platform}/${process.arch} (expected package ${platformPackage})`);
}

export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilInstance> {
  const chainId = options.chainId ?? 31337;
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new RangeError('anvil: chainId must be a positive integer');
  const timeout = options.startupTimeoutMs ?? 15_000;
  const binary = options.binary ?? anvilBinaryPath();
  let lastError: unknown;
  // A port found free can be taken before anvil binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port =
      attempt === 0 && options.preferredPort && (await isFree(options.preferredPort))
        ? options.preferredPort
        : await freePort();
    try {
      return await launch(binary, port, chainId, options, timeout);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(
  binary: string,
  port: number,
  chainId: number,
  options: AnvilOptions,
  timeout: number,
): Promise<AnvilInstance> {
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId)];
  args.push('--accounts', String(options.accounts ?? 10), '--mnemonic', ANVIL_MNEMONIC);
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.gasLimit !== undefined) args.push('--gas-limit', options.gasLimit.toString());
  if (options.stateFile !== undefined) {
    args.push('--state', options.stateFile, '--state-interval', String(options.stateIntervalSeconds ?? 5));
  }
  if (options.preserveHistoricalStates) args.push('--preserve-historical-states');
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: options.detached ?? false });
  killOnExit(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  child.once('error', () => {}); // spawn failures surface as 'exit' / the readiness timeout
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM'); // with a state file, anvil dumps its state, then exits
    const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs ?? 3000);
    await exitPromise;
    clearTimeout(timer);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`anvil exited during startup: ${stderr.trim()}`);
    if (await answers(url)) return { url, port, chainId, pid: child.pid as number, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`anvil did not answer on ${url} within ${timeout} ms: ${stderr.trim()}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    await createPublicClient({ transport: http(url, { timeout: 1000, retryCount: 0 }) }).getChainId();
    return true;
  } catch {
    return false;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
