/**
 * JSON-RPC error codes. The standard ones, plus Mosaic's application codes (-32000..-32099, the range the
 * spec reserves for servers). Clients match on the code; the message is for people.
 */
import { JSONRPCErrorException } from 'json-rpc-2.0';

export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The client exceeded its request rate. */
  RateLimited: -32000,
  /** The thing asked for does not exist (e.g. code not found locally nor on the network). */
  NotFound: -32001,
  /** Content does not match its hash. */
  HashMismatch: -32002,
  /** The ledger has no record for it (e.g. no secret contract with this code hash). */
  NotOnChain: -32003,
  /** The ledger could not be reached or answered with an error. */
  ChainUnavailable: -32004,
  /** The node is not ready for this yet (a lifecycle step has not finished). */
  NotReady: -32005,
  /** Subscriptions need a WebSocket connection; or the subscription is unknown. */
  SubscriptionError: -32006,
  /** Too many requests in one batch. */
  BatchTooLarge: -32007,
  /** An operator method called on the public listener: it is served on the operator listener only. */
  OperatorOnly: -32008,
} as const;

export class RpcError extends JSONRPCErrorException {
  constructor(code: number, message: string, data?: unknown) {
    super(message, code, data);
    this.name = 'RpcError';
  }
}
