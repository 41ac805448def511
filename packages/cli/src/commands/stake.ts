/** `mosaic stake deposit|login|logout|withdraw`: a node operator's stake in NodeRegistry. */
import { MIN_STAKE, mosaicTokenAbi, nodeRegistryAbi } from '@mosaic/contracts';
import type { Command } from 'commander';
import { type Account, formatUnits } from 'viem';
import { epochState, publicClientOf, send } from '../cli/chain.js';
import {
  addAccountOptions,
  addNetworkOptions,
  type ConnectionFlags,
  type Network,
  resolveAccount,
  resolveNetwork,
} from '../cli/connection.js';
import { CliError } from '../cli/errors.js';
import { EXIT, EXIT_CODE_HELP } from '../cli/exit-codes.js';
import type { Output } from '../cli/output.js';
import { mosAmount } from '../cli/parsers.js';
import { action } from '../cli/run.js';

interface StakeFlags extends ConnectionFlags {
  json?: boolean;
}

const mos = (wei: bigint) => `${formatUnits(wei, 18)} MOS`;

interface NodeInfo {
  registered: boolean;
  loggedIn: boolean;
  stake: bigint;
  withdrawableFromEpoch: bigint;
}

async function nodeOf(network: Network, operator: `0x${string}`): Promise<NodeInfo> {
  return (await publicClientOf(network).readContract({
    address: network.addresses.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'nodeOf',
    args: [operator],
  })) as NodeInfo;
}

type StakeAction = (network: Network, account: Account, info: NodeInfo, out: Output, amount: bigint) => Promise<string>;

function notRegistered(operator: string): CliError {
  return new CliError(
    `operator ${operator} is not registered`,
    EXIT.REJECTED,
    'start the node once with `mosaic node --register` (it registers its keys), or use its --data-dir',
  );
}

