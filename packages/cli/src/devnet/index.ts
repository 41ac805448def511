/**
 * A local Mosaic network in one call: anvil on loopback, the contract suite deployed, N staked secret nodes
 * (each its own `mosaic node` process), the first epoch, and the millionaires example deployed and called once.
 *
 * Data directory layout: <dataDir>/devnet.json (the environment file other commands read),
 * <dataDir>/anvil-state.json (the chain), <dataDir>/deployments/<chainId>.json,
 * <dataDir>/node-<i>/{keys.json,store,node.log}.
 *
 * A second start with the same data directory resumes the same network: anvil loads its state file, the
 * deployment and the example contract are reused, the nodes keep their keys and stores (registration finds
 * them registered and logged in). When the chain cannot be resumed (no state file, or it lacks the
 * contracts), the suite is deployed afresh and the node stores, which describe another chain, are cleared.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MosaicClient } from '@mosaic/client';
import {
  advanceAnvilEpoch,
  epochsAbi,
  MIN_STAKE,
  type MosaicAddresses,
  mosaicTokenAbi,
  nodeRegistryAbi,
  secretContractsAbi,
} from '@mosaic/contracts';
import { ANVIL_MNEMONIC, deploy, readDeployment } from '@mosaic/contracts/node';
import { compile } from '@mosaic/lang';
import { loadOrCreateKeys } from '@mosaic/node';
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type Transport,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type PersistentAnvil, startPersistentAnvil } from './anvil.js';
import { DEV_ACCOUNT_NOTE, readDevnetEnvironment, writeDevnetEnvironment } from './env-file.js';
import { Millionaires } from './millionaires.js';

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

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

export class DevnetStoppedError extends Error {
  constructor() {
    super('devnet stopped');
  }
}

interface RunningNode {
  child: ChildProcess;
  exited: Promise<void>;
  logs: Record<string, unknown>[];
  stderr: string;
  waiters: Set<() => void>;
}

/** A devnet being started or running; `stop()` is safe at any time and more than once. */
export class Devnet {
  readonly dataDir: string;
  readonly nodeCount: number;
  private anvil?: PersistentAnvil;
  private readonly running: RunningNode[] = [];
  private stopping?: Promise<void>;
  private readonly progress: (event: DevnetProgress) => void;
  private readonly exitHook = () => {
    for (const node of this.running) if (node.child.exitCode === null) node.child.kill('SIGKILL');
  };

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

