/**
 * What `mosaic devnet` runs: the local network of @mosaic/node/devnet (anvil, the contracts, N staked node
 * processes, the first epoch; resumed from its data directory on a second start), then the millionaires example
 * deployed and called once, and the environment file <dataDir>/devnet.json that other commands read.
 */
import { readFileSync } from 'node:fs';
import { MosaicClient } from '@mosaic/client';
import { type MosaicAddresses, mosaicTokenAbi, secretContractsAbi } from '@mosaic/contracts';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile } from '@mosaic/lang';
import {
  Devnet,
  type DevnetNetwork,
  type DevnetNode,
  type DevnetOptions,
  type DevnetProgress,
  DevnetStoppedError,
} from '@mosaic/node/devnet';
import { type Address, bytesToHex, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { DEV_ACCOUNT_NOTE, type DevnetEnvironment, readDevnetEnvironment, writeDevnetEnvironment } from './env-file.js';
import { Millionaires } from './millionaires.js';

export { type DevnetProgress, DevnetStoppedError };

export interface DevnetSummary {
  dataDir: string;
  chainRpc: string;
  chainId: number;
  anvilPort: number;
  anvilPid: number;
  deploymentFile: string;
  /** The environment file for `mosaic deploy/call/status` (devnet.json). */
  envFile: string;
  /** The user account in the environment file (anvil dev account #9; a public test key). */
  account: Address;
  addresses: MosaicAddresses;
  /** True when the chain (and with it the contracts, stakes and node stores) was resumed from an earlier start. */
  resumed: boolean;
  /** True when node keys from an earlier start were reused. */
  keysReused: boolean;
  nodes: DevnetNode[];
  example: { name: string; contractId: bigint; a: bigint; b: bigint; aIsRicher: boolean; taskId: bigint };
  pid: number;
}

/** The devnet with its example; `stop()` is safe at any time and more than once. */
export class ExampleDevnet {
  private readonly devnet: Devnet;

  constructor(private readonly options: DevnetOptions = {}) {
    this.devnet = new Devnet(options);
  }

  stop(): Promise<void> {
    return this.devnet.stop();
  }

  /** Starts the network and calls the example; on failure everything started is stopped first. */
  async start(): Promise<DevnetSummary> {
    const { dataDir } = this.devnet;
    // Two devnets on one data directory would share (and corrupt) the chain state and the node stores.
    const running = await readDevnetEnvironment(dataDir).catch(() => undefined);
    if (running && running.pids.devnet !== process.pid && isDevnetProcess(running.pids.devnet)) {
      throw new Error(
        `a devnet (pid ${running.pids.devnet}) is already running with ${dataDir}: stop it (Ctrl-C) or pass another --data-dir`,
      );
    }
    const previous = this.options.reset ? undefined : running;
    const network = await this.devnet.start(previous ? { anvilPort: previous.anvilPort } : {});
    try {
      return await this.runExample(network, previous);
    } catch (error) {
      const stopped = this.devnet.stopped;
      await this.devnet.stop();
      throw stopped ? new DevnetStoppedError() : error;
    }
  }

  private async runExample(network: DevnetNetwork, previous: DevnetEnvironment | undefined): Promise<DevnetSummary> {
    const { ledger, nodes } = network;
    const n = nodes.length;
    const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 9 });
    const callerKey = bytesToHex(caller.getHdKey().privateKey as Uint8Array);
    const callerFunds = (await ledger.client.readContract({
      address: ledger.addresses.token,
      abi: mosaicTokenAbi,
      functionName: 'balanceOf',
      args: [caller.address],
    })) as bigint;
    if (callerFunds < 100n * 10n ** 18n) await ledger.fundMos(caller.address, 1000n * 10n ** 18n);
    const mosaic = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: callerKey },
      addresses: ledger.addresses,
      node: nodes[0]!.rpcUrl,
    });
    const compiled = compile(Millionaires);
    const committee = { n, t: Math.floor((n - 1) / 2) };
    // On a resumed chain the example deployed by the earlier start is called again (when it is the same code).
    // Not when the node set changed: the old contract's committee then changes too, and its tasks wait for the
    // nodes' state handover between committees; a new deployment starts with its committee from this set.
    let reusedExample: bigint | undefined;
    if (network.resumed && !network.activeSetChanged && previous?.example) {
      const id = BigInt(previous.example.contractId);
      const record = (await ledger.client
        .readContract({
          address: ledger.addresses.secretContracts,
          abi: secretContractsAbi,
          functionName: 'contractOf',
          args: [id],
        })
        .catch(() => undefined)) as { codeHash: Hex; n: number } | undefined;
      if (record && record.codeHash.toLowerCase() === compiled.codeHash.toLowerCase() && record.n <= n) {
        reusedExample = id;
        await mosaic.putCode(compiled); // the nodes' code store survives too, but an upload is cheap and idempotent
      }
    }
    const deployed =
      reusedExample !== undefined
        ? { contractId: reusedExample }
        : await this.devnet.step(
            'example',
            `Deploying the millionaires example (n=${committee.n}, t=${committee.t})`,
            async () => {
              const result = await mosaic.deploy(compiled, committee);
              await ledger.advanceEpoch();
              return result;
            },
          );
    const inputs = { a: 1_200_000n, b: 950_000n };
    const called = await this.devnet
      .step('call', 'Calling compare(a, b) on secret inputs', () =>
        mosaic.contract(compiled, deployed.contractId).call.compare(inputs, { autoDeposit: true }),
      )
      .finally(() => mosaic.close());

    const envFile = await writeDevnetEnvironment(network.dataDir, {
      format: 'mosaic-devnet/v1',
      chainRpc: ledger.url,
      chainId: ledger.anvil.chainId,
      deploymentFile: network.deploymentFile,
      addresses: network.addresses,
      nodeRpcs: nodes.map((node) => node.rpcUrl),
      account: { address: caller.address, privateKey: callerKey, note: DEV_ACCOUNT_NOTE },
      example: { contractId: deployed.contractId.toString(), codeHash: compiled.codeHash },
      pids: { devnet: process.pid, nodes: nodes.map((node) => node.pid) },
      anvilPort: ledger.anvil.port,
      startedAt: new Date().toISOString(),
    });
    return {
      dataDir: network.dataDir,
      chainRpc: ledger.url,
      chainId: ledger.anvil.chainId,
      anvilPort: ledger.anvil.port,
      anvilPid: ledger.anvil.pid,
      deploymentFile: network.deploymentFile,
      envFile,
      account: caller.address,
      addresses: network.addresses,
      resumed: network.resumed,
      keysReused: network.keysReused,
      nodes,
      example: {
        name: 'millionaires',
        contractId: deployed.contractId,
        ...inputs,
        aIsRicher: called.outputs.aIsRicher as boolean,
        taskId: called.task.taskId,
      },
      pid: process.pid,
    };
  }
}

/** Whether `pid` is a live `mosaic devnet` (its command line is checked where /proc exists: pids are reused). */
function isDevnetProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('devnet');
  } catch {
    return true;
  }
}
