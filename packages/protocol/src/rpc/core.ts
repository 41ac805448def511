// The node's core methods (docs/json-rpc.md): mosaic_info, mosaic_peers, mosaic_committee, mosaic_putCode,
// mosaic_getCode, the subscription pair mosaic_subscribe / mosaic_unsubscribe and the chainEvents and lifecycle
// topics. These write bigints as decimal strings.
import { z } from 'zod';
import { address, bytesHex, decimal, hex32, hexBytes, uint64Param } from './values.js';

/** Largest contract code a node stores (its canonical IR bytes). */
export const MAX_CODE_BYTES = 8 << 20;

export const CONTRACT_NAMES = ['token', 'nodeRegistry', 'epochs', 'secretContracts', 'tasks', 'dataRegistry'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

const noParams = z.strictObject({});

/** A lifecycle step as mosaic_info lists it and the lifecycle topic sends it. */
export const lifecycleStep = z.object({
  step: z.number().int(),
  name: z.string(),
  status: z.enum(['pending', 'running', 'done', 'failed', 'skipped']),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** What the step found or did (counts, addresses), or why it failed. */
  detail: z.unknown().optional(),
});

export const info = {
  name: 'mosaic_info',
  positional: [],
  params: noParams,
  result: z.object({
    version: z.string(),
    peerId: z.string(),
    operator: address,
    /** The key clients seal shares to; registered on chain. */
    x25519PublicKey: bytesHex(32),
    addresses: z.array(z.string()),
    rpc: z.string().optional(),
    chainId: z.number().int().positive(),
    contracts: z.record(z.enum(CONTRACT_NAMES), address),
    /** Absent when the chain read failed. */
    currentEpoch: decimal.optional(),
    listener: z.object({ height: decimal.optional(), head: decimal.optional(), delivered: z.number().int() }),
    peers: z.number().int().nonnegative(),
    lifecycle: z.array(lifecycleStep),
  }),
} as const;

export const peers = {
  name: 'mosaic_peers',
  positional: [],
  params: noParams,
  result: z.array(
    z.object({
      peerId: z.string(),
      address: z.string(),
      direction: z.enum(['inbound', 'outbound']),
      openedAt: z.string(),
    }),
  ),
} as const;

export const committee = {
  name: 'mosaic_committee',
  positional: ['contractId', 'epoch'],
  params: z.strictObject({ contractId: uint64Param, epoch: uint64Param.optional() }),
  result: z.object({
    contractId: decimal,
    epoch: decimal,
    n: z.number().int().positive(),
    t: z.number().int().positive(),
    members: z.array(
      z.object({
        /** The member's 1-based seat, also its Shamir point; member 1 leads receipt batches. */
        index: z.number().int().min(1),
        operator: address,
        peerId: z.string(),
        x25519PublicKey: bytesHex(32),
      }),
    ),
  }),
} as const;

export const putCode = {
  name: 'mosaic_putCode',
  positional: ['codeHash', 'code'],
  params: z.strictObject({
    codeHash: hex32,
    code: hexBytes.refine((s) => s.length > 2 && (s.length - 2) / 2 <= MAX_CODE_BYTES, {
      message: `1..${MAX_CODE_BYTES} bytes`,
    }),
  }),
  result: z.object({
    codeHash: bytesHex(32),
    /** False when the node already held it. */
    stored: z.boolean(),
    /** False when no DHT peer took the provider record. */
    provided: z.boolean(),
  }),
} as const;

export const getCode = {
  name: 'mosaic_getCode',
  positional: ['codeHash'],
  params: z.strictObject({ codeHash: hex32 }),
  result: z.object({ codeHash: bytesHex(32), code: bytesHex() }),
} as const;

export const subscribe = {
  name: 'mosaic_subscribe',
  positional: ['topic', 'params'],
  params: z.strictObject({ topic: z.string().min(1).max(64), params: z.unknown().optional() }),
  /** The subscription id: 16 random bytes as 0x-hex. */
  result: z.string().regex(/^0x[0-9a-f]{32}$/),
} as const;

export const unsubscribe = {
  name: 'mosaic_unsubscribe',
  positional: ['subscription'],
  params: z.strictObject({ subscription: z.string().regex(/^0x[0-9a-f]{32}$/) }),
  /** True when the subscription was active. */
  result: z.boolean(),
} as const;

/** The chainEvents topic: events of the Mosaic contracts (optionally one contract / event). */
export const chainEvents = {
  name: 'chainEvents',
  positional: ['contract', 'eventName'],
  params: z.strictObject({
    contract: z.enum(CONTRACT_NAMES).optional(),
    eventName: z.string().min(1).max(64).optional(),
  }),
  result: z.object({
    contract: z.enum(CONTRACT_NAMES),
    address: address,
    eventName: z.string(),
    /** The event's arguments by name (bigints as decimal strings). */
    args: z.record(z.string(), z.unknown()),
    blockNumber: decimal,
    logIndex: z.number().int(),
    blockHash: bytesHex(32),
    transactionHash: bytesHex(32),
  }),
} as const;

/** The lifecycle topic: every change of a lifecycle step. */
export const lifecycle = {
  name: 'lifecycle',
  positional: [],
  params: noParams,
  result: lifecycleStep,
} as const;

/** A subscription notification (method "mosaic_subscription"). */
export interface SubscriptionNotification<T = unknown> {
  subscription: string;
  topic: string;
  result?: T;
  error?: { code: number; message: string };
}
