/**
 * A local Mosaic network for end-to-end tests and benchmarks: a real anvil chain with the suite deployed and
 * `count` node processes (each its own OS process, real libp2p on loopback), registered and logged in.
 * `config` is written to a JSON file passed with `--config` (e.g. `{ tasks: { maxBatch: 64 } }`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateKeys } from '../keys/keystore.js';
import { rpc } from './json-rpc.js';
import { startLedger, type TestLedger } from './ledger.js';
import { localNodeArgs, type NodeProcess, startNodeProcess, waitRegistered } from './node-process.js';

export interface LocalNetwork {
  ledger: TestLedger;
  nodes: NodeProcess[];
  dataDirs: string[];
  /** Starts, funds and registers one more node (it logs in, so it joins committees from the next epoch). */
  addNode(): Promise<NodeProcess>;
  /**
   * Starts node `index` again on its data directory (after the test stopped it), bootstrapping from a running
   * node, and waits until `seenBy` (default: that running node) is connected to it.
   */
  restartNode(index: number, options?: { seenBy?: number }): Promise<NodeProcess>;
  /**
   * Every node's log lines that `match` keeps (by default warnings, errors and the task, handover and receipt
   * milestones), merged in time order, one line each, a repeated line once with its count: what a failed test
   * prints to say where the network stalled.
   */
  timeline(match?: (line: Record<string, unknown>) => boolean, limit?: number): string[];
  stop(options?: { keepDataDirs?: boolean }): Promise<void>;
}

export interface LocalNetworkOptions {
  count?: number;
  epochLength?: bigint;
  logLevel?: string;
  config?: Record<string, unknown>;
  /** The chain URL the nodes use, from anvil's (e.g. a proxy that counts their requests); default anvil's. */
  nodeChainRpc?: (ledgerUrl: string) => string | Promise<string>;
  /**
   * Where node `index` runs (default: a plain process on loopback). Called again for a restart of the same
   * index; the test bed of hosts (src/devnet/hosts) places each node in its own network namespace.
   */
  placeNode?: (index: number, ledger: TestLedger) => Promise<NodePlacement>;
}

export interface NodePlacement {
  /** Runs the node through this command (e.g. `ip netns exec <namespace>`). */
  commandPrefix?: string[];
  /** The chain's URL as seen from where the node runs (default the ledger's). */
  chainRpc?: string;
  /** More flags (e.g. `--listen`, `--announce`, `--rpc-host`). */
  args?: string[];
}

const MILESTONE = /handover|receipt batch|task failed|not delivered|skipped|refund/;

/** A log line worth a place in a failed test's timeline. */
export const DIAGNOSTIC_LINE = (line: Record<string, unknown>): boolean =>
  Number(line.level) >= 40 || MILESTONE.test(String(line.msg ?? ''));

