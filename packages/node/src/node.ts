/**
 * The secret node: builds the parts and walks the seven lifecycle steps in order (DESIGN.md section 5):
 *
 *   1 start      keys (generated on first start), store, chain connection, libp2p host, MPC and code protocols
 *   2 bootstrap  dial the configured peers (retry with backoff; a bad address is reported, not fatal)
 *   3 discovery  keep at least discovery.minConnections peers, re-dial when they drop
 *   4 sync       for each secret contract whose current committee includes this node: fetch its code from
 *                DHT providers, check the hash against the chain, store it
 *   5 announce   DHT provide every code hash held
 *   6 services   chain listener (resumes from its cursor), JSON-RPC over HTTP + WebSocket, /metrics, /healthz
 *   7 register   if configured: register keys, deposit, log in (idempotent)
 *
 * Steps 1 and 6 must succeed for the node to run; a failure in 4, 5 or 7 is recorded (mosaic_info shows it)
 * and the node carries on. The node object exposes every building block for the parts that come next (task
 * executor, epochs): store, listener, rpc registry, MPC streams, host, membership, config, keys, logger.
 */
import './shim.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { type ChainClients, connectChain } from './chain/deployment.js';
import type { AnyChainEvent } from './chain/events.js';
import { ChainListener } from './chain/listener.js';
import { ChainMembership } from './chain/membership.js';
import { ensureRegistered, type RegistrationOutcome } from './chain/registration.js';
import { SecretContractIndex } from './chain/secret-contracts.js';
import type { NodeConfig } from './config/schema.js';
import { CodeService } from './content/code.js';
import { Store } from './db/store.js';
import { DataHandover } from './epoch/data-handover.js';
import { loadOrCreateKeys, type NodeKeys } from './keys/keystore.js';
import { Lifecycle } from './lifecycle/steps.js';
import { createLogger, type Logger } from './log.js';
import { NodeMetrics } from './metrics/metrics.js';
import { bootstrap } from './p2p/bootstrap.js';
import { ConnectionKeeper } from './p2p/discovery.js';
import { createHost, type Host } from './p2p/host.js';
import { registerCoreMethods } from './rpc/methods.js';
import { RpcRegistry } from './rpc/registry.js';
import { RpcServer } from './rpc/server.js';
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
import { TaskExecutor } from './tasks/executor.js';
import { registerTaskMethods } from './tasks/rpc.js';
import { functionBySelector } from './tasks/run-task.js';
import { StoredInputFetcher } from './tasks/stored-inputs.js';

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

export class MosaicNode {
  readonly rpc = new RpcRegistry();
  readonly lifecycle: Lifecycle;
  private readonly chainEventListeners = new Set<(event: AnyChainEvent) => void>();
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private stopping: Promise<void> | undefined;

  // Set during step 1 (start) / 6 (services); the node is only handed out once they are.
  keys!: NodeKeys;
  store!: Store;
  chain!: ChainClients;
  host!: Host;
  streams!: MpcStreams;
  membership!: ChainMembership;
  secretContracts!: SecretContractIndex;
  code!: CodeService;
  listener!: ChainListener;
  executor!: TaskExecutor;
  metrics!: NodeMetrics;
  keeper!: ConnectionKeeper;
  rpcServer: RpcServer | undefined;
  registration: RegistrationOutcome | undefined;

  private constructor(
    readonly config: NodeConfig,
    readonly logger: Logger,
  ) {
    this.lifecycle = new Lifecycle(logger);
  }

