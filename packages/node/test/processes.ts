/** Spawns mul-worker processes and talks to them in JSON lines (shared by the tests and the benchmark). */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FieldVector } from '@mosaic/mpc';

const WORKER = fileURLToPath(new URL('./mul-worker.js', import.meta.url));

export interface Worker {
  child: ChildProcess;
  peerId: string;
  addrs: string[];
  /** The next JSON message from the worker (rejects on exit or after timeoutMs). */
  next(timeoutMs: number): Promise<Record<string, unknown>>;
  send(message: object): void;
  stop(): Promise<void>;
}

export async function spawnWorker(timeoutMs = 15_000): Promise<Worker> {
  const child = spawn(process.execPath, [WORKER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Interface = createInterface({ input: child.stdout! });
  const queue: Record<string, unknown>[] = [];
  const waiters: { resolve(m: Record<string, unknown>): void; reject(e: Error): void }[] = [];
  let exited = false;
  lines.on('line', (line) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not ours (a library writing to stdout)
    }
    const w = waiters.shift();
    if (w) w.resolve(message);
    else queue.push(message);
  });
  child.on('exit', (code) => {
    exited = true;
    for (const w of waiters.splice(0)) w.reject(new Error(`worker exited with code ${code}`));
  });
  const next = (ms: number): Promise<Record<string, unknown>> => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    if (exited) return Promise.reject(new Error('worker exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not answer within ${ms} ms`)), ms);
      waiters.push({
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  };
  const stop = async (): Promise<void> => {
    if (exited) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await done;
    clearTimeout(timer);
  };
  try {
    const ready = await next(timeoutMs);
    if (ready.type !== 'ready') throw new Error(`worker said ${JSON.stringify(ready)}`);
    return {
      child,
      peerId: String(ready.peerId),
      addrs: ready.addrs as string[],
      next,
      send: (message) => child.stdin?.write(`${JSON.stringify(message)}\n`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface SessionRequest {
  type: 'session';
  self: number;
  t: number;
  members: { peerId: string; addr: string }[];
  sessionId: string;
  x: string;
  y: string;
  /** Untimed multiplications before the timed ones. */
  warmup: number;
  rounds: number;
  /** Open the last product and send it back. */
  reveal: boolean;
}

export const toBase64 = (v: FieldVector): string =>
  Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

export function fromBase64(s: string): FieldVector {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % 16 !== 0) throw new Error('vector bytes not a multiple of 16');
  const out = new Uint32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
