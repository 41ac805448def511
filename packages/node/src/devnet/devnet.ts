/**
 * A local Mosaic network kept in a data directory: anvil on loopback with its state in a file, the contract suite
 * deployed, N staked secret nodes (each its own process, logging to its node.log) and the first epoch. It is what
 * `mosaic devnet` runs (docs/cli.md); the CLI adds an example contract and the environment file.
 *
 * Data directory layout: <dataDir>/anvil-state.json (the chain), <dataDir>/deployments/<chainId>.json,
 * <dataDir>/node-<i>/{keys.json,store,node.log}.
 *
 * A second start with the same data directory resumes the same network: anvil loads its state file, the
 * deployment is reused, the nodes keep their keys and stores (registration finds them registered and logged
 * in). When the chain cannot be resumed (no state file, or it lacks the contracts), the suite is deployed
 * afresh and the node stores, which describe another chain, are cleared.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { epochsAbi, type MosaicAddresses, nodeRegistryAbi } from '@mosaic/contracts';
import { type AnvilInstance, deploy, readDeployment } from '@mosaic/contracts/node';
import { type Address, createPublicClient, http } from 'viem';
import { loadOrCreateKeys } from '../keys/keystore.js';
import { startPersistentAnvil } from './anvil.js';
import { rpc } from './json-rpc.js';
import { type Ledger, ledgerOn, localDeployer, localDeployParameters } from './ledger.js';
import { localNodeArgs, type NodeProcess, startNodeProcess, waitRegistered } from './node-process.js';

export type DevnetProgress =
  | { type: 'start'; step: string; text: string }
  | { type: 'done'; step: string; text: string; ms: number }
  | { type: 'info'; text: string };

export interface DevnetOptions {
  /** Number of secret nodes (default 5, at least 3). */
  nodes?: number;
  /** Where keys, deployments and logs live (default ./.mosaic-devnet). */
  dataDir?: string;
  /** Wipe the data directory first. */
  reset?: boolean;
  onProgress?: (event: DevnetProgress) => void;
  /** Longest wait for every node's register step, in ms (default 120,000). */
  registerTimeoutMs?: number;
}

export interface DevnetNode {
  index: number;
  dataDir: string;
  operator: Address;
  peerId: string;
  stake: bigint;
  rpcUrl: string;
  pid: number;
  logFile: string;
}

/** The running network. */
export interface DevnetNetwork {
  dataDir: string;
  ledger: Ledger;
  deploymentFile: string;
  addresses: MosaicAddresses;
  /** True when the chain (and with it the contracts, stakes and node stores) was resumed from an earlier start. */
  resumed: boolean;
  /** True when the epoch was advanced on a resumed chain because the set of logged-in nodes changed. */
  activeSetChanged: boolean;
  /** True when node keys from an earlier start were reused. */
  keysReused: boolean;
  nodes: DevnetNode[];
}

export class DevnetStoppedError extends Error {
  constructor() {
    super('devnet stopped');
  }
}

/** A devnet being started or running; `stop()` is safe at any time and more than once. */
export class Devnet {
  readonly dataDir: string;
  readonly nodeCount: number;
  private anvil?: AnvilInstance;
  private readonly processes: NodeProcess[] = [];
  private stopping?: Promise<void>;
  private readonly progress: (event: DevnetProgress) => void;

  constructor(private readonly options: DevnetOptions = {}) {
    this.nodeCount = options.nodes ?? 5;
    if (!Number.isSafeInteger(this.nodeCount) || this.nodeCount < 3 || this.nodeCount > 32) {
      throw new RangeError('devnet: --nodes must be an integer from 3 to 32');
    }
    this.dataDir = resolve(options.dataDir ?? '.mosaic-devnet');
    this.progress = options.onProgress ?? (() => {});
  }

  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /** Stops the nodes (SIGTERM, SIGKILL after 15 s), then anvil (which dumps its state as it exits). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.processes.map((node) => node.kill('SIGTERM')));
      await this.anvil?.stop();
    })();
    return this.stopping;
  }

  /** Sends a progress line. */
  info(text: string): void {
    this.progress({ type: 'info', text });
  }

