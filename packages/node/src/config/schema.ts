/**
 * The node's configuration, as one zod schema. Every field has a default except the data directory and the
 * chain (RPC URL plus either a deployments file or the contract addresses): a node cannot guess where its
 * ledger is.
 */
import { multiaddr } from '@multiformats/multiaddr';
import { isAddress } from 'viem';
import { z } from 'zod';

const multiaddrString = z.string().refine(
  (value) => {
    try {
      multiaddr(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a multiaddr' },
);

const address = z.string().refine((value) => isAddress(value), { message: 'not an Ethereum address' });

/** A non-negative integer amount in the token's smallest unit, as a decimal string (JSON has no bigint). */
const amount = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value) => String(value))
  .refine((value) => /^\d{1,78}$/.test(value), { message: 'not a non-negative integer amount' });

const port = z.number().int().min(0).max(65_535);

export const addressesSchema = z.strictObject({
  token: address,
  nodeRegistry: address,
  epochs: address,
  secretContracts: address,
  tasks: address,
  dataRegistry: address,
});

export const chainConfigSchema = z
  .strictObject({
    /** JSON-RPC endpoint of the ledger (http or https). */
    rpcUrl: z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }),
    /** A deployments file (`<chainId>.json` as written by `@mosaic/contracts/node` deploy). */
    deploymentFile: z.string().min(1).optional(),
    /** Or the addresses themselves. */
    addresses: addressesSchema.optional(),
    /** Block to start following events from on first start (default: the deployment's block, else 0). */
    fromBlock: z.number().int().nonnegative().optional(),
    /** Blocks an event must be buried under before the node acts on it (reorg safety). */
    confirmations: z.number().int().min(0).max(1_000).default(2),
    /** How often the listener asks for new blocks. */
    pollIntervalMs: z.number().int().min(10).max(600_000).default(1_000),
    /** Largest block range of one getLogs call. */
    maxBlockRange: z.number().int().min(1).max(100_000).default(2_000),
  })
  .refine((chain) => chain.deploymentFile !== undefined || chain.addresses !== undefined, {
    message: 'either chain.deploymentFile or chain.addresses is required',
    path: ['deploymentFile'],
  });

export const rpcConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(7_545),
  /** Largest request body (HTTP) or message (WebSocket), in bytes. */
  maxRequestBytes: z
    .number()
    .int()
    .min(1_024)
    .max(64 << 20)
    .default(1 << 20),
  /** Most requests in one batch. */
  maxBatch: z.number().int().min(1).max(1_000).default(50),
  /** Requests (a batch counts each member) per client per window. */
  rateLimit: z
    .strictObject({
      points: z.number().int().min(1).default(1_000),
      durationSeconds: z.number().int().min(1).default(1),
    })
    .prefault({}),
  /** Most WebSocket connections at once. */
  maxConnections: z.number().int().min(1).max(100_000).default(256),
});

/** The operator listener: operator methods (e.g. mosaic_recoverData), authenticated with a bearer token. */
export const operatorRpcConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  /** Default: the public port + 1, or any free port when the public port is 0. */
  port: port.optional(),
  /** Where the node writes its token at every start (mode 0600); default `<dataDir>/operator-rpc.token`. */
  tokenFile: z.string().min(1).optional(),
});

export const nodeConfigSchema = z.strictObject({
  /** Keys, store and everything else this node persists. */
  dataDir: z.string().min(1),
  /** libp2p listen multiaddrs. */
  listen: z.array(multiaddrString).default(['/ip4/127.0.0.1/tcp/0']),
  /**
   * The multiaddrs peers are told to dial, instead of the listen addresses (empty: the listen addresses): for a
   * node behind a port forward or a relay, which peers must reach at an address it does not listen on itself.
   */
  announce: z.array(multiaddrString).default([]),
  /** Bootstrap peers (multiaddrs with /p2p/<id>); a bad one is reported at bootstrap, not here. */
  bootstrap: z.array(z.string()).default([]),
  chain: chainConfigSchema,
  rpc: rpcConfigSchema.prefault({}),
  operatorRpc: operatorRpcConfigSchema.prefault({}),
  metrics: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  discovery: z
    .strictObject({
      /** The node dials known peers (bootstrap first) while it has fewer connections than this. */
      minConnections: z.number().int().min(0).max(1_000).default(3),
      checkIntervalMs: z.number().int().min(100).max(600_000).default(5_000),
    })
    .prefault({}),
  register: z
    .strictObject({
      /** Register keys, deposit and log in on chain when not done yet. */
      enabled: z.boolean().default(false),
      /** Stake to hold at least (MOS smallest unit); topped up by a deposit when below. */
      deposit: amount.default('25000000000000000000000'),
      login: z.boolean().default(true),
    })
    .prefault({}),
  tasks: z
    .strictObject({
      /** How long a committee member waits for a task's bundle before the task is skipped. */
      bundleTimeoutMs: z.number().int().min(100).max(600_000).default(20_000),
      /** Time limit of one MPC round in a task session. */
      roundTimeoutMs: z.number().int().min(100).max(600_000).default(20_000),
      /** Receipts per batch at most (the leader commits when a batch is full). */
      maxBatch: z.number().int().min(1).max(256).default(32),
      /** Longest a completed receipt waits before its batch is committed. */
      maxBatchDelayMs: z.number().int().min(0).max(600_000).default(500),
      /**
       * How long each member after the leader waits, in seat order, before it commits still unrecorded receipts
       * itself (a crashed or stalled leader delays receipts, it does not stop them).
       */
      receiptFailoverMs: z.number().int().min(100).max(3_600_000).default(10_000),
      /** Sessions of one stateless contract that may run at once (stateful contracts run one task at a time). */
      maxConcurrent: z.number().int().min(1).max(64).default(2),
      /** Tasks of one function of a stateless contract that run together in one session (member 1 batches). */
      maxBatchTasks: z.number().int().min(1).max(64).default(32),
      /** How long an epoch handover waits for the old and new committees to meet and finish. */
      handoverTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(120_000),
    })
    .prefault({}),
  keys: z
    .strictObject({
      /** A file holding the passphrase that encrypts the key file (MOSAIC_PASSPHRASE also works). */
      passphraseFile: z.string().min(1).optional(),
      /** Tighten a key file readable by others to 0600 instead of refusing to start. */
      fixPermissions: z.boolean().default(false),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .prefault({}),
});

export type NodeConfig = z.output<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;
export type ChainConfig = z.output<typeof chainConfigSchema>;
export type RpcConfig = z.output<typeof rpcConfigSchema>;
export type OperatorRpcConfig = z.output<typeof operatorRpcConfigSchema>;
