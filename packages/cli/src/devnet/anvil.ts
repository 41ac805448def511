/**
 * anvil for the devnet, with its state persisted: `--state <file>` loads the chain from the file when it exists
 * and dumps it there on exit (and every `dumpIntervalSeconds`, so a killed devnet loses little), which is how
 * a second `mosaic devnet` resumes the same network. @mosaic/contracts' startAnvil has no state option, so the
 * devnet launches the same binary itself.
 *
 * anvil runs in its own process group: a terminal's Ctrl-C reaches the devnet only, which stops the nodes first
 * and anvil last (it must outlive the nodes' final transactions, and dumps its state as it exits).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { ANVIL_MNEMONIC, anvilBinaryPath } from '@mosaic/contracts/node';

export interface PersistentAnvil {
  url: string;
  port: number;
  chainId: number;
  pid: number;
  stop(): Promise<void>;
}

export interface PersistentAnvilOptions {
  stateFile: string;
  /** Try this port first (the previous start's, so URLs stay the same); any free port otherwise. */
  preferredPort?: number;
  dumpIntervalSeconds?: number;
  startupTimeoutMs?: number;
}

const CHAIN_ID = 31337;

export async function startPersistentAnvil(options: PersistentAnvilOptions): Promise<PersistentAnvil> {
  const binary = anvilBinaryPath();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port =
      attempt === 0 && options.preferredPort && (await isFree(options.preferredPort))
        ? options.preferredPort
        : await freePort();
    try {
      return await launch(binary, port, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(binary: string, port: number, options: PersistentAnvilOptions): Promise<PersistentAnvil> {
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--chain-id',
    String(CHAIN_ID),
    '--accounts',
    '10',
    '--mnemonic',
    ANVIL_MNEMONIC,
    '--state',
    options.stateFile,
    '--state-interval',
    String(options.dumpIntervalSeconds ?? 5),
    // Without it a reloaded chain answers only for its latest state: a node that joins later (a larger --nodes on
    // resume) reads contract state at past blocks while catching up, and would fail on every one of them.
    '--preserve-historical-states',
  ];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.once('error', () => {});
  // If the devnet process dies without stop(), anvil must not outlive it.
  const exitHook = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', exitHook);
  const stop = async () => {
    process.off('exit', exitHook);
    if (exited) return;
    child.kill('SIGTERM'); // anvil dumps its state, then exits
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exitPromise;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startupTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `anvil exited during startup${stderr.trim() ? `: ${stderr.trim()}` : ''} (state file ${options.stateFile}; --reset starts afresh)`,
      );
    }
    if (await answers(url)) return { url, port, chainId: CHAIN_ID, pid: child.pid as number, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`anvil did not answer on ${url}: ${stderr.trim()}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return response.ok;
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
