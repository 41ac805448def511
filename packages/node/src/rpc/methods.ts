/**
 * The node's core methods: mosaic_info, mosaic_peers, mosaic_committee, mosaic_putCode, mosaic_getCode, and
 * the generic subscription pair mosaic_subscribe / mosaic_unsubscribe with the topics `chainEvents` and
 * `lifecycle` (docs/json-rpc.md). Each takes its params and answer schemas from @mosaic/protocol and reads
 * what it needs from the node's building blocks.
 */
import { rpc } from '@mosaic/protocol';
import { type Hex, hexToBytes, toHex } from 'viem';
import type { ChainClients } from '../chain/deployment.js';
import { shortMessage } from '../chain/deployment.js';
import type { AnyChainEvent, ContractName } from '../chain/events.js';
import type { ChainMembership } from '../chain/membership.js';
import { CodeError, type CodeService } from '../content/code.js';
import type { NodeKeys } from '../keys/keystore.js';
import type { Lifecycle, StepState } from '../lifecycle/steps.js';
import type { Host } from '../p2p/host.js';
import { NODE_VERSION } from '../version.js';
import { RpcError, RpcErrorCode } from './errors.js';
import { parseParams, type RpcRegistry } from './registry.js';

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

export function registerCoreMethods(registry: RpcRegistry, deps: MethodDependencies): void {
  const { host, keys, chain } = deps;

  registry.method({
    ...rpc.info,
    description: 'Version, identity, addresses, chain, epoch, listener and lifecycle of this node',
    handler: async () => {
      const epoch = await chain.contracts.epochs.read.currentEpoch().catch(() => undefined);
      const listener = deps.listenerState();
      return {
        version: NODE_VERSION,
        peerId: host.peerId.toString(),
        operator: keys.operator.address,
        x25519PublicKey: keys.x25519PublicKey,
        addresses: host.getMultiaddrs().map(String),
        rpc: deps.rpcUrl(),
        chainId: chain.deployment.chainId,
        contracts: chain.deployment.addresses,
        currentEpoch: epoch?.toString(),
        listener: {
          height: listener.height?.toString(),
          head: listener.head?.toString(),
          delivered: listener.delivered,
        },
        peers: host.getPeers().length,
        lifecycle: deps.lifecycle.steps(),
      };
    },
  });

  registry.method({
    ...rpc.peers,
    description: 'Connected peers',
    handler: () =>
      host.getConnections().map((c) => ({
        peerId: c.remotePeer.toString(),
        address: c.remoteAddr.toString(),
        direction: c.direction,
        openedAt: new Date(c.timeline.open).toISOString(),
      })),
  });

  registry.method({
    ...rpc.committee,
    description: "A secret contract's committee in an epoch (default: the current one)",
    handler: async ({ contractId, epoch }) => {
      if (contractId === 0n) throw new RpcError(RpcErrorCode.InvalidParams, 'Invalid params: contractId starts at 1');
      const at = epoch ?? (await chainCall(() => chain.contracts.epochs.read.currentEpoch()));
      const committee = await chainCall(() => deps.membership.committee(contractId, at));
      return { ...committee, contractId: committee.contractId.toString(), epoch: committee.epoch.toString() };
    },
  });

  registry.method({
    ...rpc.putCode,
    description: 'Stores contract code after checking its hash and its secret-contract record on chain',
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
    ...rpc.getCode,
    description: 'Contract code by hash, from this node or from providers on the network',
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
    name: rpc.chainEvents.name,
    description: 'Mosaic contract events as the listener delivers them (optionally one contract / event)',
    params: rpc.chainEvents.params,
    positional: rpc.chainEvents.positional,
    subscribe: (filter, sink) =>
      deps.onChainEvent((event) => {
        if (filter.contract !== undefined && filter.contract !== (event.contract as ContractName)) return;
        if (filter.eventName !== undefined && filter.eventName !== event.eventName) return;
        sink.next(event);
      }),
  });

  registry.topic({
    name: rpc.lifecycle.name,
    description: 'Lifecycle step changes',
    params: rpc.lifecycle.params,
    subscribe: (_params, sink) => deps.lifecycle.onChange((state: StepState) => sink.next(state)),
  });

  registry.method({
    ...rpc.subscribe,
    description: 'Starts a subscription (WebSocket only); notifications come as mosaic_subscription',
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
    ...rpc.unsubscribe,
    description: 'Ends a subscription; false when it was not active',
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
