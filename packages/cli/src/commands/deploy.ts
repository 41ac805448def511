/** `mosaic deploy <artifact>`: registers a compiled contract on chain, uploads its code, waits for activation. */
import { nodeRegistryAbi } from '@mosaic/contracts';
import type { Command } from 'commander';
import { readArtifact } from '../cli/artifact.js';
import { connectClient, epochState, publicClientOf, reachEpoch } from '../cli/chain.js';
import {
  addAccountOptions,
  addNetworkOptions,
  type ConnectionFlags,
  resolveAccount,
  resolveNetwork,
} from '../cli/connection.js';
import { CliError } from '../cli/errors.js';
import { EXIT, EXIT_CODE_HELP } from '../cli/exit-codes.js';
import { committee, integerIn } from '../cli/parsers.js';
import { action } from '../cli/run.js';

interface DeployFlags extends ConnectionFlags {
  committee?: { n: number; t: number };
  wait: boolean;
  timeout: number;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('deploy')
    .description('deploy a compiled secret contract: SecretContracts.deploy on chain, code to the network')
    .argument('<artifact>', 'artifact from `mosaic compile`')
    .option(
      '--committee <n,t>',
      'committee size n and threshold t (default: up to 5 of the active nodes, t = (n-1)/2)',
      committee,
    )
    .option('--no-wait', 'do not wait for the activation epoch (say when it activates)')
    .option('--timeout <seconds>', 'longest wait for the activation epoch', integerIn(1, 86_400), 600);
  addNetworkOptions(command);
  addAccountOptions(command);
  command
    .option('--json', 'print the result as JSON (progress on stderr)')
    .addHelpText(
      'after',
      '\nExample:\n  $ mosaic deploy contract.artifact.json --committee 3,1\n\n' +
        'On a devnet (anvil) the CLI advances the chain to the activation epoch itself; on another chain it waits\n' +
        `for the epoch (or, with --no-wait, prints when it activates).\n\n${EXIT_CODE_HELP}`,
    )
    .action(
      action(async (context, file: string, flags: DeployFlags) => {
        const { out, urls } = context;
        const { artifact, compiled } = await readArtifact(file);
        const network = await resolveNetwork(flags, { node: true });
        Object.assign(urls, { chainRpc: network.chainRpc, nodeRpc: network.nodeRpc });
        const { account, source } = await resolveAccount(flags, network);
        const params = flags.committee ?? (await defaultCommittee(network));
        out.progress(`Deploying ${artifact.name} (n=${params.n}, t=${params.t}) from ${account.address} (${source})`);
        const client = await connectClient(network, account);
        const deployed = await client.deploy(compiled, params);
        await client.close();
        if (!deployed.codeStored) out.note(`warning: the node did not take the code: ${deployed.codeError}`);
        out.done(`Deployed ${artifact.name} as contract #${deployed.contractId} (tx ${deployed.transactionHash})`);
        let active = false;
        if (!flags.wait) {
          const state = await epochState(publicClientOf(network), network.addresses);
          active = state.epoch >= deployed.activeFromEpoch;
          if (!active) {
            out.note(
              `The contract activates at epoch ${deployed.activeFromEpoch} (now ${state.epoch}; the next epoch can start at block ${state.nextAdvanceBlock}, now ${state.block}).`,
            );
          }
        } else {
          out.progress(`Waiting for epoch ${deployed.activeFromEpoch}, when the contract activates`);
          await reachEpoch(network, account, deployed.activeFromEpoch, {
            timeoutMs: flags.timeout * 1000,
            onWait: (s) =>
              out.progress(
                `Waiting for epoch ${deployed.activeFromEpoch} (now ${s.epoch}; it can start at block ${s.nextAdvanceBlock}, now ${s.block})`,
              ),
          });
          active = true;
          out.done(`Epoch ${deployed.activeFromEpoch} started: the contract takes tasks`);
        }
        out.result(
          {
            contractId: deployed.contractId,
            name: artifact.name,
            codeHash: deployed.codeHash,
            n: deployed.n,
            t: deployed.t,
            activeFromEpoch: deployed.activeFromEpoch,
            active,
            codeStored: deployed.codeStored,
            transactionHash: deployed.transactionHash,
          },
          [
            `contract id       ${deployed.contractId}`,
            `committee         n=${deployed.n}, t=${deployed.t}`,
            `active from epoch ${deployed.activeFromEpoch}${active ? ' (active now)' : ' (not yet: it activates when that epoch starts)'}`,
            '',
            'Next:',
            `  mosaic call ${file} <function> --contract ${deployed.contractId} --arg name=value …`,
          ],
        );
      }),
    );
}

/** Up to 5 of the active nodes, t = floor((n - 1) / 2). */
async function defaultCommittee(network: Parameters<typeof publicClientOf>[0]): Promise<{ n: number; t: number }> {
  const count = (await publicClientOf(network).readContract({
    address: network.addresses.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'activeCount',
  })) as bigint;
  const n = Math.min(5, Number(count));
  if (n < 3) {
    throw new CliError(
      `only ${count} node(s) are logged in: a committee needs at least 3`,
      EXIT.REJECTED,
      'start more nodes (mosaic devnet --nodes 3) or pass --committee n,t',
    );
  }
  return { n, t: Math.floor((n - 1) / 2) };
}