  /** Starts a node and walks the lifecycle; resolves when step 7 has finished (successfully or not). */
  static async start(config: NodeConfig, options: StartNodeOptions = {}): Promise<MosaicNode> {
    const logger = options.logger ?? createLogger(config.log.level);
    const node = new MosaicNode(config, logger);
    try {
      await node.walk(options);
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  /** Registers a listener for every chain event the listener delivers (after subscribers' batches commit). */
  onChainEvent(listener: (event: AnyChainEvent) => void): () => void {
    this.chainEventListeners.add(listener);
    return () => this.chainEventListeners.delete(listener);
  }

  /** The JSON-RPC URL, once step 6 has run. */
  get rpcUrl(): string | undefined {
    return this.rpcServer?.address()?.url;
  }

  /** Stops every part, in reverse order of starting. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('stopping');
      for (const cleanup of this.cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          this.logger.warn({ err: String(error) }, 'error while stopping');
        }
      }
      this.logger.info('stopped');
    })();
    return this.stopping;
  }

  private async walk(options: StartNodeOptions): Promise<void> {
    const { config, lifecycle } = this;
    await lifecycle.run('start', () => this.startParts(options));
    await lifecycle.run('bootstrap', async () => {
      const results = await bootstrap(this.host, config.bootstrap, { attempts: 5 });
      for (const r of results.filter((r) => !r.ok)) {
        this.logger.warn({ address: r.address, error: r.error }, 'bootstrap peer unreachable');
      }
      return {
        dialled: results.filter((r) => r.ok).length,
        failed: results.filter((r) => !r.ok).map((r) => ({ address: r.address, error: r.error })),
      };
    });
    await lifecycle.run('discovery', async () => {
      this.keeper = new ConnectionKeeper(this.host, {
        minConnections: config.discovery.minConnections,
        checkIntervalMs: config.discovery.checkIntervalMs,
        bootstrap: config.bootstrap,
        logger: this.logger,
      });
      this.keeper.start();
      this.cleanups.push(() => this.keeper.stop());
      const peers = await this.keeper.check();
      return { peers, minimum: config.discovery.minConnections };
    });
    await lifecycle.run('sync', () => this.sync()).catch(() => {});
    await lifecycle.run('announce', () => this.announce()).catch(() => {});
    await lifecycle.run('services', () => this.startServices(options));
    if (config.register.enabled) {
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
    } else {
      lifecycle.skip('register', 'register.enabled is false');
    }
  }

  private async startParts(options: StartNodeOptions) {
    const { config } = this;
    const passphrase = options.passphrase ?? (await passphraseFrom(config));
    const loaded = await loadOrCreateKeys(config.dataDir, {
      ...(passphrase === undefined ? {} : { passphrase }),
      fixPermissions: config.keys.fixPermissions,
    });
    this.keys = loaded.keys;
    this.store = await Store.open(join(config.dataDir, 'store'));
    this.cleanups.push(() => this.store.close());
    this.chain = await connectChain(config.chain, this.keys.operator);
    this.membership = new ChainMembership(this.chain.contracts);
    this.secretContracts = new SecretContractIndex(this.chain.contracts);
    this.host = await createHost({ privateKey: this.keys.libp2p, listen: config.listen });
    this.cleanups.push(() => this.host.stop());
    this.metrics = new NodeMetrics(() => this.host.getPeers().length);
    this.streams = new MpcStreams(this.host, {
      isMember: this.membership.isMember,
      onTraffic: (direction, bytes) => this.metrics.mpcBytes.inc({ direction }, bytes),
      onRefused: (refusal) => this.logger.warn(refusal, 'MPC stream refused'),
    });
    await this.streams.start();
    this.cleanups.push(() => this.streams.stop());
    this.code = new CodeService({
      host: this.host,
      store: this.store,
      isDeployed: async (codeHash: Hex) => (await this.secretContracts.withCodeHash(codeHash)).length > 0,
      logger: this.logger,
    });
    await this.code.start();
    this.cleanups.push(() => this.code.stop());
    return {
      keysCreated: loaded.created,
      operator: this.keys.operator.address,
      peerId: this.keys.peerId.toString(),
      addresses: this.host.getMultiaddrs().map(String),
      chainId: this.chain.deployment.chainId,
      dataDir: config.dataDir,
    };
  }

  /** Step 4: the code of every secret contract whose current committee includes this node. */
  private async sync() {
    const epoch = await this.chain.contracts.epochs.read.currentEpoch();
    const records = await this.secretContracts.all();
    const self = this.keys.peerId.toString();
    let member = 0;
    let held = 0;
    let fetched = 0;
    const missing: string[] = [];
    for (const record of records) {
      if (record.activeFromEpoch > epoch) continue;
      const committee = await this.membership.committee(record.id, epoch).catch((error: unknown) => {
        this.logger.warn({ contractId: String(record.id), err: String(error) }, 'committee unavailable');
        return undefined;
      });
      if (!committee?.members.some((m) => m.peerId === self)) continue;
      member++;
      const key = record.codeHash.toLowerCase();
      if (await this.store.code.has(key)) {
        held++;
        continue;
      }
      // fetch() accepts only bytes hashing to the chain's code hash.
      const code = await this.code.fetch(record.codeHash);
      if (code === undefined) {
        missing.push(key);
        continue;
      }
      await this.store.code.put(key, code);
      fetched++;
    }
    if (missing.length > 0) this.logger.warn({ missing }, 'code of some contracts could not be fetched yet');
    return { epoch, contracts: records.length, member, held, fetched, missing };
  }

  /** Step 5: provide every code hash this node holds. */
  private async announce() {
    let announced = 0;
    let failed = 0;
    let held = 0;
    for await (const key of this.store.code.keys()) {
      held++;
      // With no peer to take the records, providing could only time out.
      if (this.host.getPeers().length === 0) continue;
      if (await this.code.provide(key as Hex)) announced++;
      else failed++;
    }
    return { held, announced, failed };
  }

  /** Step 6: chain listener, JSON-RPC, metrics, health. */
  private async startServices(options: StartNodeOptions) {
    const { config } = this;
    const fromBlock =
      config.chain.fromBlock !== undefined
        ? BigInt(config.chain.fromBlock)
        : // The deployment's block is its last transaction; its first events are a few blocks earlier.
          maxBig(0n, this.chain.deployment.blockNumber - 16n);
    this.listener = new ChainListener({
      client: this.chain.public,
      addresses: this.chain.deployment.addresses,
      store: this.store,
      fromBlock,
      confirmations: config.chain.confirmations,
      pollIntervalMs: config.chain.pollIntervalMs,
      maxBlockRange: config.chain.maxBlockRange,
      logger: this.logger,
      onProgress: (block) => {
        this.metrics.listenerHeight.set(Number(block));
        if (this.listener.head !== undefined) this.metrics.chainHead.set(Number(this.listener.head));
      },
    });
    // The fan-out to RPC subscriptions and in-process listeners. Not transactional: it runs before the event's
    // batch is committed, so a failed commit can notify twice (at-least-once).
    this.listener.onAny((event) => {
      this.metrics.chainEvents.inc();
      for (const listener of this.chainEventListeners) {
        try {
          listener(event);
        } catch (error) {
          this.logger.warn({ err: String(error) }, 'chain event listener failed');
        }
      }
    });
    registerCoreMethods(this.rpc, {
      host: this.host,
      keys: this.keys,
      chain: this.chain,
      membership: this.membership,
      code: this.code,
      lifecycle: this.lifecycle,
      rpcUrl: () => this.rpcUrl,
      listenerState: () => ({
        height: this.listener.height,
        head: this.listener.head,
        delivered: this.listener.delivered,
      }),
      onChainEvent: (listener) => this.onChainEvent(listener),
    });
    const cursor = await this.listener.readCursor();
    // The executor subscribes before the listener starts, so that no TaskCreated is missed.
    this.executor = new TaskExecutor({
      host: this.host,
      store: this.store,
      chain: this.chain,
      listener: this.listener,
      membership: this.membership,
      secretContracts: this.secretContracts,
      code: this.code,
      streams: this.streams,
      keys: this.keys,
      logger: this.logger,
      ...config.tasks,
    });
    this.executor.attach();
    this.chainEventListeners.add((event) => this.executor.afterEvent(event));
    await this.executor.start();
    this.cleanups.push(() => this.executor.stop());
    registerTaskMethods(this.rpc, this.executor);
    this.executor.storedInputs = await this.startStorage(this.executor);
    await options.setup?.(this);
    await this.listener.start();
    this.cleanups.push(() => this.listener.stop());
    let rpc: string | undefined;
    if (config.rpc.enabled) {
      const server = new RpcServer({
        config: config.rpc,
        registry: this.rpc,
        logger: this.logger,
        ...(config.metrics.enabled ? { metrics: this.metrics } : {}),
        health: () => ({
          // Sync, announce and register may fail (and retry on the next start) without the node being unwell.
          ok: this.store.isOpen && !this.lifecycle.steps().some((s) => s.status === 'failed' && ESSENTIAL.has(s.name)),
          peers: this.host.getPeers().length,
          listenerHeight: this.listener.height,
          lifecycle: this.lifecycle.steps().map((s) => ({ name: s.name, status: s.status })),
        }),
      });
      const address = await server.listen();
      this.rpcServer = server;
      this.cleanups.push(() => server.close());
      rpc = address.url;
    }
    return { rpc, listenerFrom: cursor, confirmations: config.chain.confirmations };
  }

  /**
   * Private data storage (docs/storage.md): the member and gateway roles, recovery of lost shares, the data's
   * epoch handover, and this node's storage shares resharing to task committees. Returns where the executor's
   * task runs fetch their stored inputs.
   */
  private async startStorage(executor: TaskExecutor): Promise<StoredInputFetcher> {
    const { host, logger, keys } = this;
    const { x25519SecretKey, x25519PublicKey } = keys;
    const self = keys.peerId;
    const operator = keys.operator.address;
    const shares = new ShareStore(this.store, x25519SecretKey);
    const directory = new StorageDirectory({ chain: this.chain });
    const channels = new MemberChannels({ host, self });
    this.cleanups.push(() => channels.close());
    const sessions: PeerSessions = { open: (options) => this.membership.openSessionAmong(this.streams, options) };
    const member = new StorageMember({
      host,
      logger,
      store: this.store,
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
        waitFor: (taskId, timeoutMs) => executor.book.waitFor(taskId, timeoutMs),
        functionOf: async (contractId, selector) => functionBySelector(await executor.moduleOf(contractId), selector),
        committee: (contractId, epoch) => this.membership.committee(contractId, epoch),
      },
      directory,
      shares,
      operator,
      x25519SecretKey,
    });
    for (const service of [member, helper, handover, server]) {
      await service.start();
      this.cleanups.push(() => service.stop());
    }
    this.chainEventListeners.add((event) => handover.onChainEvent(event));
    registerStorageMethods(this.rpc, { gateway: new StorageGateway({ directory, channels, member }), recovery });
    return new StoredInputFetcher({ host, self, directory, local: server });
  }
}

async function passphraseFrom(config: NodeConfig): Promise<string | undefined> {
  if (config.keys.passphraseFile !== undefined) {
    return (await readFile(config.keys.passphraseFile, 'utf8')).replace(/\r?\n$/, '');
  }
  const fromEnv = process.env.MOSAIC_PASSPHRASE;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