  /** Runs one step of the start with its progress events; throws DevnetStoppedError once the devnet is stopped. */
  async step<T>(step: string, text: string, work: () => Promise<T>): Promise<T> {
    this.check();
    const started = Date.now();
    this.progress({ type: 'start', step, text });
    const value = await work();
    this.check();
    this.progress({ type: 'done', step, text, ms: Date.now() - started });
    return value;
  }

  /**
   * Starts the network (anvil on `anvilPort` when it is free, so that a resumed network keeps its URL); on
   * failure everything started is stopped before the error is thrown (DevnetStoppedError after a stop()).
   */
  async start(options: { anvilPort?: number } = {}): Promise<DevnetNetwork> {
    try {
      return await this.run(options.anvilPort);
    } catch (error) {
      // After a stop() a step fails on the processes that stop() ended: that is the stop, not a failure.
      const stopped = this.stopped;
      await this.stop();
      throw stopped ? new DevnetStoppedError() : error;
    }
  }

  private check(): void {
    if (this.stopped) throw new DevnetStoppedError();
  }

  private async run(anvilPort: number | undefined): Promise<DevnetNetwork> {
    const { dataDir } = this;
    if (this.options.reset) {
      await rm(dataDir, { recursive: true, force: true });
      this.info(`--reset: wiped ${dataDir}`);
    }
    await mkdir(dataDir, { recursive: true });
    const deploymentsDir = join(dataDir, 'deployments');
    const stateFile = join(dataDir, 'anvil-state.json');
    const hadState = existsSync(stateFile);

    const anvil = await this.step(
      'anvil',
      hadState ? `Starting anvil on loopback, resuming the chain from ${stateFile}` : 'Starting anvil on loopback',
      async () => {
        this.anvil = await startPersistentAnvil({ stateFile, ...(anvilPort ? { preferredPort: anvilPort } : {}) });
        return this.anvil;
      },
    );
    const recordedFile = join(deploymentsDir, `${anvil.chainId}.json`);
    // Resume when the loaded chain still holds the deployment recorded in the data directory.
    let resumedDeployment: { addresses: MosaicAddresses; file: string } | undefined;
    if (hadState && existsSync(recordedFile)) {
      const recorded = await readDeployment(deploymentsDir, anvil.chainId).catch(() => undefined);
      const chain = createPublicClient({ transport: http(anvil.url) });
      const code = recorded ? await chain.getCode({ address: recorded.addresses.epochs }) : undefined;
      if (recorded && code && code !== '0x') resumedDeployment = { addresses: recorded.addresses, file: recordedFile };
    }
    const resumed = resumedDeployment !== undefined;
    let deployment = resumedDeployment;
    if (!deployment) {
      if (hadState || existsSync(deploymentsDir)) {
        this.info(
          'The earlier chain could not be resumed: deploying the contracts on a fresh chain. Node keys are kept.',
        );
      }
      const deployed = await this.step('deploy', 'Deploying the Mosaic contracts', () =>
        deploy({ rpcUrl: anvil.url, account: localDeployer(), ...localDeployParameters(), deploymentsDir }),
      );
      deployment = { addresses: deployed.addresses, file: deployed.file as string };
    }
    const ledger = ledgerOn(anvil, deployment);
    if (resumed) {
      const block = await ledger.client.getBlockNumber({ cacheTime: 0 });
      this.info(
        `Resumed the network at block ${block}: same contracts, stakes and node stores (--reset starts afresh)`,
      );
    }

    const n = resumed ? await this.nodesToResume() : this.nodeCount;
    let keysReused = false;
    const keys = await this.step('keys', `Preparing ${n} node data directories and keys`, async () => {
      const out: { dir: string; operator: Address; peerId: string }[] = [];
      for (let i = 1; i <= n; i++) {
        const dir = join(dataDir, `node-${i}`);
        await mkdir(dir, { recursive: true });
        // On a fresh chain the store holds another chain's events and checkpoints: start it afresh too.
        if (!resumed) {
          for (const entry of await readdir(dir))
            if (entry !== 'keys.json' && entry !== 'node.log')
              await rm(join(dir, entry), { recursive: true, force: true });
        }
        const loaded = await loadOrCreateKeys(dir);
        if (!loaded.created) keysReused = true;
        out.push({ dir, operator: loaded.keys.operator.address, peerId: loaded.keys.peerId.toString() });
      }
      return out;
    });

    await this.step('fund', 'Funding the operators (ETH and MOS)', async () => {
      for (const k of keys) {
        await ledger.fundEth(k.operator);
        // A resumed operator already staked (or holds) its MOS: top up only what the minimum stake lacks.
        await ledger.fundStake(k.operator);
      }
    });

    const urls = await this.step('nodes', `Starting ${n} nodes; each registers, stakes and logs in`, async () => {
      const timeout = this.options.registerTimeoutMs ?? 120_000;
      const firstUrl = await waitRegistered(this.startNode(keys[0]!.dir, ledger), 'node 1', timeout, {
        skippedIsDone: true,
      });
      const info = (await rpc(firstUrl, 'mosaic_info')) as { addresses: string[] };
      const rest = keys.slice(1).map((k) => this.startNode(k.dir, ledger, info.addresses[0]));
      const others = rest.map((node, i) => waitRegistered(node, `node ${i + 2}`, timeout, { skippedIsDone: true }));
      return [firstUrl, ...(await Promise.all(others))];
    });

    // A fresh chain needs its first epoch; a resumed one is advanced when the logged-in set differs from the
    // current epoch's snapshot (nodes joined or left since), so that committees are drawn from running nodes.
    const activeSetChanged = resumed && (await this.activeSetChanged(ledger));
    if (!resumed || activeSetChanged) {
      await this.step(
        'epoch',
        resumed ? 'Advancing the epoch (the active set changed)' : 'Advancing to the first epoch',
        ledger.advanceEpoch,
      );
    }

    const nodes: DevnetNode[] = [];
    for (const [i, k] of keys.entries()) {
      const { stake } = (await ledger.client.readContract({
        address: ledger.addresses.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'nodeOf',
        args: [k.operator],
      })) as { stake: bigint };
      nodes.push({
        index: i + 1,
        dataDir: k.dir,
        operator: k.operator,
        peerId: k.peerId,
        stake,
        rpcUrl: urls[i]!,
        pid: this.processes[i]!.child.pid as number,
        logFile: join(k.dir, 'node.log'),
      });
    }
    this.check();
    return {
      dataDir,
      ledger,
      deploymentFile: deployment.file,
      addresses: deployment.addresses,
      resumed,
      activeSetChanged,
      keysReused,
      nodes,
    };
  }

