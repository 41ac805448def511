/** `mosaic status`: the network at a glance: chain, epoch, nodes and stake, committees, my node. */
import { epochsAbi, nodeRegistryAbi, secretContractsAbi } from '@mosaic/contracts';
import type { Command } from 'commander';
import { type Address, formatUnits, type Hex, type PublicClient, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { epochState, publicClientOf } from '../cli/chain.js';
import {
  addAccountOptions,
  addNetworkOptions,
  type ConnectionFlags,
  loadNodeKeys,
  probeNode,
  readKeyFile,
  resolveNetwork,
} from '../cli/connection.js';
import { EXIT_CODE_HELP } from '../cli/exit-codes.js';
import { integerIn } from '../cli/parsers.js';
import { action } from '../cli/run.js';

interface StatusFlags extends ConnectionFlags {
  contracts: number;
  json?: boolean;
}

const mos = (wei: bigint) => `${formatUnits(wei, 18)} MOS`;

interface ContractStatus {
  id: bigint;
  owner: Address;
  codeHash: Hex;
  n: number;
  t: number;
  activeFromEpoch: bigint;
  active: boolean;
  committee: Address[];
}

export function register(program: Command): void {
  const command = program
    .command('status')
    .description('show the network: chain, block, epoch, nodes and stake, committees of deployed contracts, my node')
    .option('--contracts <n>', 'show the committees of the last n deployed contracts', integerIn(0, 1000), 10);
  addNetworkOptions(command);
  addAccountOptions(command, "a node's data directory: show that node ('my node'; --key-file: its operator key)");
  command
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ mosaic status --json\n  $ mosaic status --data-dir .mosaic-devnet/node-1\n\n${EXIT_CODE_HELP}`,
    )
    .action(
      action(async ({ out, urls }, flags: StatusFlags) => {
        const network = await resolveNetwork(flags, { node: false });
        urls.chainRpc = network.chainRpc;
        const client = publicClientOf(network);
        const a = network.addresses;
        const { epoch, nextAdvanceBlock, block } = await epochState(client, a);
        const [operators, stakes] = (await client.readContract({
          address: a.nodeRegistry,
          abi: nodeRegistryAbi,
          functionName: 'activeSet',
        })) as [Address[], bigint[]];
        const [, epochStart, epochNodes, epochStake] = (await client.readContract({
          address: a.epochs,
          abi: epochsAbi,
          functionName: 'epochInfo',
          args: [epoch],
        })) as [Hex, bigint, bigint, bigint];
        const { count: contractCount, contracts } = await contractStatuses(
          client,
          network.addresses,
          epoch,
          flags.contracts,
        );

        let myNode: Record<string, unknown> | undefined;
        if (flags.dataDir || flags.keyFile) {
          // Only public parts: the operator address (and, from a data dir, the peer id and X25519 key).
          const keys = flags.dataDir ? await loadNodeKeys(flags.dataDir, flags.passphraseFile) : undefined;
          const operator = keys
            ? keys.operator.address
            : privateKeyToAccount(await readKeyFile(flags.keyFile as string)).address;
          const info = (await client.readContract({
            address: a.nodeRegistry,
            abi: nodeRegistryAbi,
            functionName: 'nodeOf',
            args: [operator],
          })) as { registered: boolean; loggedIn: boolean; stake: bigint; withdrawableFromEpoch: bigint };
          myNode = {
            ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
            ...(keys ? keys.toJSON() : { operator }),
            registered: info.registered,
            loggedIn: info.loggedIn,
            stake: info.stake,
            withdrawableFromEpoch: info.withdrawableFromEpoch,
            committees: contracts.filter((c) => c.committee.includes(operator)).map((c) => c.id),
          };
        }
        let node: Record<string, unknown> | undefined;
        if (network.nodeRpc) {
          node = await probeNode(network.nodeRpc).then(
            (info) => ({ url: network.nodeRpc, reachable: true, info }),
            () => ({ url: network.nodeRpc, reachable: false }),
          );
        }
        const totalStake = stakes.reduce((x, y) => x + y, 0n);
        const status = {
          chain: { rpcUrl: network.chainRpc, chainId: network.chainId, block },
          deploymentFile: network.deploymentFile,
          addresses: a,
          epoch: {
            current: epoch,
            startBlock: epochStart,
            nextEpochBlock: nextAdvanceBlock,
            length: network.parameters.epochLength,
            snapshot: { nodes: epochNodes, stake: epochStake },
          },
          nodes: {
            active: operators.length,
            totalStake,
            list: operators.map((operator, i) => ({ operator, stake: stakes[i] })),
          },
          contractCount,
          contracts,
          ...(node ? { node } : {}),
          ...(myNode ? { myNode } : {}),
        };
        const lines = [
          `chain        ${network.chainRpc} (chain id ${network.chainId}), block ${block}`,
          `deployment   ${network.deploymentFile}`,
          `epoch        ${epoch} (from block ${epochStart}); the next can start at block ${nextAdvanceBlock}`,
          `snapshot     ${epochNodes} node(s), ${mos(epochStake)} in epoch ${epoch}`,
          `active nodes ${operators.length}, ${mos(totalStake)} staked (logged in now; they join committees at the next epoch)`,
          ...operators.map((o, i) => `  ${o}  ${mos(stakes[i] ?? 0n)}`),
          `contracts    ${contracts.length === 0 ? 'none deployed' : `${contractCount} deployed${contractCount > BigInt(contracts.length) ? `, the last ${contracts.length} shown` : ''}`}`,
          ...contracts.map(
            (c) =>
              `  #${c.id} n=${c.n} t=${c.t} code ${c.codeHash.slice(0, 10)}… ${c.active ? `committee: ${c.committee.map((m) => m.slice(0, 8)).join(' ')}` : `activates at epoch ${c.activeFromEpoch}`}`,
          ),
          ...(node ? [`node         ${node.url} ${node.reachable ? 'answers' : 'does not answer'}`] : []),
          ...(myNode
            ? [
                `my node      ${String(myNode.operator)} ${myNode.registered ? '' : 'not registered, '}${myNode.loggedIn ? 'logged in' : 'logged out'}, stake ${mos(myNode.stake as bigint)}${myNode.peerId ? `, peer ${String(myNode.peerId)}` : ''}`,
                `             in the committees of contract(s) ${(myNode.committees as bigint[]).join(', ') || 'none'}`,
              ]
            : []),
        ];
        out.result(status, lines);
      }),
    );
}

