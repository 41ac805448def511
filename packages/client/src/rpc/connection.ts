// A small JSON-RPC 2.0 client for a Mosaic node over HTTP (fetch) and, when the runtime has a WebSocket,
// over WebSocket for subscriptions. Built on json-rpc-2.0 (browser-safe); errors become NodeRpcError.

import {
  BINARY_RPC_CONTENT_TYPE,
  decodeBinaryRpc,
  encodeBinaryRpc,
  type SubscriptionNotification,
} from '@mosaic/protocol';
import { JSONRPCClient, JSONRPCErrorException } from 'json-rpc-2.0';
import { MosaicClientError, NodeRpcError } from '../errors.js';

/** The subset of the WHATWG WebSocket the client uses (browsers, Node >= 22, or the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: { data?: unknown }) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface NodeEndpoint {
  /** http(s) URL of the node's JSON-RPC endpoint. */
  http: string;
  /** ws(s) URL for subscriptions; default: the http URL with ws(s). */
  ws?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_RESPONSE_CHARS = 64 * 1024 * 1024;

function wrapError(method: string, error: unknown): NodeRpcError {
  if (error instanceof NodeRpcError) return error;
  if (error instanceof JSONRPCErrorException) {
    return new NodeRpcError(`${method}: node error ${error.code}: ${error.message}`, error.code, error.data);
  }
  return new NodeRpcError(`${method}: ${error instanceof Error ? error.message : String(error)}`);
}

export function parseNodeEndpoint(node: string | NodeEndpoint): NodeEndpoint {
  const endpoint = typeof node === 'string' ? { http: node } : node;
  let url: URL;
  try {
    url = new URL(endpoint.http);
  } catch {
    throw new MosaicClientError('node URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MosaicClientError('node URL must be http(s)');
  const ws = endpoint.ws ?? endpoint.http.replace(/^http/, 'ws');
  if (!/^wss?:\/\//.test(ws)) throw new MosaicClientError('node WebSocket URL must be ws(s)');
  return { http: endpoint.http, ws };
}

export class NodeConnection {
  private readonly http: JSONRPCClient<{ binary?: boolean } | undefined>;
  private socket?: Promise<{ ws: WebSocketLike; rpc: JSONRPCClient }>;
  private readonly listeners = new Map<string, (notification: SubscriptionNotification) => void>();

  constructor(
    readonly endpoint: NodeEndpoint,
    private readonly options: { timeoutMs?: number; WebSocket?: WebSocketConstructor; fetch?: typeof fetch } = {},
  ) {
    const doFetch = options.fetch ?? globalThis.fetch;
    // `binary` (clientParams): the request and its answer travel framed with their byte strings as raw
    // attachments (binary.ts), for the methods that move shares.
    this.http = new JSONRPCClient<{ binary?: boolean } | undefined>(async (request, clientParams) => {
      const binary = clientParams?.binary === true;
      const response = await doFetch(endpoint.http, {
        method: 'POST',
        headers: { 'content-type': binary ? BINARY_RPC_CONTENT_TYPE : 'application/json' },
        body: binary ? (encodeBinaryRpc(request) as BodyInit) : JSON.stringify(request),
      });
      if (response.status === 204) return;
      if (binary && response.headers.get('content-type')?.startsWith(BINARY_RPC_CONTENT_TYPE)) {
        const frame = new Uint8Array(await response.arrayBuffer());
        if (frame.length > MAX_RESPONSE_CHARS) throw new NodeRpcError('node response is too large');
        try {
          this.http.receive(decodeBinaryRpc(frame) as never);
        } catch (error) {
          throw new NodeRpcError(`node answered with a malformed binary frame: ${(error as Error).message}`);
        }
        return;
      }
      const text = await response.text();
      if (text.length > MAX_RESPONSE_CHARS) throw new NodeRpcError('node response is too large');
      if (!response.ok && !text.startsWith('{')) throw new NodeRpcError(`node answered HTTP ${response.status}`);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new NodeRpcError('node answered with invalid JSON');
      }
      this.http.receive(body as never);
    });
  }

  /** Whether subscriptions are possible (a WebSocket implementation exists). */
  get canSubscribe(): boolean {
    return (this.options.WebSocket ?? (globalThis as { WebSocket?: unknown }).WebSocket) !== undefined;
  }

  async request(method: string, params: object): Promise<unknown> {
    try {
      return await this.http.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS).request(method, params as never);
    } catch (error) {
      throw wrapError(method, error);
    }
  }

  /**
   * A request whose byte strings (Uint8Array anywhere in `params`) go as raw attachments, not base64; byte
   * strings in the answer come back as Uint8Array. Over HTTP only.
   */
  async requestBinary(method: string, params: object): Promise<unknown> {
    try {
      return await this.http
        .timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
        .request(method, params as never, { binary: true });
    } catch (error) {
      throw wrapError(method, error);
    }
  }

  /** Subscribes over WebSocket; `onNotification` receives each result (or error). Returns the unsubscriber. */
  async subscribe(
    params: object,
    onNotification: (notification: SubscriptionNotification) => void,
  ): Promise<() => Promise<void>> {
    const { rpc } = await this.openSocket();
    let id: unknown;
    try {
      id = await rpc.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS).request('mosaic_subscribe', params as never);
    } catch (error) {
      throw wrapError('mosaic_subscribe', error);
    }
    if (typeof id !== 'string' || id.length > 200) throw new NodeRpcError('mosaic_subscribe: invalid subscription id');
    this.listeners.set(id, onNotification);
    return async () => {
      this.listeners.delete(id);
      try {
        await rpc.timeout(5000).request('mosaic_unsubscribe', { subscription: id } as never);
      } catch {
        // The subscription dies with the connection anyway.
      }
    };
  }

  private openSocket(): Promise<{ ws: WebSocketLike; rpc: JSONRPCClient }> {
    this.socket ??= new Promise((resolve, reject) => {
      const Constructor = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
      if (!Constructor) {
        reject(new MosaicClientError('no WebSocket implementation in this runtime'));
        return;
      }
      const ws = new Constructor(this.endpoint.ws!);
      const rpc = new JSONRPCClient((request) => ws.send(JSON.stringify(request)));
      let opened = false;
      ws.addEventListener('open', () => {
        opened = true;
        resolve({ ws, rpc });
      });
      ws.addEventListener('message', (event) => this.onMessage(rpc, event.data));
      const closed = () => {
        this.socket = undefined;
        rpc.rejectAllPendingRequests('WebSocket closed');
        for (const listener of this.listeners.values()) {
          listener({ subscription: '', topic: '', error: { code: -1, message: 'WebSocket closed' } });
        }
        this.listeners.clear();
        if (!opened) reject(new NodeRpcError('could not open a WebSocket to the node'));
      };
      ws.addEventListener('close', closed);
      ws.addEventListener('error', () => {
        if (!opened) closed();
      });
    });
    return this.socket;
  }

  private onMessage(rpc: JSONRPCClient, data: unknown): void {
    if (typeof data !== 'string' || data.length > MAX_RESPONSE_CHARS) return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const m = message as { method?: unknown; params?: SubscriptionNotification };
    if (m?.method === 'mosaic_subscription') {
      const params = m.params;
      if (params && typeof params.subscription === 'string') this.listeners.get(params.subscription)?.(params);
      return;
    }
    rpc.receive(message as never);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.listeners.clear();
    if (socket) {
      try {
        (await socket).ws.close();
      } catch {
        // never opened
      }
    }
  }
}
