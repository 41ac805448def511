/**
 * Runs `mosaic node` (the CLI) as its own OS process and reads its JSON log lines: waits for lifecycle steps,
 * finds its RPC URL, kills it (SIGTERM or SIGKILL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../../cli/dist/src/bin.js', import.meta.url));

export interface NodeProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  /** Resolves with the first log line matching, or rejects after timeoutMs / on exit. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  rpcUrl(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test or benchmark that dies without stopping its nodes must not leave them running. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  // A test runner stopped by a signal exits through 'exit' too (Node's default for these signals skips it), so
  // its nodes and anvil (whose own exit hook kills it) do not outlive it.
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(code));
  }
}

/**
 * `mosaic node` flags for a node of a local test chain: its data directory, the chain and its deployment file, an
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

export function startNodeProcess(args: string[], env: Record<string, string> = {}): NodeProcess {
  // MOSAIC_NODE_EXEC_ARGS passes Node options to every node process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const execArgs = process.env.MOSAIC_NODE_EXEC_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...execArgs, CLI, 'node', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  installExitHook();
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
  return {
    child,
    logs,
    waitFor(match, timeoutMs) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
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
      const step = logs.find((l) => l.name === 'services' && l.status === 'done');
      const url = (step?.detail as { rpc?: string } | undefined)?.rpc;
      if (!url) throw new Error('the node has not started its RPC server');
      return url;
    },
    async kill(signal = 'SIGTERM') {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      // A profiled node needs time to write its profile.
      const timer = setTimeout(() => child.kill('SIGKILL'), execArgs.length > 0 ? 60_000 : 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export const stepDone = (name: string) => (line: Record<string, unknown>) =>
  line.name === name && (line.status === 'done' || line.status === 'skipped' || line.status === 'failed');

export async function rpc(url: string, method: string, params?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
  return body.result;
}
