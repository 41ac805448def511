/**
 * The wrapper every command action runs in: one Output per run, errors turned into a one-line message (and a
 * hint) with the command's documented exit code instead of a stack trace, Ctrl-C turned into exit 130.
 */
import type { Command } from 'commander';
import { CliError, toCliError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { Output } from './output.js';

export interface RunContext {
  out: Output;
  /** URLs in use, so a connection failure names the one that failed. */
  urls: { chainRpc?: string; nodeRpc?: string };
  /** Called on Ctrl-C before exiting (e.g. to say how to fetch a task's result later). */
  onInterrupt?: () => string | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: commander passes positional arguments, then options, then the command
type Handler = (context: RunContext, ...args: any[]) => Promise<void>;

/** Wraps a command action. The process exits when it ends (open sockets to a node must not keep it alive). */
export function action(handler: Handler): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const flags = command.opts() as { json?: boolean };
    const context: RunContext = { out: new Output(Boolean(flags.json)), urls: {} };
    const onSignal = (signal: NodeJS.Signals) => {
      context.out.fail();
      const note = context.onInterrupt?.();
      report(context, new CliError(`interrupted (${signal})${note ? `: ${note}` : ''}`, EXIT.INTERRUPTED), command);
      process.exit(EXIT.INTERRUPTED);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let code: number = EXIT.OK;
    try {
      await handler(context, ...args);
      code = typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
    } catch (error) {
      context.out.fail();
      const cliError = toCliError(error, context.urls);
      report(context, cliError, command);
      code = cliError.exitCode;
    }
    process.exit(code);
  };
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function report(context: RunContext, error: CliError, command: Command): void {
  if (context.out.json) {
    process.stdout.write(
      `${JSON.stringify({ error: { message: error.message, exitCode: error.exitCode, ...(error.hint ? { hint: error.hint } : {}) } })}\n`,
    );
  }
  process.stderr.write(`${commandPath(command)}: ${error.message}\n`);
  if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
  if (process.env.MOSAIC_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
}
