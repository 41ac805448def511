/**
 * A delaying relay (relay-main.ts) run as a child process behind a command prefix, e.g. inside a host's
 * network namespace: started, reshaped through its stdin, stopped. It exits with this process (SIGKILL on exit,
 * and on its own when its stdin closes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '@mosaic/contracts/node';
import { checkShape, type LinkShape } from './delay-relay.js';

const RELAY_MAIN = fileURLToPath(new URL('./relay-main.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface RelayProcessOptions {
  commandPrefix: string[];
  listen: { host: string; port: number };
  target: { host: string; port: number };
  shape: Partial<LinkShape>;
  seed: number;
}

export class RelayProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(options: RelayProcessOptions): Promise<RelayProcess> {
    const shape = checkShape(options.shape);
    const [command, ...prefixArgs] = [...options.commandPrefix, process.execPath];
    const child = spawn(
      command!,
      [
        ...prefixArgs,
        RELAY_MAIN,
        options.listen.host,
        String(options.listen.port),
        options.target.host,
        String(options.target.port),
        String(options.seed),
        JSON.stringify(shape),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child.once('error', () => {}); // a failed spawn surfaces as 'exit'
    killOnExit(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const relay = new RelayProcess(child);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('relay did not listen in time')), START_TIMEOUT_MS);
        createInterface({ input: child.stdout! }).once('line', () => {
          clearTimeout(timer);
          resolve();
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`relay exited with code ${code}: ${stderr.trim()}`));
        });
      });
    } catch (error) {
      await relay.stop();
      throw error;
    }
    return relay;
  }

  setShape(shape: Partial<LinkShape>): void {
    this.child.stdin?.write(`${JSON.stringify(checkShape(shape))}\n`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
