/**
 * The JSON-RPC method registry. A method is a name, a zod schema for its params and a handler; a
 * subscription topic is a name, a params schema and a function that starts feeding a sink. The node's own
 * methods and topics take their name, params, positional names and result schema from @mosaic/protocol (`rpc`),
 * the contract the client parses answers with; code that embeds a node adds its own the same way:
 *
 *   node.rpc.method({ name: 'mosaic_foo', params: z.object({ id: z.string() }), positional: ['id'],
 *                     handler: async ({ id }, context) => ... });
 *   node.rpc.topic({ name: 'taskUpdates', params: z.object({ taskId: z.string() }),
 *                    subscribe: (params, sink, context) => { ...; return () => { ...unsubscribe } } });
 *
 * Params may come by name (an object) or by position (an array, mapped through `positional`); absent params
 * are `{}`. A handler's errors: throw RpcError(code, message) for a client-facing error; anything else is
 * logged and answered as -32603 "Internal error" (its message is not sent: it may hold internals).
 */
import { rpc } from '@mosaic/protocol';
import type { z } from 'zod';
import { RpcError, RpcErrorCode } from './errors.js';

export interface RpcContext {
  /** Who is calling (IP address), for rate limits and logs. */
  client: string;
  transport: 'http' | 'ws';
  /** The request came framed with binary attachments (its answer goes the same way: byte strings stay bytes). */
  binary?: boolean;
  /** Present on WebSocket connections: subscriptions live as long as it. */
  connection?: SubscriptionHost;
}

/** What a subscription topic feeds. */
export interface SubscriptionSink {
  next(result: unknown): void;
  /** Ends the subscription with an error notification. */
  error(error: RpcError): void;
}

export interface SubscriptionHost {
  subscribe(topic: string, start: (sink: SubscriptionSink) => () => void): string;
  unsubscribe(id: string): boolean;
}

/** Who may call a method: anyone on the public listener, or the operator on its authenticated listener only. */
export type RpcAccess = 'public' | 'operator';

export interface RpcMethod<S extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  name: string;
  description?: string;
  /** Default 'public'. */
  access?: RpcAccess;
  params: S;
  /** Names of the params, in order, for calls that pass an array. */
  positional?: readonly string[];
  /**
   * The answer's schema (the protocol's, which clients parse answers with): the handler's answer is typed by
   * what it accepts. Not checked at run time: the node builds its answers from values it holds.
   */
  result?: R;
  handler: (params: z.output<S>, context: RpcContext) => z.input<R> | Promise<z.input<R>>;
}

export interface RpcTopic<S extends z.ZodType = z.ZodType> {
  name: string;
  description?: string;
  params: S;
  positional?: readonly string[];
  /** Starts feeding `sink`; returns the function that stops it. */
  subscribe: (params: z.output<S>, sink: SubscriptionSink, context: RpcContext) => () => void;
}

const METHOD_NAME = /^[a-z][A-Za-z0-9_]{0,63}$/;

export class RpcRegistry {
  private readonly methods = new Map<string, RpcMethod>();
  private readonly topics = new Map<string, RpcTopic>();
  private readonly listeners = new Set<(method: RpcMethod) => void>();

  method<S extends z.ZodType, R extends z.ZodType = z.ZodType>(definition: RpcMethod<S, R>): void {
    if (!METHOD_NAME.test(definition.name)) throw new Error(`bad method name ${definition.name}`);
    if (this.methods.has(definition.name)) throw new Error(`method ${definition.name} is already registered`);
    this.methods.set(definition.name, definition as unknown as RpcMethod);
    for (const listener of this.listeners) listener(definition as unknown as RpcMethod);
  }

  topic<S extends z.ZodType>(definition: RpcTopic<S>): void {
    if (!METHOD_NAME.test(definition.name)) throw new Error(`bad topic name ${definition.name}`);
    if (this.topics.has(definition.name)) throw new Error(`topic ${definition.name} is already registered`);
    this.topics.set(definition.name, definition as unknown as RpcTopic);
  }

  get(name: string): RpcMethod | undefined {
    return this.methods.get(name);
  }

  getTopic(name: string): RpcTopic | undefined {
    return this.topics.get(name);
  }

  names(): string[] {
    return [...this.methods.keys()];
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** Called for every method registered from now on (the server adds it to its dispatcher). */
  onMethod(listener: (method: RpcMethod) => void): void {
    this.listeners.add(listener);
  }
}

/** Validates raw params against a schema, mapping positional params to names. Throws RpcError -32602. */
export function parseParams<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  positional: readonly string[] | undefined,
): z.output<S> {
  let named: unknown = raw ?? {};
  if (Array.isArray(raw)) {
    const names = positional ?? [];
    if (raw.length > names.length) {
      throw new RpcError(RpcErrorCode.InvalidParams, `Invalid params: at most ${names.length} positional params`);
    }
    named = Object.fromEntries(raw.map((value, i) => [names[i], value]));
  }
  const result = schema.safeParse(named);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || 'params'}: ${issue.message}`);
  throw new RpcError(RpcErrorCode.InvalidParams, `Invalid params: ${issues.join('; ')}`);
}

/** Reusable param schemas (the protocol's), for methods an embedding program adds. */
export const schemas = {
  hex32: rpc.hex32,
  hexBytes: rpc.hexBytes,
  /** A non-negative integer as a JSON number or a decimal / 0x string; bounded to uint64. */
  uint64: rpc.uint64Param,
};
