/**
 * The secret node: builds the parts and walks the seven lifecycle steps in order (docs/operator-guide.md):
 *
 *   1 start      keys (generated on first start), store, chain connection, the registered nodes' peer ids, libp2p
 *                host (Mosaic protocols for registered nodes only), MPC and code protocols
 *   2 bootstrap  dial the configured peers (retry with backoff; a bad address is reported, not fatal)
 *   3 discovery  keep at least discovery.minConnections peers, re-dial when they drop
 *   4 sync       for each secret contract whose current committee includes this node: fetch its code from
 *                DHT providers, check the hash against the chain, store it
 *   5 announce   DHT provide every code hash held
 *   6 services   chain listener (resumes from its cursor), JSON-RPC over HTTP + WebSocket, /metrics, /healthz,
 *                the operator listener (operator methods, bearer token)
 *   7 register   if configured: register keys, deposit, log in (idempotent)
 *
 * Steps 1 and 6 must succeed for the node to run; a failure in 4, 5 or 7 is recorded (mosaic_info shows it)
 * and the node carries on. `MosaicNode.start` builds the parts step by step and hands out a node whose parts
 * are all there (readonly): store, listener, rpc registry, MPC streams and sessions, host, membership, the task
 * services, storage, config, keys, logger.
 */
import './shim.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { type ChainClients, connectChain } from './chain/deployment.js';
import { ChainEventFanout } from './chain/event-fanout.js';
import type { AnyChainEvent } from './chain/events.js';
import { ChainListener } from './chain/listener.js';
import { ChainMembership } from './chain/membership.js';
import { RegisteredPeers } from './chain/registered-peers.js';
import { ensureRegistered, type RegistrationOutcome } from './chain/registration.js';
import { SecretContractIndex } from './chain/secret-contracts.js';
import type { NodeConfig } from './config/schema.js';
import { CodeService } from './content/code.js';
import { announceCode, syncCode } from './content/code-sync.js';
import { Store } from './db/store.js';
import { DataHandover } from './epoch/data-handover.js';
import { type AtRestRoots, loadAtRestRoots } from './keys/at-rest-keyring.js';
import { loadOrCreateKeys, type NodeKeys } from './keys/keystore.js';
import { Shutdown } from './lifecycle/shutdown.js';
import { Lifecycle } from './lifecycle/steps.js';
import { createLogger, type Logger } from './log.js';
import { NodeMetrics } from './metrics/metrics.js';
import { bootstrap } from './p2p/bootstrap.js';
import { ConnectionKeeper } from './p2p/discovery.js';
import { createHost, type Host } from './p2p/host.js';
import { PeerGate } from './p2p/peer-gate.js';
import { registerCoreMethods } from './rpc/methods.js';
import { createOperatorToken, OPERATOR_TOKEN_FILE } from './rpc/operator-token.js';
import { RpcRegistry } from './rpc/registry.js';
import { RpcServer } from './rpc/server.js';
import { CommitteeSessions, SessionBindings } from './sessions/committee-sessions.js';
import { MpcStreams } from './sessions/libp2p-transport.js';
import { MemberChannels } from './storage/channels.js';
import { StorageDirectory } from './storage/directory.js';
import { StorageGateway } from './storage/gateway.js';
import { StorageMember } from './storage/member.js';
import { ShareRecovery } from './storage/recovery.js';
import { RecoveryHelper } from './storage/recovery-helper.js';
import type { PeerSessions } from './storage/recovery-session.js';
import { registerStorageMethods } from './storage/rpc.js';
import { ShareStore } from './storage/share-store.js';
import { StoredInputServer } from './storage/stored-input-server.js';
import { ContractModules } from './tasks/contract-modules.js';
import { registerTaskMethods } from './tasks/rpc.js';
import { functionBySelector } from './tasks/run-task.js';
import { StoredInputFetcher } from './tasks/stored-inputs.js';
import { TaskBook } from './tasks/task-book.js';
import { TaskServices } from './tasks/task-services.js';

const ESSENTIAL = new Set(['start', 'bootstrap', 'discovery', 'services']);

export interface StartNodeOptions {
  /** Decrypts (or, on first start, encrypts) the key file; default MOSAIC_PASSPHRASE or keys.passphraseFile. */
  passphrase?: string;
  logger?: Logger;
  /**
   * Called in step 6 once the listener, RPC registry and every other part exist, before the listener starts
   * and the RPC server listens: the place to subscribe to chain events (so that none is missed) and to
   * register RPC methods.
   */
  setup?: (node: MosaicNode) => void | Promise<void>;
}

