/**
 * The exit codes of every `mosaic` command, in one place (also documented in docs/cli.md). Scripts can rely on
 * them: a usage mistake, an unreachable service, a refusal by the chain and a failed task each have their own.
 */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Usage or validation error: unknown command or flag, bad value, missing file, wrong passphrase. */
  USAGE: 1,
  /** The chain or the node did not answer (connection refused, timeout, wrong URL). */
  UNREACHABLE: 2,
  /** The chain refused: a reverted transaction, insufficient funds, fees or stake, contract not active. */
  REJECTED: 3,
  /** The task failed, was skipped, or has no result within the wait. */
  TASK_FAILED: 4,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP = [
  'Exit codes:',
  '  0    ok',
  '  1    usage or validation error (bad flag or value, missing file, wrong passphrase)',
  '  2    chain or node unreachable',
  '  3    rejected on chain (revert, insufficient funds, fees or stake)',
  '  4    task failed, skipped or not finished in time',
  '  130  interrupted (Ctrl-C)',
].join('\n');