const actions: Record<string, { description: string; amount: boolean; run: StakeAction; example: string }> = {
  deposit: {
    description: 'add MOS to the stake (approve + NodeRegistry.deposit)',
    amount: true,
    example: 'mosaic stake deposit 25000 --data-dir ./node-1',
    run: async (network, account, info, out, amount) => {
      if (!info.registered) throw notRegistered(account.address);
      const client = publicClientOf(network);
      const balance = (await client.readContract({
        address: network.addresses.token,
        abi: mosaicTokenAbi,
        functionName: 'balanceOf',
        args: [account.address],
      })) as bigint;
      if (balance < amount) {
        throw new CliError(
          `${account.address} holds ${mos(balance)}: ${mos(amount - balance)} more is needed to deposit ${mos(amount)}`,
          EXIT.REJECTED,
        );
      }
      const allowance = (await client.readContract({
        address: network.addresses.token,
        abi: mosaicTokenAbi,
        functionName: 'allowance',
        args: [account.address, network.addresses.nodeRegistry],
      })) as bigint;
      if (allowance < amount) {
        out.progress('Approving the MOS transfer');
        await send(network, account, network.addresses.token, mosaicTokenAbi, 'approve', [
          network.addresses.nodeRegistry,
          amount,
        ]);
      }
      out.progress(`Depositing ${mos(amount)}`);
      await send(network, account, network.addresses.nodeRegistry, nodeRegistryAbi, 'deposit', [amount]);
      return `deposited ${mos(amount)}`;
    },
  },
  login: {
    description: 'join the active set from the next epoch (needs the minimum stake)',
    amount: false,
    example: 'mosaic stake login --data-dir ./node-1',
    run: async (network, account, info, out) => {
      if (!info.registered) throw notRegistered(account.address);
      if (info.loggedIn) throw new CliError('the node is already logged in', EXIT.REJECTED);
      if (info.stake < MIN_STAKE) {
        const more = MIN_STAKE - info.stake;
        throw new CliError(
          `stake ${mos(info.stake)} is below the minimum ${mos(MIN_STAKE)}: ${mos(more)} more is needed`,
          EXIT.REJECTED,
          `mosaic stake deposit ${formatUnits(more, 18)}`,
        );
      }
      out.progress('Logging in');
      await send(network, account, network.addresses.nodeRegistry, nodeRegistryAbi, 'login', []);
      return 'logged in: the node joins committees from the next epoch';
    },
  },
  logout: {
    description: 'leave the active set; the stake unbonds for one epoch',
    amount: false,
    example: 'mosaic stake logout --data-dir ./node-1',
    run: async (network, account, info, out) => {
      if (!info.loggedIn) throw new CliError('the node is not logged in', EXIT.REJECTED);
      out.progress('Logging out');
      await send(network, account, network.addresses.nodeRegistry, nodeRegistryAbi, 'logout', []);
      const after = await nodeOf(network, account.address);
      return `logged out: the stake can be withdrawn from epoch ${after.withdrawableFromEpoch}`;
    },
  },
  withdraw: {
    description: 'take MOS out of the stake once logged out and unbonded',
    amount: true,
    example: 'mosaic stake withdraw 25000 --data-dir ./node-1',
    run: async (network, account, info, out, amount) => {
      if (!info.registered) throw notRegistered(account.address);
      if (info.loggedIn) {
        throw new CliError(
          'the node is still logged in',
          EXIT.REJECTED,
          'run `mosaic stake logout` first, then wait one epoch',
        );
      }
      const { epoch } = await epochState(publicClientOf(network), network.addresses);
      if (epoch < info.withdrawableFromEpoch) {
        throw new CliError(
          `the stake is unbonding until epoch ${info.withdrawableFromEpoch} (now ${epoch})`,
          EXIT.REJECTED,
          'withdraw once that epoch has started',
        );
      }
      if (amount > info.stake) {
        throw new CliError(`cannot withdraw ${mos(amount)}: only ${mos(info.stake)} is staked`, EXIT.REJECTED);
      }
      out.progress(`Withdrawing ${mos(amount)}`);
      await send(network, account, network.addresses.nodeRegistry, nodeRegistryAbi, 'withdraw', [amount]);
      return `withdrew ${mos(amount)}`;
    },
  },
};

export function register(program: Command): void {
  const stake = program
    .command('stake')
    .description("manage a node operator's stake: deposit, login, logout, withdraw")
    .addHelpText(
      'after',
      '\nExample:\n  $ mosaic stake deposit 25000 --data-dir ./node-1 && mosaic stake login --data-dir ./node-1',
    );
  for (const [name, spec] of Object.entries(actions)) {
    const command = stake.command(name).description(spec.description);
    if (spec.amount) command.argument('<amount>', 'MOS, e.g. 25000 or 0.5', mosAmount);
    addNetworkOptions(command);
    addAccountOptions(command, "the node's data directory (its operator key signs)");
    command
      .option('--json', 'print the result as JSON (progress on stderr)')
      .addHelpText('after', `\nExample:\n  $ ${spec.example}\n\n${EXIT_CODE_HELP}`)
      .action(
        action(async (context, ...args: unknown[]) => {
          const flags = (spec.amount ? args[1] : args[0]) as StakeFlags;
          const network = await resolveNetwork(flags, { node: false });
          context.urls.chainRpc = network.chainRpc;
          const { account, source } = await resolveAccount(flags, network);
          const info = await nodeOf(network, account.address);
          const message = await spec.run(network, account, info, context.out, spec.amount ? (args[0] as bigint) : 0n);
          const after = await nodeOf(network, account.address);
          context.out.result(
            {
              action: name,
              operator: account.address,
              registered: after.registered,
              loggedIn: after.loggedIn,
              stake: after.stake,
              withdrawableFromEpoch: after.withdrawableFromEpoch,
            },
            [
              `${account.address} (${source}): ${message}`,
              `stake ${mos(after.stake)}, ${after.loggedIn ? 'logged in' : 'logged out'}`,
            ],
          );
        }),
      );
  }
}
