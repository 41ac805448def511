/**
 * Registration on the ledger: register the node's keys, top its stake up to the configured deposit
 * (approve + deposit MOS) and log in. Each step reads the chain first, so running it again (every start) does
 * only what is missing. When the operator lacks ETH for gas or MOS for the deposit, it says so plainly and
 * stops there (the node keeps running; the next start tries again).
 */
import { MIN_STAKE, mosaicTokenAbi, nodeRegistryAbi } from '@mosaic/contracts';
import type { Logger } from 'pino';
import { formatEther, type Hash } from 'viem';
import type { NodeKeys } from '../keys/keystore.js';
import { type ChainClients, shortMessage } from './deployment.js';
import { peerIdToBytes } from './membership.js';

export interface RegistrationOptions {
  /** Stake to hold at least, in MOS smallest units. */
  deposit: bigint;
  login: boolean;
}

export type RegistrationOutcome =
  | { status: 'done'; registered: true; loggedIn: boolean; stake: bigint; transactions: number }
  | { status: 'lacks-eth' | 'lacks-mos' | 'keys-mismatch' | 'below-minimum'; message: string };

export async function ensureRegistered(
  chain: ChainClients,
  keys: NodeKeys,
  options: RegistrationOptions,
  logger: Logger,
): Promise<RegistrationOutcome> {
  const { contracts } = chain;
  const operator = keys.operator.address;
  const peerIdBytes = peerIdToBytes(keys.peerId);
  let transactions = 0;
  const send = async (what: string, hash: Promise<Hash>): Promise<void> => {
    const receipt = await chain.public.waitForTransactionReceipt({ hash: await hash });
    if (receipt.status !== 'success') throw new Error(`${what} reverted in ${receipt.transactionHash}`);
    transactions++;
    logger.info({ tx: receipt.transactionHash, block: String(receipt.blockNumber) }, `register: ${what} done`);
  };
  const lacksEth = async (): Promise<RegistrationOutcome | undefined> => {
    const balance = await chain.public.getBalance({ address: operator });
    if (balance > 0n) return undefined;
    const message = `operator ${operator} has no ETH to pay gas: fund it, then restart`;
    logger.error({ operator }, message);
    return { status: 'lacks-eth', message };
  };

  let info = await contracts.nodeRegistry.read.nodeOf([operator]);
  if (!info.registered) {
    const noEth = await lacksEth();
    if (noEth) return noEth;
    await send(
      'register keys',
      chain.wallet.writeContract({
        address: contracts.nodeRegistry.address,
        abi: nodeRegistryAbi,
        functionName: 'register',
        args: [keys.x25519PublicKey, peerIdBytes],
      }),
    );
    info = await contracts.nodeRegistry.read.nodeOf([operator]);
  } else if (
    info.peerId.toLowerCase() !== peerIdBytes.toLowerCase() ||
    info.x25519PublicKey.toLowerCase() !== keys.x25519PublicKey.toLowerCase()
  ) {
    const message = `operator ${operator} is registered with other keys than this node's: use the data directory that holds them`;
    logger.error({ operator }, message);
    return { status: 'keys-mismatch', message };
  }

  if (info.stake < options.deposit) {
    const need = options.deposit - info.stake;
    const balance = await contracts.token.read.balanceOf([operator]);
    if (balance < need) {
      const message = `operator ${operator} lacks MOS: holds ${formatEther(balance)} MOS, the deposit needs ${formatEther(need)} MOS more`;
      logger.error({ operator }, message);
      return { status: 'lacks-mos', message };
    }
    const noEth = await lacksEth();
    if (noEth) return noEth;
    const registry = contracts.nodeRegistry.address;
    const allowance = await contracts.token.read.allowance([operator, registry]);
    if (allowance < need)
      await send(
        'approve MOS',
        chain.wallet.writeContract({
          address: contracts.token.address,
          abi: mosaicTokenAbi,
          functionName: 'approve',
          args: [registry, need],
        }),
      );
    await send(
      `deposit ${formatEther(need)} MOS`,
      chain.wallet.writeContract({ address: registry, abi: nodeRegistryAbi, functionName: 'deposit', args: [need] }),
    );
    info = await contracts.nodeRegistry.read.nodeOf([operator]);
  }

  if (options.login && !info.loggedIn) {
    if (info.stake < MIN_STAKE) {
      const message = `stake ${formatEther(info.stake)} MOS is below the minimum of ${formatEther(MIN_STAKE)} MOS: cannot log in`;
      logger.error({ operator }, message);
      return { status: 'below-minimum', message };
    }
    const noEth = await lacksEth();
    if (noEth) return noEth;
    try {
      await send(
        'login',
        chain.wallet.writeContract({
          address: contracts.nodeRegistry.address,
          abi: nodeRegistryAbi,
          functionName: 'login',
        }),
      );
    } catch (error) {
      throw new Error(`login failed: ${shortMessage(error)}`);
    }
    info = await contracts.nodeRegistry.read.nodeOf([operator]);
  }
  return { status: 'done', registered: true, loggedIn: info.loggedIn, stake: info.stake, transactions };
}
