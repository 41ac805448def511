/**
 * The methods this issue brings: mosaic_info, mosaic_peers, mosaic_committee, mosaic_putCode,
 * mosaic_getCode, and the generic subscription pair mosaic_subscribe / mosaic_unsubscribe with the topics
 * `chainEvents` and `lifecycle`. Each reads what it needs from the node's building blocks.
 */
import { type Hex, hexToBytes, toHex } from 'viem';
import { z } from 'zod';
import type { ChainClients } from '../chain/deployment.js';
import { shortMessage } from '../chain/deployment.js';
import type { AnyChainEvent, ContractName } from '../chain/events.js';
import type { ChainMembership } from '../chain/membership.js';
import { CodeError, type CodeService, MAX_CODE_BYTES } from '../content/code.js';
import type { NodeKeys } from '../keys/keystore.js';
import type { Lifecycle, StepState } from '../lifecycle/steps.js';
import type { Host } from '../p2p/host.js';
import { NODE_VERSION } from '../version.js';
import { RpcError, RpcErrorCode } from './errors.js';
import { parseParams, type RpcRegistry, schemas } from './registry.js';

export interface MethodDependencies {
  host: Host;
  keys: NodeKeys;
  chain: ChainClients;
  membership: ChainMembership;
  code: CodeService;
  lifecycle: Lifecycle;
  rpcUrl: () => string | undefined;
  listenerState: () => { height: bigint | undefined; head: bigint | undefined; delivered: number };
  /** Registers a listener for delivered chain events; returns its removal. */
  onChainEvent: (listener: (event: AnyChainEvent) => void) => () => void;
}

const CONTRACT_NAMES = ['token', 'nodeRegistry', 'epochs', 'secretContracts', 'tasks', 'dataRegistry'] as const;