  /**
   * A resumed network keeps all its nodes: those of an earlier, larger start are still logged in and sit on
   * committees (and a contract's committee cannot shrink below its n), so they must run again.
   */
  private async nodesToResume(): Promise<number> {
    let earlier = 0;
    for (const entry of await readdir(this.dataDir)) {
      const index = Number(/^node-(\d+)$/.exec(entry)?.[1] ?? 0);
      if (index > this.nodeCount && existsSync(join(this.dataDir, entry, 'keys.json')))
        earlier = Math.max(earlier, index);
    }
    if (earlier <= this.nodeCount) return this.nodeCount;
    this.info(
      `The resumed network has ${earlier} nodes: starting all ${earlier} (--reset to start over with ${this.nodeCount})`,
    );
    return earlier;
  }

  private startNode(dataDir: string, ledger: Ledger, bootstrap?: string): NodeProcess {
    this.check();
    const args = [
      ...localNodeArgs({ dataDir, chainRpc: ledger.url, deploymentFile: ledger.deploymentFile }),
      '--register',
      ...(bootstrap ? ['--bootstrap', bootstrap] : []),
    ];
    const node = startNodeProcess(
      args,
      {},
      { logFile: join(dataDir, 'node.log'), detached: true, stopTimeoutMs: 15_000 },
    );
    this.processes.push(node);
    return node;
  }

  private async activeSetChanged(ledger: Ledger): Promise<boolean> {
    const { client, addresses } = ledger;
    const [active] = (await client.readContract({
      address: addresses.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'activeSet',
    })) as [Address[], bigint[]];
    const epoch = (await client.readContract({
      address: addresses.epochs,
      abi: epochsAbi,
      functionName: 'currentEpoch',
    })) as bigint;
    const [snapshot] = (await client.readContract({
      address: addresses.epochs,
      abi: epochsAbi,
      functionName: 'snapshotOf',
      args: [epoch],
    })) as [Address[], bigint[]];
    const key = (list: Address[]) =>
      list
        .map((o) => o.toLowerCase())
        .sort()
        .join();
    return key(active) !== key(snapshot);
  }
}