/** The parts step 1 builds: keys, store, chain, libp2p host, MPC sessions, code. */
interface BaseParts {
  keys: NodeKeys;
  /** The roots of the at-rest keys of stored shares and contract state (keys/at-rest-keyring.ts). */
  atRest: AtRestRoots;
  store: Store;
  chain: ChainClients;
  membership: ChainMembership;
  secretContracts: SecretContractIndex;
  registeredPeers: RegisteredPeers;
  host: Host;
  metrics: NodeMetrics;
  streams: MpcStreams;
  sessions: CommitteeSessions;
  code: CodeService;
}

/** Every part of a running node. */
interface NodeParts extends BaseParts {
  config: NodeConfig;
  logger: Logger;
  lifecycle: Lifecycle;
  rpc: RpcRegistry;
  keeper: ConnectionKeeper;
  listener: ChainListener;
  tasks: TaskServices;
  rpcServer: RpcServer | undefined;
  chainEvents: ChainEventFanout;
  shutdown: Shutdown;
}

export class MosaicNode {
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly rpc: RpcRegistry;
  readonly keys: NodeKeys;
  readonly store: Store;
  readonly chain: ChainClients;
  readonly host: Host;
  readonly streams: MpcStreams;
  readonly sessions: CommitteeSessions;
  readonly membership: ChainMembership;
  readonly secretContracts: SecretContractIndex;
  readonly code: CodeService;
  readonly metrics: NodeMetrics;
  readonly keeper: ConnectionKeeper;
  readonly listener: ChainListener;
  readonly tasks: TaskServices;
  readonly rpcServer: RpcServer | undefined;
  /** The outcome of step 7, once it has run. */
  registration: RegistrationOutcome | undefined;
  private readonly chainEvents: ChainEventFanout;
  private readonly shutdown: Shutdown;

  private constructor(parts: NodeParts) {
    this.config = parts.config;
    this.logger = parts.logger;
    this.lifecycle = parts.lifecycle;
    this.rpc = parts.rpc;
    this.keys = parts.keys;
    this.store = parts.store;
    this.chain = parts.chain;
    this.host = parts.host;
    this.streams = parts.streams;
    this.sessions = parts.sessions;
    this.membership = parts.membership;
    this.secretContracts = parts.secretContracts;
    this.code = parts.code;
    this.metrics = parts.metrics;
    this.keeper = parts.keeper;
    this.listener = parts.listener;
    this.tasks = parts.tasks;
    this.rpcServer = parts.rpcServer;
    this.chainEvents = parts.chainEvents;
    this.shutdown = parts.shutdown;
  }

  /** Starts a node and walks the lifecycle; resolves when step 7 has finished (successfully or not). */
  static async start(config: NodeConfig, options: StartNodeOptions = {}): Promise<MosaicNode> {
    const logger = options.logger ?? createLogger(config.log.level);
    const lifecycle = new Lifecycle(logger);
    const shutdown = new Shutdown(logger);
    try {
      const base = await lifecycle.run(
        'start',
        () => startParts(config, options, shutdown, logger),
        (b) => b.summary,
      );
      await lifecycle.run('bootstrap', async () => {
        const results = await bootstrap(base.parts.host, config.bootstrap, { attempts: 5 });
        for (const r of results.filter((r) => !r.ok)) {
          logger.warn({ address: r.address, error: r.error }, 'bootstrap peer unreachable');
        }
        return {
          dialled: results.filter((r) => r.ok).length,
          failed: results.filter((r) => !r.ok).map((r) => ({ address: r.address, error: r.error })),
        };
      });
      const keeper = await lifecycle.run(
        'discovery',
        async () => {
          const keeper = new ConnectionKeeper(base.parts.host, {
            minConnections: config.discovery.minConnections,
            checkIntervalMs: config.discovery.checkIntervalMs,
            bootstrap: config.bootstrap,
            logger,
          });
          keeper.start();
          shutdown.push(() => keeper.stop());
          const peers = await keeper.check();
          return { keeper, peers };
        },
        ({ peers }) => ({ peers, minimum: config.discovery.minConnections }),
      );
      await lifecycle.run('sync', () => syncCode(base.parts, logger)).catch(() => {});
      await lifecycle.run('announce', () => announceCode(base.parts)).catch(() => {});
      const { node } = await lifecycle.run(
        'services',
        () =>
          startServices(
            { ...base.parts, config, logger, lifecycle, shutdown, keeper: keeper.keeper },
            options,
            (parts) => new MosaicNode(parts),
          ),
        (s) => s.summary,
      );
      await node.register();
      return node;
    } catch (error) {
      await shutdown.run();
      throw error;
    }
  }