export function registerCoreMethods(registry: RpcRegistry, deps: MethodDependencies): void {
  const { host, keys, chain } = deps;

  registry.method({
    name: 'mosaic_info',
    description: 'Version, identity, addresses, chain, epoch, listener and lifecycle of this node',
    params: z.strictObject({}),
    handler: async () => {
      const epoch = await chain.contracts.epochs.read.currentEpoch().catch(() => undefined);
      return {
        version: NODE_VERSION,
        peerId: host.peerId.toString(),
        operator: keys.operator.address,
        x25519PublicKey: keys.x25519PublicKey,
        addresses: host.getMultiaddrs().map(String),
        rpc: deps.rpcUrl(),
        chainId: chain.deployment.chainId,
        contracts: chain.deployment.addresses,
        currentEpoch: epoch,
        listener: deps.listenerState(),
        peers: host.getPeers().length,
        lifecycle: deps.lifecycle.steps(),
      };
    },
  });

  registry.method({
    name: 'mosaic_peers',
    description: 'Connected peers',
    params: z.strictObject({}),
    handler: () =>
      host.getConnections().map((c) => ({
        peerId: c.remotePeer.toString(),
        address: c.remoteAddr.toString(),
        direction: c.direction,
        openedAt: new Date(c.timeline.open).toISOString(),
      })),
  });

  registry.method({
    name: 'mosaic_committee',
    description: "A secret contract's committee in an epoch (default: the current one)",
    params: z.strictObject({ contractId: schemas.uint64, epoch: schemas.uint64.optional() }),
    positional: ['contractId', 'epoch'],
    handler: async ({ contractId, epoch }) => {
      if (contractId === 0n) throw new RpcError(RpcErrorCode.InvalidParams, 'Invalid params: contractId starts at 1');
      const at = epoch ?? (await chainCall(() => chain.contracts.epochs.read.currentEpoch()));
      const committee = await chainCall(() => deps.membership.committee(contractId, at));
      return committee;
    },
  });

  registry.method({
    name: 'mosaic_putCode',
    description: 'Stores contract code after checking its hash and its secret-contract record on chain',
    params: z.strictObject({
      codeHash: schemas.hex32,
      code: schemas.hexBytes.refine((s) => s.length > 2 && (s.length - 2) / 2 <= MAX_CODE_BYTES, {
        message: `1..${MAX_CODE_BYTES} bytes`,
      }),
    }),
    positional: ['codeHash', 'code'],
    handler: async ({ codeHash, code }) => {
      try {
        const result = await deps.code.put(codeHash.toLowerCase() as Hex, hexToBytes(code as Hex));
        return { codeHash: codeHash.toLowerCase(), ...result };
      } catch (error) {
        throw codeError(error);
      }
    },
  });

  registry.method({
    name: 'mosaic_getCode',
    description: 'Contract code by hash, from this node or from providers on the network',
    params: z.strictObject({ codeHash: schemas.hex32 }),
    positional: ['codeHash'],
    handler: async ({ codeHash }) => {
      const hash = codeHash.toLowerCase() as Hex;
      const code = await deps.code.get(hash).catch((error: unknown) => {
        throw codeError(error);
      });
      if (code === undefined) throw new RpcError(RpcErrorCode.NotFound, `no code with hash ${hash} found`);
      return { codeHash: hash, code: toHex(code) };
    },
  });

  registry.topic({
    name: 'chainEvents',
    description: 'Mosaic contract events as the listener delivers them (optionally one contract / event)',
    params: z.strictObject({
      contract: z.enum(CONTRACT_NAMES).optional(),
      eventName: z.string().min(1).max(64).optional(),
    }),
    positional: ['contract', 'eventName'],
    subscribe: (filter, sink) =>
      deps.onChainEvent((event) => {
        if (filter.contract !== undefined && filter.contract !== (event.contract as ContractName)) return;
        if (filter.eventName !== undefined && filter.eventName !== event.eventName) return;
        sink.next(event);
      }),
  });

  registry.topic({
    name: 'lifecycle',
    description: 'Lifecycle step changes',
    params: z.strictObject({}),
    subscribe: (_params, sink) => deps.lifecycle.onChange((state: StepState) => sink.next(state)),
  });

  registry.method({
    name: 'mosaic_subscribe',
    description: 'Starts a subscription (WebSocket only); notifications come as mosaic_subscription',
    params: z.strictObject({ topic: z.string().min(1).max(64), params: z.unknown().optional() }),
    positional: ['topic', 'params'],
    handler: ({ topic, params }, context) => {
      if (context.connection === undefined) {
        throw new RpcError(RpcErrorCode.SubscriptionError, 'subscriptions need a WebSocket connection');
      }
      const definition = registry.getTopic(topic);
      if (definition === undefined) {
        throw new RpcError(RpcErrorCode.InvalidParams, `Invalid params: unknown topic ${JSON.stringify(topic)}`);
      }
      const parsed = parseParams(definition.params, params, definition.positional);
      return context.connection.subscribe(topic, (sink) => definition.subscribe(parsed, sink, context));
    },
  });

  registry.method({
    name: 'mosaic_unsubscribe',
    description: 'Ends a subscription; false when it was not active',
    params: z.strictObject({ subscription: z.string().regex(/^0x[0-9a-f]{32}$/) }),
    positional: ['subscription'],
    handler: ({ subscription }, context) => {
      if (context.connection === undefined) {
        throw new RpcError(RpcErrorCode.SubscriptionError, 'subscriptions need a WebSocket connection');
      }
      return context.connection.unsubscribe(subscription);
    },
  });
}

/** Runs a chain read; a revert becomes -32003 (not on chain), a transport failure -32004. */
async function chainCall<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof RpcError) throw error;
    const text = shortMessage(error);
    if (/revert|UnknownContract|UnknownEpoch|EmptyCommittee|CommitteeTooLarge/i.test(text)) {
      throw new RpcError(RpcErrorCode.NotOnChain, `the ledger refused: ${text}`);
    }
    if (error instanceof Error && error.name === 'MembershipError') {
      throw new RpcError(RpcErrorCode.NotOnChain, error.message);
    }
    throw new RpcError(RpcErrorCode.ChainUnavailable, `the ledger is unavailable: ${text}`);
  }
}

function codeError(error: unknown): unknown {
  if (!(error instanceof CodeError)) {
    if (error instanceof RpcError) return error;
    return new RpcError(RpcErrorCode.ChainUnavailable, `could not check the code: ${shortMessage(error)}`);
  }
  const code = {
    'hash-mismatch': RpcErrorCode.HashMismatch,
    'not-deployed': RpcErrorCode.NotOnChain,
    'not-found': RpcErrorCode.NotFound,
    'too-large': RpcErrorCode.InvalidParams,
  }[error.reason];
  return new RpcError(code, error.message);
}
