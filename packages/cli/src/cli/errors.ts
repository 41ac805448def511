/**
 * Errors a person can act on. Commands throw CliError (message, exit code, optional hint); everything else is
 * translated here (viem, the client SDK, the node's key store) so that no stack trace reaches the terminal.
 */
import { MosaicClientError, NodeRpcError, TaskFailedError } from '@mosaic/client';
import { BaseError, ContractFunctionRevertedError, formatUnits } from 'viem';
import { EXIT, type ExitCode } from './exit-codes.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string, hint?: string) => new CliError(message, EXIT.USAGE, hint);

export function chainUnreachable(url: string, cause?: string): CliError {
  return new CliError(
    `chain unreachable at ${url}${cause ? ` (${cause})` : ''}`,
    EXIT.UNREACHABLE,
    'start a local network with `npm start` (in the repository) or `mosaic devnet`, or pass --chain-rpc <url>',
  );
}

export function nodeUnreachable(url: string, cause?: string): CliError {
  return new CliError(
    `node unreachable at ${url}${cause ? ` (${cause})` : ''}`,
    EXIT.UNREACHABLE,
    'is `mosaic devnet` (or your node) running? pass --node-rpc <url> to use another node',
  );
}

const mos = (wei: bigint) => `${formatUnits(wei, 18)} MOS`;

/** A reverted call's custom error, as a sentence with what to do. */
function revertMessage(name: string, args: readonly unknown[]): { message: string; hint?: string } {
  const big = (i: number) => (typeof args[i] === 'bigint' ? (args[i] as bigint) : 0n);
  switch (name) {
    case 'StakeBelowMinimum': {
      const more = big(1) - big(0);
      return {
        message: `stake ${mos(big(0))} is below the minimum ${mos(big(1))}: ${mos(more)} more is needed`,
        hint: `deposit it with \`mosaic stake deposit ${formatUnits(more, 18)}\``,
      };
    }
    case 'InsufficientStake':
      return { message: `cannot withdraw ${mos(big(0))}: only ${mos(big(1))} is staked` };
    case 'Unbonding':
      return {
        message: `stake is unbonding until epoch ${big(1)} (now ${big(0)})`,
        hint: 'withdraw once that epoch has started',
      };
    case 'StillLoggedIn':
      return { message: 'the node is still logged in', hint: 'run `mosaic stake logout` first, then wait one epoch' };
    case 'NotLoggedIn':
      return { message: 'the node is not logged in' };
    case 'AlreadyLoggedIn':
      return { message: 'the node is already logged in' };
    case 'NotRegistered':
      return {
        message: `operator ${String(args[0])} is not registered`,
        hint: 'start the node once with `mosaic node --register` (it registers its keys)',
      };
    case 'EpochNotOver':
      return { message: `epoch ${big(0)} lasts until block ${big(1)}` };
    case 'InvalidCommittee':
      return { message: `invalid committee n=${big(0)}, t=${big(1)} (needs 1 <= t and 2t + 1 <= n <= 64)` };
    case 'UnknownContract':
      return { message: `secret contract ${big(0)} does not exist on this chain` };
    case 'ERC20InsufficientBalance':
      return { message: `MOS balance ${mos(big(1))} is below ${mos(big(2))}: ${mos(big(2) - big(1))} more is needed` };
    default:
      return { message: `the chain rejected the transaction: ${name}(${args.map(String).join(', ')})` };
  }
}

function isConnectionFailure(text: string): boolean {
  return /fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|timed? ?out|HTTP request failed|socket hang up|aborted/i.test(
    text,
  );
}

/** Any error as a CliError. `context` names the URLs used, for unreachable errors. */
export function toCliError(error: unknown, context: { chainRpc?: string; nodeRpc?: string } = {}): CliError {
  if (error instanceof CliError) return error;
  // By name: @mosaic/node (whose classes these are) takes a second to import, and most commands never need it.
  const name = error instanceof Error ? error.name : '';
  if (name === 'WrongPassphraseError') {
    return usageError('wrong passphrase for the key file', 'set MOSAIC_PASSPHRASE or pass --passphrase-file');
  }
  if (name === 'KeyFileError') return usageError((error as Error).message);
  if (error instanceof TaskFailedError) return new CliError(error.message, EXIT.TASK_FAILED);
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as
      | ContractFunctionRevertedError
      | undefined;
    if (reverted?.data?.errorName) {
      const { message, hint } = revertMessage(reverted.data.errorName, reverted.data.args ?? []);
      return new CliError(message, EXIT.REJECTED, hint);
    }
    if (reverted) return new CliError(`the chain rejected the transaction: ${reverted.shortMessage}`, EXIT.REJECTED);
    const text = `${error.shortMessage} ${error.details ?? ''}`;
    if (/insufficient funds/i.test(text)) {
      return new CliError('the account has not enough ETH to pay for gas', EXIT.REJECTED, 'fund the account with ETH');
    }
    if (isConnectionFailure(text) && context.chainRpc) return chainUnreachable(context.chainRpc, error.shortMessage);
    return new CliError(error.shortMessage, EXIT.REJECTED);
  }
  if (error instanceof NodeRpcError) {
    if (isConnectionFailure(error.message) && context.nodeRpc) return nodeUnreachable(context.nodeRpc, error.message);
    return new CliError(`node: ${error.message}`, EXIT.REJECTED);
  }
  if (error instanceof MosaicClientError) {
    if (/prepaid balance/.test(error.message)) {
      return new CliError(error.message, EXIT.REJECTED, 'pass --auto-deposit to deposit the missing fee');
    }
    if (/not deployed|not active|no committee|not logged in|code hash/i.test(error.message)) {
      return new CliError(error.message, EXIT.REJECTED);
    }
    if (isConnectionFailure(error.message) && context.nodeRpc) return nodeUnreachable(context.nodeRpc, error.message);
    return new CliError(error.message, EXIT.REJECTED);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isConnectionFailure(message)) {
    if (context.nodeRpc && message.includes(context.nodeRpc)) return nodeUnreachable(context.nodeRpc, message);
    if (context.chainRpc) return chainUnreachable(context.chainRpc, message);
  }
  return new CliError(message, EXIT.USAGE);
}