  /** Stops the nodes (SIGTERM, SIGKILL after 15 s), then anvil. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(
        this.running.map(async (node) => {
          if (node.child.exitCode !== null || node.child.signalCode !== null) return;
          node.child.kill('SIGTERM');
          const timer = setTimeout(() => node.child.kill('SIGKILL'), 15_000);
          await node.exited;
          clearTimeout(timer);
        }),
      );
      await this.anvil?.stop();
      process.off('exit', this.exitHook);
    })();
    return this.stopping;
  }

  private check(): void {
    if (this.stopped) throw new DevnetStoppedError();
  }

  private async step<T>(step: string, text: string, work: () => Promise<T>): Promise<T> {
    this.check();
    const started = Date.now();
    this.progress({ type: 'start', step, text });
    const value = await work();
    this.check();
    this.progress({ type: 'done', step, text, ms: Date.now() - started });
    return value;
  }

  async start(): Promise<DevnetSummary> {
    process.on('exit', this.exitHook);
    try {
      return await this.run();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async run(): Promise<DevnetSummary> {
    const { dataDir } = this;
    let n = this.nodeCount;
    // Two devnets on one data directory would share (and corrupt) the chain state and the node stores.
    const running = await readDevnetEnvironment(dataDir).catch(() => undefined);
    if (running && running.pids.devnet !== process.pid && isDevnetProcess(running.pids.devnet)) {
      throw new Error(
        `a devnet (pid ${running.pids.devnet}) is already running with ${dataDir}: stop it (Ctrl-C) or pass another --data-dir`,
      );
    }
    if (this.options.reset) {
      await rm(dataDir, { recursive: true, force: true });
      this.progress({ type: 'info', text: `--reset: wiped ${dataDir}` });
    }
    await mkdir(dataDir, { recursive: true });
    const deploymentsDir = join(dataDir, 'deployments');
    const stateFile = join(dataDir, 'anvil-state.json');
    const previous = this.options.reset ? undefined : await readDevnetEnvironment(dataDir).catch(() => undefined);
    const hadState = existsSync(stateFile);

    const anvil = await this.step(
      'anvil',
      hadState ? `Starting anvil on loopback, resuming the chain from ${stateFile}` : 'Starting anvil on loopback',
      () => startPersistentAnvil({ stateFile, ...(previous ? { preferredPort: previous.anvilPort } : {}) }),
    );
    this.anvil = anvil;
    const deployer = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });
    const chain: Chain = { ...foundry, id: anvil.chainId };
    const transport: Transport = http(anvil.url);
    const client = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
    const testClient = createTestClient({ chain, transport, mode: 'anvil' });

    // Resume when the loaded chain still holds the deployment recorded in the data directory.
    let resumedDeployment: Awaited<ReturnType<typeof readDeployment>> | undefined;
    if (hadState && existsSync(join(deploymentsDir, `${anvil.chainId}.json`))) {
      const recorded = await readDeployment(deploymentsDir, anvil.chainId).catch(() => undefined);
      const code = recorded ? await client.getCode({ address: recorded.addresses.epochs }) : undefined;
      if (recorded && code && code !== '0x') resumedDeployment = recorded;
    }
    const resumed = resumedDeployment !== undefined;
    if (resumed) {
      const block = await client.getBlockNumber({ cacheTime: 0 });
      this.progress({
        type: 'info',
        text: `Resumed the network at block ${block}: same contracts, stakes and node stores (--reset starts afresh)`,
      });
    } else if (hadState || existsSync(deploymentsDir)) {
      this.progress({
        type: 'info',
        text: 'The earlier chain could not be resumed: deploying the contracts on a fresh chain. Node keys are kept.',
      });
    }
    const deployment = resumedDeployment
      ? { ...resumedDeployment, file: join(deploymentsDir, `${anvil.chainId}.json`) }
      : await this.step('deploy', 'Deploying the Mosaic contracts', () =>
          deploy({
            rpcUrl: anvil.url,
            account: deployer,
            epochLength: 5n,
            taskTimeoutBlocks: 50n,
            storageFeePerByteEpoch: 1n,
            deploymentsDir,
          }),
        );
    const deploymentFile = deployment.file as string;
    const a = deployment.addresses;
    const send = async (from: Account, address: Address, abi: readonly unknown[], fn: string, args: unknown[]) => {
      const wallet = createWalletClient({ account: from, chain, transport, pollingInterval: 50 });
      const hash = await wallet.writeContract({
        address,
        abi: abi as never,
        functionName: fn as never,
        args: args as never,
        account: from,
        chain,
      });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`${fn} reverted`);
      return receipt;
    };

    // A resumed network keeps all its nodes: those of an earlier, larger start are still logged in and sit on
    // committees (and a contract's committee cannot shrink below its n), so they must run again.
    if (resumed) {
      let earlier = 0;
      for (const entry of await readdir(dataDir)) {
        const index = Number(/^node-(\d+)$/.exec(entry)?.[1] ?? 0);
        if (index > n && existsSync(join(dataDir, entry, 'keys.json'))) earlier = Math.max(earlier, index);
      }
      if (earlier > n) {
        this.progress({
          type: 'info',
          text: `The resumed network has ${earlier} nodes: starting all ${earlier} (--reset to start over with ${n})`,
        });
        n = earlier;
      }
    }
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
        const view = loaded.keys.toJSON();
        out.push({ dir, operator: view.operator as Address, peerId: view.peerId });
      }
      return out;
    });

    await this.step('fund', 'Funding the operators (ETH and MOS)', async () => {
      for (const k of keys) {
        await testClient.setBalance({ address: k.operator, value: 10n ** 20n });
        // A resumed operator already staked (or holds) its MOS: top up only what the minimum stake lacks.
        const [info, balance] = await Promise.all([
          client.readContract({
            address: a.nodeRegistry,
            abi: nodeRegistryAbi,
            functionName: 'nodeOf',
            args: [k.operator],
          }),
          client.readContract({ address: a.token, abi: mosaicTokenAbi, functionName: 'balanceOf', args: [k.operator] }),
        ]);
        const held = (info as { stake: bigint }).stake + (balance as bigint);
        if (held < MIN_STAKE) await send(deployer, a.token, mosaicTokenAbi, 'transfer', [k.operator, MIN_STAKE - held]);
      }
    });

    const nodeArgs = (dir: string, bootstrap?: string) => [
      BIN,
      'node',
      '--data-dir',
      dir,
      '--chain-rpc',
      anvil.url,
      '--deployment',
      deploymentFile,
      '--rpc-port',
      '0',
      '--confirmations',
      '0',
      '--min-connections',
      '1',
      '--register',
      ...(bootstrap ? ['--bootstrap', bootstrap] : []),
    ];
    const nodes = await this.step(
      'nodes',
      `Starting ${n} nodes; each registers, stakes and logs in`,
      async (): Promise<{ rpcUrl: string; pid: number; logFile: string }[]> => {
        const timeout = this.options.registerTimeoutMs ?? 120_000;
        const first = this.spawnNode(keys[0]!.dir, nodeArgs(keys[0]!.dir));
        const firstUrl = await this.registered(first, 1, timeout);
        const info = (await rpc(firstUrl, 'mosaic_info')) as { addresses: string[] };
        const bootstrap = info.addresses[0];
        const rest = keys.slice(1).map((k) => this.spawnNode(k.dir, nodeArgs(k.dir, bootstrap)));
        const urls = [firstUrl, ...(await Promise.all(rest.map((node, i) => this.registered(node, i + 2, timeout))))];
        return urls.map((rpcUrl, i) => ({
          rpcUrl,
          pid: this.running[i]!.child.pid as number,
          logFile: join(keys[i]!.dir, 'node.log'),
        }));
      },
    );

    const advanceEpoch = (): Promise<bigint> =>
      advanceAnvilEpoch({ rpcUrl: anvil.url, account: deployer, epochs: a.epochs, chain });
    // A fresh chain needs its first epoch; a resumed one is advanced when the logged-in set differs from the
    // current epoch's snapshot (nodes joined or left since), so that committees are drawn from running nodes.
    const activeSetChanged = async () => {
      const [active] = (await client.readContract({
        address: a.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'activeSet',
      })) as [Address[], bigint[]];
      const epoch = (await client.readContract({
        address: a.epochs,
        abi: epochsAbi,
        functionName: 'currentEpoch',
      })) as bigint;
      const [snapshot] = (await client.readContract({
        address: a.epochs,
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
    };
    const setChanged = resumed && (await activeSetChanged());
    if (!resumed || setChanged) {
      await this.step(
        'epoch',
        resumed ? 'Advancing the epoch (the active set changed)' : 'Advancing to the first epoch',
        advanceEpoch,
      );
    }

    const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 9 });
    const callerKey = bytesToHex0x(caller.getHdKey().privateKey as Uint8Array);
    const callerFunds = (await client.readContract({
      address: a.token,
      abi: mosaicTokenAbi,
      functionName: 'balanceOf',
      args: [caller.address],
    })) as bigint;
    if (callerFunds < 100n * 10n ** 18n) {
      await send(deployer, a.token, mosaicTokenAbi, 'transfer', [caller.address, 1000n * 10n ** 18n]);
    }
    const mosaic = await MosaicClient.connect({
      chain: { rpcUrl: anvil.url, account: callerKey },
      addresses: a,
      node: nodes[0]!.rpcUrl,
    });
    const compiled = compile(Millionaires);
    const committee = { n, t: Math.floor((n - 1) / 2) };
    // On a resumed chain the example deployed by the earlier start is called again (when it is the same code).
    let reusedExample: bigint | undefined;
    // Not when the node set changed: the old contract's committee then changes too, and its tasks wait for the
    // nodes' state handover between committees; a new deployment starts with its committee from this set.
    if (resumed && !setChanged && previous?.example) {
      const id = BigInt(previous.example.contractId);
      const record = (await client
        .readContract({ address: a.secretContracts, abi: secretContractsAbi, functionName: 'contractOf', args: [id] })
        .catch(() => undefined)) as { codeHash: Hex; n: number } | undefined;
      if (record && record.codeHash.toLowerCase() === compiled.codeHash.toLowerCase() && record.n <= n) {
        reusedExample = id;
        await mosaic.putCode(compiled); // the nodes' code store survives too, but an upload is cheap and idempotent
      }
    }
    const deployed =
      reusedExample !== undefined
        ? { contractId: reusedExample }
        : await this.step(
            'example',
            `Deploying the millionaires example (n=${committee.n}, t=${committee.t})`,
            async () => {
              const result = await mosaic.deploy(compiled, committee);
              await advanceEpoch();
              return result;
            },
          );
    const inputs = { a: 1_200_000n, b: 950_000n };
    const called = await this.step('call', 'Calling compare(a, b) on secret inputs', () =>
      mosaic.contract(compiled, deployed.contractId).call.compare(inputs, { autoDeposit: true }),
    );
    await mosaic.close();

    const infos: DevnetNode[] = [];
    for (const [i, k] of keys.entries()) {
      const info = (await client.readContract({
        address: a.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'nodeOf',
        args: [k.operator],
      })) as { stake: bigint };
      infos.push({
        index: i + 1,
        dataDir: k.dir,
        operator: k.operator,
        peerId: k.peerId,
        stake: info.stake,
        ...nodes[i]!,
      });
    }
    this.check();
    const envFile = await writeDevnetEnvironment(dataDir, {
      format: 'mosaic-devnet/v1',
      chainRpc: anvil.url,
      chainId: anvil.chainId,
      deploymentFile,
      addresses: a,
      nodeRpcs: nodes.map((node) => node.rpcUrl),
      account: { address: caller.address, privateKey: callerKey, note: DEV_ACCOUNT_NOTE },
      example: { contractId: deployed.contractId.toString(), codeHash: compiled.codeHash },
      pids: { devnet: process.pid, nodes: nodes.map((node) => node.pid) },
      anvilPort: anvil.port,
      startedAt: new Date().toISOString(),
    });
    return {
      dataDir,
      chainRpc: anvil.url,
      chainId: anvil.chainId,
      anvilPort: anvil.port,
      anvilPid: anvil.pid,
      deploymentFile,
      envFile,
      account: caller.address,
      addresses: a,
      resumed,
      keysReused,
      nodes: infos,
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

  private spawnNode(dir: string, args: string[]): RunningNode {
    this.check();
    // Its own process group: a terminal's Ctrl-C reaches the devnet only, which then stops the nodes in order.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const log = createWriteStream(join(dir, 'node.log'), { flags: 'a' });
    const node: RunningNode = {
      child,
      logs: [],
      stderr: '',
      waiters: new Set(),
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
    };
    child.once('error', () => {});
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    void node.exited.then(() => {
      log.end();
      for (const w of node.waiters) w();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      node.stderr = (node.stderr + chunk.toString()).slice(-2000);
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        node.logs.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        return;
      }
      for (const w of node.waiters) w();
    });
    this.running.push(node);
    return node;
  }

  /** Waits for the node's register step; returns its RPC URL. */
  private registered(node: RunningNode, index: number, timeoutMs: number): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`node ${index} did not register within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (error?: Error, url?: string) => {
        clearTimeout(timer);
        node.waiters.delete(check);
        if (error) reject(error);
        else resolvePromise(url as string);
      };
      const check = () => {
        if (this.stopped) return finish(new DevnetStoppedError());
        const step = node.logs.find(
          (l) => l.name === 'register' && ['done', 'skipped', 'failed'].includes(String(l.status)),
        );
        if (step) {
          if (step.status === 'failed')
            return finish(new Error(`node ${index} failed to register: ${JSON.stringify(step.detail)}`));
          const services = node.logs.find((l) => l.name === 'services' && l.status === 'done');
          const url = (services?.detail as { rpc?: string } | undefined)?.rpc;
          if (url) return finish(undefined, url);
        }
        if (node.child.exitCode !== null || node.child.signalCode !== null) {
          return finish(
            new Error(`node ${index} exited (${node.child.exitCode ?? node.child.signalCode}): ${node.stderr.trim()}`),
          );
        }
      };
      node.waiters.add(check);
      check();
    });
  }
}

/** Starts a devnet; on failure everything it started is stopped before the error is thrown. */
export async function startDevnet(options: DevnetOptions = {}): Promise<{ devnet: Devnet; summary: DevnetSummary }> {
  const devnet = new Devnet(options);
  return { devnet, summary: await devnet.start() };
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

function bytesToHex0x(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

async function rpc(url: string, method: string, params?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}