  /** Registers a listener for every chain event the listener delivers (after subscribers' batches commit). */
  onChainEvent(listener: (event: AnyChainEvent) => void): () => void {
    return this.chainEvents.add(listener);
  }

  /** The JSON-RPC URL, once step 6 has run. */
  get rpcUrl(): string | undefined {
    return this.rpcServer?.address()?.url;
  }

  /** Stops every part, in reverse order of starting. Safe to call twice. */
  stop(): Promise<void> {
    return this.shutdown.run();
  }

  /** Step 7: register keys, deposit and log in, if configured. */
  private async register(): Promise<void> {
    const { config, lifecycle } = this;
    if (!config.register.enabled) {
      lifecycle.skip('register', 'register.enabled is false');
      return;
    }
    await lifecycle
      .run('register', async () => {
        const outcome = await ensureRegistered(
          this.chain,
          this.keys,
          { deposit: BigInt(config.register.deposit), login: config.register.login },
          this.logger,
        );
        this.registration = outcome;
        if (outcome.status !== 'done') throw new Error(outcome.message);
        return outcome;
      })
      .catch(() => {});
  }
}

/** Step 1: keys (generated on first start), store, chain connection, libp2p host, MPC sessions, code. */
async function startParts(config: NodeConfig, options: StartNodeOptions, shutdown: Shutdown, logger: Logger) {
  const passphrase = options.passphrase ?? (await passphraseFrom(config));
  const loaded = await loadOrCreateKeys(config.dataDir, {
    ...(passphrase === undefined ? {} : { passphrase }),
    fixPermissions: config.keys.fixPermissions,
  });
  if (passphrase === undefined) {
    // Said at every start (docs/security.md): the at-rest encryption of data shares is only as safe as this file.
    logger.warn(
      { keyFile: loaded.file },
      'NODE KEYS ARE STORED IN CLEAR (no passphrase): the at-rest key of every stored data share derives from the X25519 key in this file, so whoever reads the data directory reads the shares; set MOSAIC_PASSPHRASE or keys.passphraseFile',
    );
  }
  const keys = loaded.keys;
  const atRest = await loadAtRestRoots(config.dataDir, keys.x25519SecretKey);
  const store = await Store.open(join(config.dataDir, 'store'));
  shutdown.push(() => store.close());
  const chain = await connectChain(config.chain, keys.operator);
  const membership = new ChainMembership(chain.contracts);
  const secretContracts = new SecretContractIndex(chain.contracts);
  let host: Host | undefined;
  const metrics = new NodeMetrics(() => host?.getPeers().length ?? 0);
  // Only registered nodes may speak Mosaic's protocols to this node (docs/security.md, "Unauthenticated peers").
  const registeredPeers = new RegisteredPeers({
    client: chain.public,
    nodeRegistry: chain.deployment.addresses.nodeRegistry,
    fromBlock: firstBlock(config, chain),
    maxBlockRange: config.chain.maxBlockRange,
    logger,
  });
  await registeredPeers.start();
  const gate = new PeerGate({
    registered: registeredPeers,
    onRefused: (refusal) => {
      metrics.peerStreamsRefused.inc({ reason: refusal.reason });
      logger.debug(refusal, 'peer stream refused');
    },
  });
  host = await createHost({ privateKey: keys.libp2p, listen: config.listen, announce: config.announce, gate });
  shutdown.push(() => host?.stop());
  const bindings = new SessionBindings({ committees: membership });
  const streams = new MpcStreams(host, {
    isMember: bindings.isMember,
    onTraffic: (direction, bytes) => metrics.mpcBytes.inc({ direction }, bytes),
    onRefused: (refusal) => logger.warn(refusal, 'MPC stream refused'),
  });
  await streams.start();
  shutdown.push(() => streams.stop());
  const sessions = new CommitteeSessions({ committees: membership, transport: streams, bindings });
  const code = new CodeService({
    host,
    store,
    isDeployed: async (codeHash: Hex) => (await secretContracts.withCodeHash(codeHash)).length > 0,
    logger,
  });
  await code.start();
  shutdown.push(() => code.stop());
  const parts: BaseParts = {
    keys,
    atRest,
    store,
    chain,
    membership,
    secretContracts,
    registeredPeers,
    host,
    metrics,
    streams,
    sessions,
    code,
  };
  return {
    parts,
    summary: {
      keysCreated: loaded.created,
      operator: keys.operator.address,
      peerId: keys.peerId.toString(),
      addresses: host.getMultiaddrs().map(String),
      chainId: chain.deployment.chainId,
      dataDir: config.dataDir,
    },
  };
}

