/**
 * The JSON-RPC method registry. A method is a name, a zod schema for its params and a handler; a
 * subscription topic is a name, a params schema and a function that starts feeding a sink. Later issues add
 * task and data methods and topics here:
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
import { z } from 'zod';
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

export interface RpcMethod<S extends z.ZodType = z.ZodType> {
  name: string;
  description?: string;
  params: S;
  /** Names of the params, in order, for calls that pass an array. */
  positional?: readonly string[];
  handler: (params: z.output<S>, context: RpcContext) => unknown | Promise<unknown>;
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

  method<S extends z.ZodType>(definition: RpcMethod<S>): void {
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

/** Reusable param schemas. */
export const schemas = {
  hex32: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 32 bytes of 0x-hex'),
  hexBytes: z.string().regex(/^0x([0-9a-fA-F]{2})*$/, 'expected 0x-hex bytes'),
  /** A non-negative integer as a JSON number or a decimal / 0x string; bounded to uint64. */
  uint64: z
    .union([
      z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      z.string().regex(/^(\d{1,20}|0x[0-9a-fA-F]{1,16})$/),
    ])
    .transform((value) => BigInt(value))
    .refine((value) => value < 1n << 64n, { message: 'must be below 2^64' }),
};