export async function startLocalNetwork(options: LocalNetworkOptions = {}): Promise<LocalNetwork> {
  const count = options.count ?? 5;
  const logLevel = options.logLevel ?? process.env.MOSAIC_E2E_LOG_LEVEL;
  const ledger = await startLedger(options.epochLength ?? 5n);
  let chainRpc = ledger.url;
  const nodes: NodeProcess[] = [];
  const dataDirs: string[] = [];
  const scratch: string[] = [];
  let configFile: string | undefined;
  let bootstrap: string | undefined;
  const nodeArgs = (dataDir: string, bootstrapFrom: string | undefined, placement: NodePlacement): string[] => [
    ...(configFile ? ['--config', configFile] : []),
    ...localNodeArgs({ dataDir, chainRpc: placement.chainRpc ?? chainRpc, deploymentFile: ledger.deploymentFile }),
    ...(placement.args ?? []),
    '--register',
    // MOSAIC_E2E_LOG_LEVEL=debug: every node logs its runners' decisions too (to chase a stall).
    ...(logLevel ? ['--log-level', logLevel] : []),
    ...(bootstrapFrom ? ['--bootstrap', bootstrapFrom] : []),
  ];
  const network: LocalNetwork = {
    ledger,
    nodes,
    dataDirs,
    async addNode() {
      const i = nodes.length;
      const dataDir = await mkdtemp(join(tmpdir(), `mosaic-net-${i}-`));
      dataDirs.push(dataDir);
      const { operator } = (await loadOrCreateKeys(dataDir)).keys;
      await ledger.fundEth(operator.address);
      await ledger.fundMos(operator.address);
      const placement = (await options.placeNode?.(i, ledger)) ?? {};
      const node = startNodeProcess(
        nodeArgs(dataDir, bootstrap, placement),
        {},
        { commandPrefix: placement.commandPrefix ?? [] },
      );
      nodes.push(node);
      await waitRegistered(node, `node ${i}`, 90_000);
      if (!bootstrap) bootstrap = ((await rpc(node.rpcUrl(), 'mosaic_info')) as { addresses: string[] }).addresses[0];
      return node;
    },
    async restartNode(index, { seenBy } = {}) {
      const alive = nodes.findIndex((n, i) => i !== index && n.child.exitCode === null && n.child.signalCode === null);
      const from = ((await rpc(nodes[alive]!.rpcUrl(), 'mosaic_info')) as { addresses: string[] }).addresses[0]!;
      const placement = (await options.placeNode?.(index, ledger)) ?? {};
      const node = startNodeProcess(
        nodeArgs(dataDirs[index]!, from, placement),
        {},
        { commandPrefix: placement.commandPrefix ?? [] },
      );
      await waitRegistered(node, `restarted node ${index}`, 90_000);
      nodes[index] = node;
      // The other nodes learn the restarted node's new address from its connection.
      const peerId = ((await rpc(node.rpcUrl(), 'mosaic_info')) as { peerId: string }).peerId;
      const watcher = nodes[seenBy ?? alive]!;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const peers = (await rpc(watcher.rpcUrl(), 'mosaic_peers').catch(() => [])) as { peerId?: string }[];
        if (Array.isArray(peers) && peers.some((p) => p.peerId === peerId)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      return node;
    },
    timeline(match = DIAGNOSTIC_LINE, limit = 150) {
      const lines = nodes.flatMap((n, i) =>
        n.logs.filter(match).map((l) => ({ node: i, time: Number(l.time ?? 0), line: l })),
      );
      lines.sort((a, b) => a.time - b.time);
      const start = lines[0]?.time ?? 0;
      const at = (time: number) => `+${((time - start) / 1000).toFixed(1)}s`;
      // A stalled network repeats itself (the same failure for every later task): a repeated line is kept once,
      // at its first time, with its count, so that what went wrong first still fits in what CI keeps.
      const kept: { text: string; count: number; last: number }[] = [];
      const byKey = new Map<string, (typeof kept)[number]>();
      for (const { node, time, line } of lines) {
        const { level: _l, time: _t, service: _s, pid: _p, hostname: _h, msg, ...rest } = line;
        const fields = JSON.stringify(rest).slice(0, 300);
        const key = /handover/.test(String(msg))
          ? undefined
          : `${node}|${msg}|${fields.replace(/0x[0-9a-f]+|\d+/g, '#')}`;
        const seen = key === undefined ? undefined : byKey.get(key);
        if (seen) {
          seen.count++;
          seen.last = time;
          continue;
        }
        const entry = { text: `${at(time)} node ${node}: ${String(msg)} ${fields}`, count: 1, last: time };
        kept.push(entry);
        if (key !== undefined) byKey.set(key, entry);
      }
      return kept
        .slice(-limit)
        .map((e) => (e.count > 1 ? `${e.text} (x${e.count}, the last at ${at(e.last)})` : e.text));
    },
    async stop({ keepDataDirs = false } = {}) {
      // For a failed run: MOSAIC_E2E_LOG_DIR=<dir> keeps every node's log lines (they never hold a secret).
      const logDir = process.env.MOSAIC_E2E_LOG_DIR;
      if (logDir) {
        await Promise.allSettled(
          nodes.map((n, i) =>
            writeFile(join(logDir, `node-${i}.log`), n.logs.map((l) => JSON.stringify(l)).join('\n')),
          ),
        );
      }
      await Promise.allSettled(nodes.map((n) => n.kill('SIGTERM')));
      await ledger.stop();
      const dirs = keepDataDirs ? scratch : [...dataDirs, ...scratch];
      await Promise.allSettled(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
  try {
    if (options.nodeChainRpc) chainRpc = await options.nodeChainRpc(ledger.url);
    if (options.config) {
      const dir = await mkdtemp(join(tmpdir(), 'mosaic-net-config-'));
      scratch.push(dir);
      configFile = join(dir, 'config.json');
      await writeFile(configFile, JSON.stringify(options.config));
    }
    for (let i = 0; i < count; i++) await network.addNode();
    return network;
  } catch (error) {
    await network.stop();
    throw error;
  }
}
