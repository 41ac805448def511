// Child processes that must not outlive this one (anvil, node processes): a test, benchmark or devnet that dies
// without stopping them does not leave them running.
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
let signalHooksInstalled = false;

/**
 * SIGKILLs `child` when this process exits, unless it exited first. With `exitOnSignal`, a SIGTERM or SIGHUP
 * that the program does not handle itself makes this process exit through 'exit' too (Node's default for these
 * signals skips it), so its children go with it; a program with its own handler stops them itself.
 */
export function killOnExit(child: ChildProcess, options: { exitOnSignal?: boolean } = {}): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  if (options.exitOnSignal && !signalHooksInstalled) {
    signalHooksInstalled = true;
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGHUP', 129],
    ] as const) {
      if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(code));
    }
  }
}