async function contractStatuses(
  client: PublicClient,
  addresses: Parameters<typeof epochState>[1],
  epoch: bigint,
  limit: number,
): Promise<{ count: bigint; contracts: ContractStatus[] }> {
  const count = (await client.readContract({
    address: addresses.secretContracts,
    abi: secretContractsAbi,
    functionName: 'contractCount',
  })) as bigint;
  const ids: bigint[] = [];
  for (let id = count; id >= 1n && ids.length < limit; id--) ids.unshift(id);
  const contracts = await Promise.all(
    ids.map(async (id): Promise<ContractStatus> => {
      const record = (await client.readContract({
        address: addresses.secretContracts,
        abi: secretContractsAbi,
        functionName: 'contractOf',
        args: [id],
      })) as { owner: Address; n: number; t: number; activeFromEpoch: number; codeHash: Hex };
      const active = epoch >= BigInt(record.activeFromEpoch);
      const committee = active
        ? ((await client
            .readContract({
              address: addresses.epochs,
              abi: epochsAbi,
              functionName: 'committeeOf',
              args: [toHex(id, { size: 32 }), epoch, BigInt(record.n)],
            })
            .catch(() => [])) as Address[])
        : [];
      return {
        id,
        owner: record.owner,
        codeHash: record.codeHash,
        n: record.n,
        t: record.t,
        activeFromEpoch: BigInt(record.activeFromEpoch),
        active,
        committee,
      };
    }),
  );
  return { count, contracts };
}
