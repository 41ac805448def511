/**
 * One port, one node:http server: JSON-RPC 2.0 over HTTP POST and over WebSocket (ws, on upgrade),
 * `GET /metrics` (Prometheus) and `GET /healthz`. A node runs two: the public listener, which answers operator
 * methods with an error and never runs them, and the operator listener (127.0.0.1 by default), which runs every
 * method but answers only requests that carry its bearer token (HTTP 401 otherwise, before the body is read).
 *
 * Limits, so that no client can make the node fall over: a request body (or WebSocket message) above
 * `maxRequestBytes` gets HTTP 413 (WebSocket: close 1009, done by ws's maxPayload); batches above
 * `maxBatch`; a per-client (IP) rate limit in requests per window (a batch costs one point per member), over
 * which the answer is HTTP 429 / a -32000 error; a cap on WebSocket connections; a WebSocket whose client
 * does not read its answers is closed once too much is buffered for it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BINARY_RPC_CONTENT_TYPE, decodeBinaryRpc, encodeBinaryRpc } from '@mosaic/protocol';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import type { Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RpcConfig } from '../config/schema.js';
import type { NodeMetrics } from '../metrics/metrics.js';
import { Dispatcher, type Response } from './dispatcher.js';
import { RpcError, RpcErrorCode } from './errors.js';
import { bearerMatches } from './operator-token.js';
import type { RpcAccess, RpcContext, RpcRegistry, SubscriptionHost, SubscriptionSink } from './registry.js';

/** Most bytes waiting to go out to one WebSocket client before it is considered stuck. */
const MAX_WS_BUFFERED = 8 << 20;
const MAX_SUBSCRIPTIONS_PER_CONNECTION = 64;

export interface RpcServerOptions {
  config: RpcConfig;
  registry: RpcRegistry;
  logger: Logger;
  metrics?: NodeMetrics;
  /** The body of /healthz; `ok: false` answers 503. */
  health: () => { ok: boolean; [key: string]: unknown };
  /** 'operator': every method runs, for requests with `token` only (default 'public'). */
  scope?: RpcAccess;
  /** The bearer token every request must carry (the operator listener's). */
  token?: string;
}

export class RpcServer {
  readonly dispatcher: Dispatcher;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly limiter: RateLimiterMemory;
  private readonly connections = new Set<WebSocket>();

