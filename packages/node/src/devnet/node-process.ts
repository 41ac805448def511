/**
 * Runs one secret node as its own OS process (this package's `mosaic-node` bin, which takes the flags of
 * `mosaic node`) and reads its JSON log lines: waits for lifecycle steps, finds its RPC URL, stops it. Every node
 * process still running when this process exits is killed, so that no test, benchmark or devnet leaves one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '@mosaic/contracts/node';

const NODE_BIN = fileURLToPath(new URL('../../../bin/mosaic-node.js', import.meta.url));

export interface NodeProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  /** Resolves with the first log line matching, or rejects after timeoutMs / on exit. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  rpcUrl(): string;
  /** The operator listener's URL (its methods need the token in the node's data directory). */
  operatorRpcUrl(): string;
  /** Sends `signal` (default SIGTERM), then SIGKILL when the node has not exited in time; resolves with its code. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface NodeProcessOptions {
  /** Appends the node's stdout and stderr to this file. */
  logFile?: string;
  /**
   * Its own process group: a terminal's Ctrl-C then reaches only the parent, which stops the node in order
   * (the devnet stops its nodes before anvil).
   */
  detached?: boolean;
  /** How long kill() waits before SIGKILL, in ms (default 10,000; 60,000 for a profiled node). */
  stopTimeoutMs?: number;
  /**
   * A command that runs the node, e.g. `['ip', 'netns', 'exec', <namespace>]` to start it inside a network
   * namespace; it must exec the node in its own process (as `ip netns exec` does), so signals reach the node.
   */
  commandPrefix?: string[];
}

/**
 * `mosaic node` flags for a node of a local chain: its data directory, the chain and its deployment file, an
 * ephemeral RPC port and no confirmations to wait; `minConnections` 1 unless given.
 */
export function localNodeArgs(options: {
  dataDir: string;
  chainRpc: string;
  deploymentFile: string;
  minConnections?: number;
}): string[] {
  return [
    '--data-dir',
    options.dataDir,
    '--chain-rpc',
    options.chainRpc,
    '--deployment',
    options.deploymentFile,
    '--rpc-port',
    '0',
    '--confirmations',
    '0',
    '--min-connections',
    String(options.minConnections ?? 1),
  ];
}

export function startNodeProcess(
  args: string[],
  env: Record<string, string> = {},
  options: NodeProcessOptions = {},
): NodeProcess {
  // MOSAIC_NODE_EXEC_ARGS passes Node options to every node process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const execArgs = process.env.MOSAIC_NODE_EXEC_ARGS?.split(' ').filter(Boolean) ?? [];
  const [command, ...prefixArgs] = [...(options.commandPrefix ?? []), process.execPath];
  const child = spawn(command!, [...prefixArgs, ...execArgs, NODE_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    detached: options.detached ?? false,
  });
  child.once('error', () => {}); // a failed spawn surfaces as 'exit'
  killOnExit(child, { exitOnSignal: true });
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
  }
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<{
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }>();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  const stopTimeoutMs = options.stopTimeoutMs ?? (execArgs.length > 0 ? 60_000 : 10_000);
  const listenerUrl = (name: 'rpc' | 'operatorRpc'): string => {
    const step = logs.find((l) => l.name === 'services' && l.status === 'done');
    const url = (step?.detail as Record<string, string | undefined> | undefined)?.[name];
    if (!url) throw new Error(`the node has not started its ${name} listener`);
    return url;
  };
  return {
    child,
    logs,
    waitFor(match, timeoutMs) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      if (exitCode !== undefined)
        return Promise.reject(new Error(`node exited with code ${exitCode}; stderr: ${stderr}`));
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (l: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(l);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`node did not log the expected line within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`node exited with code ${code}; stderr: ${stderr}`));
        });
      });
    },
    rpcUrl() {
      return listenerUrl('rpc');
    },
    operatorRpcUrl() {
      return listenerUrl('operatorRpc');
    },
    async kill(signal = 'SIGTERM') {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export const stepDone = (name: string) => (line: Record<string, unknown>) =>
  line.name === name && (line.status === 'done' || line.status === 'skipped' || line.status === 'failed');

/**
 * Waits for the node's register step (started with --register) and returns its RPC URL; rejects when the step
 * is not `done` (or, with `skippedIsDone`, `skipped`), or when the node exits first.
 */
export async function waitRegistered(
  node: NodeProcess,
  name: string,
  timeoutMs: number,
  { skippedIsDone = false } = {},
): Promise<string> {
  const step = await node.waitFor(stepDone('register'), timeoutMs).catch((error: Error) => {
    throw new Error(`${name}: ${error.message}`);
  });
  if (step.status !== 'done' && !(skippedIsDone && step.status === 'skipped')) {
    throw new Error(`${name} did not register (${String(step.status)}): ${JSON.stringify(step.detail)}`);
  }
  return node.rpcUrl();
}