type ServiceInputs = BaseParts & {
  config: NodeConfig;
  logger: Logger;
  lifecycle: Lifecycle;
  shutdown: Shutdown;
  keeper: ConnectionKeeper;
};

/** Step 6: chain listener, task services, storage, JSON-RPC, metrics, health; `setup` runs before they start. */
async function startServices(
  parts: ServiceInputs,
  options: StartNodeOptions,
  createNode: (parts: NodeParts) => MosaicNode,
) {
  const { config, logger, lifecycle, shutdown, chain, store, host, keys, membership, metrics } = parts;
  const rpc = new RpcRegistry();
  const chainEvents = new ChainEventFanout(logger);
  const fromBlock = firstBlock(config, chain);
  const listener: ChainListener = new ChainListener({
    client: chain.public,
    addresses: chain.deployment.addresses,
    store,
    fromBlock,
    confirmations: config.chain.confirmations,
    pollIntervalMs: config.chain.pollIntervalMs,
    maxBlockRange: config.chain.maxBlockRange,
    logger,
    onProgress: (block) => {
      metrics.listenerHeight.set(Number(block));
      if (listener.head !== undefined) metrics.chainHead.set(Number(listener.head));
    },
  });
  // The fan-out to RPC subscriptions and in-process listeners. Not transactional: it runs before the event's
  // batch is committed, so a failed commit can notify twice (at-least-once).
  listener.onAny((event) => {
    metrics.chainEvents.inc();
    chainEvents.emit(event);
  });
  listener.on('nodeRegistry', 'NodeRegistered', (event) => parts.registeredPeers.note(event.args.peerId));
  let rpcServer: RpcServer | undefined;
  registerCoreMethods(rpc, {
    host,
    keys,
    chain,
    membership,
    code: parts.code,
    lifecycle,
    rpcUrl: () => rpcServer?.address()?.url,
    listenerState: () => ({ height: listener.height, head: listener.head, delivered: listener.delivered }),
    onChainEvent: (l) => chainEvents.add(l),
  });
  const cursor = await listener.readCursor();
  const book = new TaskBook(store);
  const modules = new ContractModules({ secretContracts: parts.secretContracts, code: parts.code });
  // Private data storage first: the task runs fetch their stored inputs through it, and its members answer
  // task committees from the task book.
  const storedInputs = await startStorage(parts, { rpc, chainEvents, book, modules });
  const tasks = await TaskServices.start(
    {
      host,
      store,
      chain,
      committees: membership,
      secretContracts: parts.secretContracts,
      sessions: parts.sessions,
      keys,
      atRest: parts.atRest,
      book,
      modules,
      storedInputs,
      logger,
    },
    config.tasks,
  );
  // The task services subscribe before the listener starts, so that no TaskCreated is missed.
  listener.onAny((event, batch) => tasks.onEvent(event, batch));
  chainEvents.add((event) => tasks.afterEvent(event));
  shutdown.push(() => tasks.stop());
  registerTaskMethods(rpc, { book, bundles: tasks.relay, results: tasks.results });
  const health = () => ({
    // Sync, announce and register may fail (and retry on the next start) without the node being unwell.
    ok: store.isOpen && !lifecycle.steps().some((s) => s.status === 'failed' && ESSENTIAL.has(s.name)),
    peers: host.getPeers().length,
    listenerHeight: listener.height,
    lifecycle: lifecycle.steps().map((s) => ({ name: s.name, status: s.status })),
  });
  if (config.rpc.enabled) {
    rpcServer = new RpcServer({
      config: config.rpc,
      registry: rpc,
      logger,
      ...(config.metrics.enabled ? { metrics } : {}),
      health,
    });
  }
  // Operator methods run on their own listener only, for whoever holds the token file (docs/json-rpc.md).
  const operatorServer = config.operatorRpc.enabled
    ? new RpcServer({
        config: { ...config.rpc, host: config.operatorRpc.host, port: operatorPort(config) },
        registry: rpc,
        logger,
        health,
        scope: 'operator',
        token: await createOperatorToken(operatorTokenFile(config)),
      })
    : undefined;
  const node = createNode({ ...parts, rpc, listener, tasks, rpcServer, chainEvents });
  await options.setup?.(node);
  await listener.start();
  shutdown.push(() => listener.stop());
  const urls: { rpc?: string; operatorRpc?: string } = {};
  for (const [name, server] of [
    ['rpc', rpcServer],
    ['operatorRpc', operatorServer],
  ] as const) {
    if (server === undefined) continue;
    const address = await server.listen();
    shutdown.push(() => server.close());
    urls[name] = address.url;
  }
  return { node, summary: { ...urls, listenerFrom: cursor, confirmations: config.chain.confirmations } };
}