  constructor(private readonly options: RpcServerOptions) {
    const { config } = options;
    this.dispatcher = new Dispatcher(options.registry, {
      maxBatch: config.maxBatch,
      scope: options.scope ?? 'public',
      logger: options.logger,
      onRequest: (method, code) => options.metrics?.rpcRequests.inc({ method, code: String(code) }),
    });
    this.limiter = new RateLimiterMemory({
      points: config.rateLimit.points,
      duration: config.rateLimit.durationSeconds,
    });
    this.http = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        options.logger.error({ err: String(error) }, 'HTTP handler failed');
        if (!response.headersSent) send(response, 500, 'application/json', '{"error":"internal"}');
        else response.destroy();
      });
    });
    this.http.requestTimeout = 30_000;
    this.http.headersTimeout = 10_000;
    this.http.keepAliveTimeout = 5_000;
    this.http.maxHeadersCount = 64;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.maxRequestBytes });
    this.http.on('upgrade', (request, socket, head) => {
      if (!this.authorized(request)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      if (this.connections.size >= config.maxConnections) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      socket.on('error', () => socket.destroy());
      this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
    });
    this.http.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  async listen(): Promise<{ host: string; port: number; url: string }> {
    const { host, port } = this.options.config;
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    return this.address() as { host: string; port: number; url: string };
  }

  address(): { host: string; port: number; url: string } | undefined {
    const address = this.http.address() as AddressInfo | null;
    if (address === null) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { host: address.address, port: address.port, url: `http://${host}:${address.port}` };
  }

  async close(): Promise<void> {
    for (const ws of this.connections) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Whether the request may be answered: always on the public listener, with the token on the operator one. */
  private authorized(request: IncomingMessage): boolean {
    const { token } = this.options;
    return token === undefined || bearerMatches(request.headers.authorization, token);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.authorized(request)) {
      request.resume();
      response.setHeader('www-authenticate', 'Bearer');
      response.setHeader('connection', 'close');
      return send(response, 401, 'text/plain', 'the operator listener needs its bearer token\n');
    }
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') {
      const health = this.options.health();
      return send(response, health.ok ? 200 : 503, 'application/json', stringify(health));
    }
    if (request.method === 'GET' && path === '/metrics' && this.options.metrics) {
      const registry = this.options.metrics.registry;
      return send(response, 200, registry.contentType, await registry.metrics());
    }
    if (path !== '/') return send(response, 404, 'text/plain', 'not found\n');
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return send(response, 405, 'text/plain', 'JSON-RPC needs POST\n');
    }
    const body = await readBody(request, this.options.config.maxRequestBytes);
    if (body === undefined) {
      response.setHeader('connection', 'close');
      return send(
        response,
        413,
        'application/json',
        stringify(this.dispatcher.error(null, RpcErrorCode.InvalidRequest, 'Request too large')),
      );
    }
    // JSON-RPC with binary attachments (share-moving methods): the same messages, framed (client rpc/binary.ts).
    const binary = request.headers['content-type']?.startsWith(BINARY_RPC_CONTENT_TYPE) === true;
    const context: RpcContext = { client: clientOf(request), transport: 'http', ...(binary ? { binary } : {}) };
    const answer = await this.answer(
      () => (binary ? decodeBinaryRpc(body) : JSON.parse(body.toString('utf8'))),
      context,
    );
    const status = answer.rateLimited ? 429 : 200;
    if (answer.response === null) {
      response.writeHead(204).end();
      return;
    }
    if (binary) send(response, status, BINARY_RPC_CONTENT_TYPE, Buffer.from(encodeBinaryRpc(answer.response)));
    else send(response, status, 'application/json', stringify(answer.response));
  }

  /** Parses, rate-limits and dispatches one HTTP body or WebSocket message. */
  private async answer(
    parse: () => unknown,
    context: RpcContext,
  ): Promise<{ response: Response; rateLimited?: boolean }> {
    let payload: unknown;
    try {
      payload = parse();
    } catch {
      return { response: this.dispatcher.parseError() };
    }
    const cost = Array.isArray(payload) ? Math.max(1, Math.min(payload.length, this.options.config.maxBatch)) : 1;
    try {
      await this.limiter.consume(context.client, cost);
    } catch {
      const id = !Array.isArray(payload) ? idOf(payload) : null;
      return {
        response: this.dispatcher.error(id, RpcErrorCode.RateLimited, 'Rate limit exceeded: slow down'),
        rateLimited: true,
      };
    }
    return { response: await this.dispatcher.dispatch(payload, context) };
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    this.connections.add(ws);
    const subscriptions = new Map<string, () => void>();
    const client = clientOf(request);
    const deliver = (message: unknown): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_WS_BUFFERED) {
        ws.close(1008, 'client does not read its messages');
        return;
      }
      ws.send(stringify(message));
    };
    const host: SubscriptionHost = {
      subscribe: (topic, start) => {
        if (subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          throw new RpcError(RpcErrorCode.SubscriptionError, 'too many subscriptions on this connection');
        }
        const id = `0x${randomBytes(16).toString('hex')}`;
        let stop: (() => void) | undefined;
        const sink: SubscriptionSink = {
          next: (result) => {
            if (subscriptions.has(id)) {
              deliver({ jsonrpc: '2.0', method: 'mosaic_subscription', params: { subscription: id, topic, result } });
            }
          },
          error: (error) => {
            if (!subscriptions.has(id)) return;
            deliver({
              jsonrpc: '2.0',
              method: 'mosaic_subscription',
              params: { subscription: id, topic, error: { code: error.code, message: error.message } },
            });
            host.unsubscribe(id);
          },
        };
        subscriptions.set(id, () => stop?.());
        stop = start(sink);
        return id;
      },
      unsubscribe: (id) => {
        const stop = subscriptions.get(id);
        if (stop === undefined) return false;
        subscriptions.delete(id);
        stop();
        return true;
      },
    };
    const context: RpcContext = { client, transport: 'ws', connection: host };
    // Messages of one connection are answered in order.
    let queue: Promise<void> = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data);
      queue = queue
        .then(async () => {
          const { response } = await this.answer(() => JSON.parse(text), context);
          if (response !== null) deliver(response);
        })
        .catch((error: unknown) => this.options.logger.error({ err: String(error) }, 'WebSocket handler failed'));
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.connections.delete(ws);
      for (const stop of subscriptions.values()) stop();
      subscriptions.clear();
    });
  }
}

/** The body, or undefined when it exceeds `limit` bytes (the rest is not read). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  // Encoded once: Buffer.byteLength and then end() would each encode a string body.
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, { 'content-type': type, 'content-length': bytes.length });
  response.end(bytes);
}

function clientOf(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

function idOf(payload: unknown): string | number | null {
  const id = (payload as { id?: unknown } | null)?.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

/** JSON with bigints as decimal strings and byte arrays as 0x-hex. */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
    return v;
  });
}

export type { JSONRPCResponse };
