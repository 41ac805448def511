/**
 * Calls to a node's JSON-RPC endpoint from the launcher, the tests and the benchmarks, with the json-rpc-2.0
 * client the node's server is built on. An error answer rejects with the node's message and its `code`. The
 * operator listener's methods need its bearer token (`options.token`, read from the node's token file).
 */
import { JSONRPCClient } from 'json-rpc-2.0';

const TIMEOUT_MS = 30_000;

export async function rpc(
  url: string,
  method: string,
  params?: unknown,
  options: { token?: string } = {},
): Promise<unknown> {
  const client: JSONRPCClient = new JSONRPCClient(async (request) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${method}: the node answered HTTP ${response.status} without JSON: ${text.slice(0, 200)}`);
    }
    client.receive(body as never);
    // An answer without this request's id (a parse error's id is null) would otherwise wait for the timeout.
    client.rejectAllPendingRequests(`${method}: the node answered another id: ${text.slice(0, 200)}`);
  });
  return client.timeout(TIMEOUT_MS).request(method, params as never);
}