/** The operator listener's port: as configured, else the public port + 1 (any free port when that is 0). */
function operatorPort(config: NodeConfig): number {
  if (config.operatorRpc.port !== undefined) return config.operatorRpc.port;
  return config.rpc.port === 0 ? 0 : config.rpc.port + 1;
}

function operatorTokenFile(config: NodeConfig): string {
  return config.operatorRpc.tokenFile ?? join(config.dataDir, OPERATOR_TOKEN_FILE);
}

/**
 * Private data storage (docs/storage.md): the member and gateway roles, recovery of lost shares, the data's
 * epoch handover, and this node's storage shares resharing to task committees. Returns where the task runs
 * fetch their stored inputs.
 */
async function startStorage(
  parts: ServiceInputs,
  wiring: {
    rpc: RpcRegistry;
    chainEvents: ChainEventFanout;
    book: TaskBook;
    modules: ContractModules;
  },
): Promise<StoredInputFetcher> {
  const { host, logger, keys, store, chain, membership, shutdown } = parts;
  const { x25519SecretKey, x25519PublicKey } = keys;
  const self = keys.peerId;
  const operator = keys.operator.address;
  const shares = new ShareStore(store, parts.atRest);
  const directory = new StorageDirectory({ chain });
  const channels = new MemberChannels({ host, self });
  shutdown.push(() => channels.close());
  const sessions: PeerSessions = { open: (options) => parts.sessions.openAmong(options) };
  const member = new StorageMember({
    host,
    logger,
    store,
    shares,
    directory,
    operator,
    x25519SecretKey,
    x25519PublicKey,
  });
  const recovery = new ShareRecovery({ directory, shares, channels, sessions, self, logger });
  const helper = new RecoveryHelper({ host, logger, directory, shares, sessions, self });
  const handover = new DataHandover({ host, logger, directory, shares, channels, sessions, self });
  const server = new StoredInputServer({
    host,
    logger,
    tasks: {
      waitFor: (taskId, timeoutMs) => wiring.book.waitFor(taskId, timeoutMs),
      functionOf: async (contractId, selector) =>
        functionBySelector(await wiring.modules.moduleOf(contractId), selector),
      committee: (contractId, epoch) => membership.committee(contractId, epoch),
    },
    directory,
    shares,
    operator,
    x25519SecretKey,
  });
  for (const service of [member, helper, handover, server]) {
    await service.start();
    shutdown.push(() => service.stop());
  }
  wiring.chainEvents.add((event) => handover.onChainEvent(event));
  registerStorageMethods(wiring.rpc, { gateway: new StorageGateway({ directory, channels, member }), recovery });
  return new StoredInputFetcher({ host, self, directory, local: server });
}

async function passphraseFrom(config: NodeConfig): Promise<string | undefined> {
  if (config.keys.passphraseFile !== undefined) {
    return (await readFile(config.keys.passphraseFile, 'utf8')).replace(/\r?\n$/, '');
  }
  const fromEnv = process.env.MOSAIC_PASSPHRASE;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** The first block whose events matter: the configured one, else a little before the deployment's block. */
function firstBlock(config: NodeConfig, chain: ChainClients): bigint {
  if (config.chain.fromBlock !== undefined) return BigInt(config.chain.fromBlock);
  // The deployment's block is its last transaction; its first events are a few blocks earlier.
  return maxBig(0n, chain.deployment.blockNumber - 16n);
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
