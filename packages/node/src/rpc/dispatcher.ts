/**
 * Turns a parsed JSON-RPC payload (single or batch) into the response, transport-independent. The envelope
 * is checked here, strictly, before json-rpc-2.0 dispatches it (that library trusts its input: a null
 * request or an object id would get past it); params are checked by each method's schema.
 */
import {
  createJSONRPCErrorResponse,
  JSONRPCErrorException,
  type JSONRPCErrorResponse,
  type JSONRPCID,
  type JSONRPCRequest,
  type JSONRPCResponse,
  JSONRPCServer,
} from 'json-rpc-2.0';
import type { Logger } from 'pino';
import { RpcError, RpcErrorCode } from './errors.js';
import { parseParams, type RpcAccess, type RpcContext, type RpcMethod, type RpcRegistry } from './registry.js';

export type Response = JSONRPCResponse | JSONRPCResponse[] | null;

export interface DispatcherOptions {
  maxBatch: number;
  /** 'public' answers operator methods with OperatorOnly, unrun; 'operator' runs every method (default public). */
  scope?: RpcAccess;
  logger: Logger;
  /** Called for every answered request, with the method (or "invalid") and the error code (0 when ok). */
  onRequest?: (method: string, code: number) => void;
}

export class Dispatcher {
  private readonly server = new JSONRPCServer<RpcContext>({
    errorListener: () => {}, // errors are logged by mapError, once, with context
  });

  constructor(
    private readonly registry: RpcRegistry,
    private readonly options: DispatcherOptions,
  ) {
    this.server.mapErrorToJSONRPCErrorResponse = (id, error) => this.mapError(id, error);
    for (const name of registry.names()) this.add(registry.get(name) as RpcMethod);
    registry.onMethod((method) => this.add(method));
  }

  /** Answers a payload that has already been parsed from JSON. */
  async dispatch(payload: unknown, context: RpcContext): Promise<Response> {
    if (!Array.isArray(payload)) return this.single(payload, context);
    if (payload.length === 0) return this.error(null, RpcErrorCode.InvalidRequest, 'Invalid Request: empty batch');
    if (payload.length > this.options.maxBatch) {
      return this.error(
        null,
        RpcErrorCode.BatchTooLarge,
        `Batch too large: ${payload.length} requests, at most ${this.options.maxBatch}`,
      );
    }
    const responses = await Promise.all(payload.map((request) => this.single(request, context)));
    const answered = responses.filter((r): r is JSONRPCResponse => r !== null);
    return answered.length > 0 ? answered : null;
  }

  /** The error response for a payload that is not JSON. */
  parseError(): JSONRPCErrorResponse {
    this.options.onRequest?.('invalid', RpcErrorCode.ParseError);
    return createJSONRPCErrorResponse(null, RpcErrorCode.ParseError, 'Parse error');
  }

  error(id: JSONRPCID, code: number, message: string): JSONRPCErrorResponse {
    this.options.onRequest?.('invalid', code);
    return createJSONRPCErrorResponse(id, code, message);
  }

  private async single(request: unknown, context: RpcContext): Promise<JSONRPCResponse | null> {
    const problem = envelopeProblem(request);
    if (problem !== undefined) {
      const id = validId((request as { id?: unknown } | null)?.id);
      return this.error(id ?? null, RpcErrorCode.InvalidRequest, `Invalid Request: ${problem}`);
    }
    const valid = request as JSONRPCRequest;
    const known = this.registry.get(valid.method) !== undefined;
    const response = await this.server.receive(valid, context);
    const code = response && 'error' in response && response.error ? response.error.code : 0;
    this.options.onRequest?.(known ? valid.method : 'unknown', code);
    return response;
  }

  private add(method: RpcMethod): void {
    if (method.access === 'operator' && (this.options.scope ?? 'public') === 'public') {
      // Refused before its params are even parsed: the public listener never runs an operator method.
      this.server.addMethod(method.name, () => {
        throw new RpcError(
          RpcErrorCode.OperatorOnly,
          `${method.name} is an operator method: call it on the node's operator listener, with its token`,
        );
      });
      return;
    }
    this.server.addMethod(method.name, (raw, context) =>
      method.handler(parseParams(method.params, raw, method.positional), context),
    );
  }

  private mapError(id: JSONRPCID, error: unknown): JSONRPCErrorResponse {
    if (error instanceof RpcError || error instanceof JSONRPCErrorException) {
      return createJSONRPCErrorResponse(id, error.code, error.message, error.data);
    }
    this.options.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'RPC handler failed');
    return createJSONRPCErrorResponse(id, RpcErrorCode.InternalError, 'Internal error');
  }
}

/** Why `request` is not a valid JSON-RPC 2.0 request object, or undefined when it is one. */
function envelopeProblem(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 'not an object';
  const r = request as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if (typeof r.method !== 'string' || r.method.length === 0 || r.method.length > 128) {
    return 'method must be a non-empty string';
  }
  if ('id' in r && validId(r.id) === undefined) return 'id must be a string, a number or null';
  if (r.params !== undefined && (typeof r.params !== 'object' || r.params === null)) {
    return 'params must be an array or an object';
  }
  if ('result' in r || 'error' in r) return 'a request has no result or error';
  return undefined;
}

function validId(id: unknown): JSONRPCID | undefined {
  if (id === null) return null;
  if (typeof id === 'string' && id.length <= 256) return id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  return undefined;
}
