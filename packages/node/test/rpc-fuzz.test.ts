import '../src/shim.js';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BINARY_RPC_CONTENT_TYPE, decodeBinaryRpc, NodeConnection, type NodeRpcError } from '@mosaic/client';
import fc from 'fast-check';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { rpcConfigSchema } from '../src/config/schema.js';
import { type NodeProcess, startNodeProcess, stepDone } from '../src/devnet/index.js';
import { startLedger, type TestLedger } from '../src/devnet/ledger.js';
import { RpcRegistry } from '../src/rpc/registry.js';
import { RpcServer } from '../src/rpc/server.js';

const METHODS = [
  'mosaic_info',
  'mosaic_peers',
  'mosaic_committee',
  'mosaic_putCode',
  'mosaic_getCode',
  'mosaic_subscribe',
  'mosaic_unsubscribe',
];
const ALLOWED_CODES = new Set([
  -32700, -32600, -32601, -32602, -32000, -32001, -32002, -32003, -32004, -32005, -32006, -32007,
]);
const PER_TRANSPORT = 5_000;

/** Requests that are almost right, exactly wrong, or just noise. */
const anyRequest = fc.oneof(
  fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.jsonValue()),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.jsonValue()),
      method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 30 }), fc.jsonValue()),
      params: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.array(
          fc.oneof(
            fc.integer(),
            fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), maxLength: 66 }),
            fc.string({ maxLength: 70 }),
            fc.constant('0x'.padEnd(66, 'a')),
          ),
        ),
        fc.record(
          { contractId: fc.jsonValue({ maxDepth: 1 }), epoch: fc.jsonValue({ maxDepth: 1 }) },
          { requiredKeys: [] },
        ),
        fc.record(
          {
            codeHash: fc.oneof(fc.string(), fc.constant(`0x${'ab'.repeat(32)}`)),
            code: fc.oneof(fc.string(), fc.constant('0x00ff')),
          },
          { requiredKeys: [] },
        ),
        fc.record(
          {
            topic: fc.oneof(fc.constantFrom('chainEvents', 'lifecycle'), fc.string()),
            params: fc.jsonValue({ maxDepth: 2 }),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const anyBody = fc.oneof(
  { weight: 5, arbitrary: anyRequest.map((r) => JSON.stringify(r)) },
  { weight: 2, arbitrary: fc.array(anyRequest, { minLength: 0, maxLength: 60 }).map((r) => JSON.stringify(r)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: anyRequest.map((r) => JSON.stringify(r).slice(0, -1)) },
);

function checkResponse(value: unknown): void {
  assert.equal(typeof value, 'object');
  const r = value as Record<string, unknown>;
  assert.equal(r.jsonrpc, '2.0');
  assert.ok(r.id === null || typeof r.id === 'string' || typeof r.id === 'number', `bad id ${JSON.stringify(r.id)}`);
  assert.ok('result' in r !== 'error' in r, 'exactly one of result and error');
  if ('error' in r) {
    const error = r.error as { code: unknown; message: unknown };
    assert.ok(ALLOWED_CODES.has(error.code as number), `unexpected error code ${JSON.stringify(error)}`);
    assert.equal(typeof error.message, 'string');
  }
}

function checkPayload(text: string): void {
  const parsed = JSON.parse(text) as unknown;
  if (Array.isArray(parsed)) {
    assert.ok(parsed.length > 0);
    for (const r of parsed) checkResponse(r);
  } else checkResponse(parsed);
}

async function rss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^mosaic_process_resident_memory_bytes (\d+)/m.exec(text);
  assert.ok(match, 'no RSS metric');
  return Number(match[1]) / 2 ** 20;
}

describe('JSON-RPC under fuzzing', { timeout: 240_000 }, () => {
  let ledger: TestLedger;
  let node: NodeProcess;
  let url: string;
  before(async () => {
    ledger = await startLedger();
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-fuzz-'));
    const config = join(dir, 'node.json');
    await writeFile(
      config,
      JSON.stringify({
        dataDir: join(dir, 'data'),
        chain: { rpcUrl: ledger.url, deploymentFile: ledger.deploymentFile, confirmations: 0 },
        rpc: { port: 0, maxRequestBytes: 65_536, rateLimit: { points: 1_000_000 } },
        discovery: { minConnections: 0 },
        log: { level: 'warn' },
      }),
    );
    node = startNodeProcess(['--config', config, '--log-level', 'info']);
    await node.waitFor(stepDone('register'), 60_000);
    url = node.rpcUrl();
  });
  after(async () => {
    await node?.kill('SIGKILL');
    await ledger?.stop();
  });

  it(`answers ${PER_TRANSPORT} random requests over HTTP and ${PER_TRANSPORT} over WebSocket, well-formed, with bounded memory`, async () => {
    const bodies = fc.sample(anyBody, { numRuns: PER_TRANSPORT * 2, seed: 42 });
    // Warm up, then measure.
    const before = await rss(url);
    const http = bodies.slice(0, PER_TRANSPORT);
    for (let i = 0; i < http.length; i += 16) {
      await Promise.all(
        http.slice(i, i + 16).map(async (body) => {
          const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
          const text = await response.text();
          if (response.status === 204) {
            assert.equal(text, '');
            return;
          }
          assert.ok([200, 413].includes(response.status), `HTTP ${response.status} for ${body.slice(0, 100)}`);
          try {
            checkPayload(text);
          } catch (error) {
            throw new Error(
              `${(error as Error).message}\nrequest: ${body.slice(0, 300)}\nresponse: ${text.slice(0, 300)}`,
            );
          }
        }),
      );
    }
    const ws = new WebSocket(url.replace('http', 'ws'));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const inbox: string[] = [];
    let wake: (() => void) | undefined;
    ws.on('message', (data) => {
      inbox.push(String(data));
      wake?.();
    });
    const nextMessage = async (): Promise<string> => {
      const deadline = Date.now() + 10_000;
      while (inbox.length === 0) {
        if (Date.now() > deadline) throw new Error('no WebSocket answer');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return inbox.shift() as string;
    };
    for (const [i, body] of bodies.slice(PER_TRANSPORT).entries()) {
      ws.send(body);
      // A sentinel behind each message: everything before its answer belongs to the fuzzed message.
      const sentinel = `sentinel-${i}`;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: sentinel, method: 'mosaic_peers' }));
      for (;;) {
        const text = await nextMessage();
        const parsed = JSON.parse(text) as { id?: unknown; method?: string };
        if (parsed.id === sentinel) break;
        if (parsed.method === 'mosaic_subscription') continue; // a fuzzed subscription that took
        try {
          checkPayload(text);
        } catch (error) {
          throw new Error(
            `${(error as Error).message}\nrequest: ${body.slice(0, 300)}\nresponse: ${text.slice(0, 300)}`,
          );
        }
      }
    }
    ws.close();
    // Still serving, and memory did not run away.
    const info = await fetch(url, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"mosaic_info"}' });
    assert.equal(info.status, 200);
    const afterMb = await rss(url);
    // The growth is what the fuzzing can cause; the absolute size depends on the machine and node's version.
    assert.ok(afterMb < before + 150, `RSS grew from ${before} MB to ${afterMb} MB`);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.doesNotMatch(metrics, /code="-32603"/, 'a handler failed on fuzzed input');
  });
});

describe('JSON-RPC limits', { timeout: 20_000 }, () => {
  const registry = new RpcRegistry();
  registry.method({
    name: 'echo',
    params: z.strictObject({ v: z.string() }),
    positional: ['v'],
    handler: ({ v }) => v,
  });
  let server: RpcServer;
  let url: string;
  before(async () => {
    server = new RpcServer({
      config: rpcConfigSchema.parse({
        port: 0,
        maxRequestBytes: 2_048,
        maxBatch: 3,
        rateLimit: { points: 20, durationSeconds: 60 },
      }),
      registry,
      logger: pino({ level: 'silent' }),
      health: () => ({ ok: true }),
    });
    url = (await server.listen()).url;
  });
  after(() => server.close());

  it('413 for a large body, 1009 for a large WebSocket message, a bounded batch, then 429 past the rate limit', async () => {
    const call = (body: string) => fetch(url, { method: 'POST', body });
    const ok = await call('{"jsonrpc":"2.0","id":7,"method":"echo","params":["hi"]}');
    assert.deepEqual(await ok.json(), { jsonrpc: '2.0', id: 7, result: 'hi' });
    const big = await call(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: ['x'.repeat(4_000)] }));
    assert.equal(big.status, 413);
    const batch = await call(
      JSON.stringify(Array.from({ length: 4 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'echo', params: ['a'] }))),
    );
    assert.equal(((await batch.json()) as { error: { code: number } }).error.code, -32007);
    const bad = await call('{"jsonrpc":"2.0","id":1,"method":"echo","params":{"v":1}}');
    assert.equal(((await bad.json()) as { error: { code: number } }).error.code, -32602);
    const ws = new WebSocket(url.replace('http', 'ws'));
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(4_000));
    assert.equal(await closed, 1009);
    let limited = 0;
    for (let i = 0; i < 25; i++) {
      const response = await call('{"jsonrpc":"2.0","id":1,"method":"echo","params":["a"]}');
      if (response.status === 429) {
        limited++;
        assert.equal(((await response.json()) as { error: { code: number } }).error.code, -32000);
      } else await response.text();
    }
    assert.ok(limited > 0, 'the rate limit never applied');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  });
});

describe('JSON-RPC with binary attachments', { timeout: 20_000 }, () => {
  const registry = new RpcRegistry();
  registry.method({
    name: 'reverse',
    params: z.strictObject({ label: z.string(), bytes: z.union([z.instanceof(Uint8Array), z.string()]) }),
    // Bytes back as bytes to a framed request; as base64 to a JSON one (how mosaic_loadData answers).
    handler: ({ label, bytes }, context) => {
      const raw = typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : bytes;
      const reversed = Uint8Array.from(raw).reverse();
      return {
        label,
        framed: context.binary === true,
        bytes: context.binary ? reversed : Buffer.from(reversed).toString('base64'),
      };
    },
  });
  let server: RpcServer;
  let url: string;
  before(async () => {
    server = new RpcServer({
      config: rpcConfigSchema.parse({ port: 0, maxRequestBytes: 1 << 20 }),
      registry,
      logger: pino({ level: 'silent' }),
      health: () => ({ ok: true }),
    });
    url = (await server.listen()).url;
  });
  after(() => server.close());

  it('carries byte strings raw both ways, keeps the JSON path, and answers a malformed frame with a parse error', async () => {
    const node = new NodeConnection({ http: url });
    const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff);
    const framed = (await node.requestBinary('reverse', { label: 'é', bytes })) as {
      label: string;
      framed: boolean;
      bytes: Uint8Array;
    };
    assert.equal(framed.label, 'é');
    assert.equal(framed.framed, true);
    assert.ok(framed.bytes instanceof Uint8Array);
    assert.deepEqual(framed.bytes, Uint8Array.from(bytes).reverse());
    const json = (await node.request('reverse', { label: 'a', bytes: Buffer.from([1, 2, 3]).toString('base64') })) as {
      framed: boolean;
      bytes: string;
    };
    assert.deepEqual(json, { label: 'a', framed: false, bytes: Buffer.from([3, 2, 1]).toString('base64') });
    // Errors come framed too (params checked by the method's schema).
    await assert.rejects(node.requestBinary('reverse', { label: 1, bytes }), (e: NodeRpcError) => e.code === -32602);

    const post = (body: Uint8Array) =>
      fetch(url, { method: 'POST', headers: { 'content-type': BINARY_RPC_CONTENT_TYPE }, body: body as BodyInit });
    const header = (json: string) => {
      const text = Buffer.from(json);
      const frame = Buffer.alloc(4 + text.length);
      frame.writeUInt32BE(text.length, 0);
      text.copy(frame, 4);
      return frame;
    };
    const request = '{"jsonrpc":"2.0","id":1,"method":"reverse","params":{"label":"x","bytes":{"$bytes":[0,3]}}}';
    for (const frame of [
      Uint8Array.of(0, 0),
      Buffer.concat([header(request).subarray(0, 4), Buffer.from('{')]),
      Buffer.concat([header(request), Buffer.from([1, 2])]), // fewer attachment bytes than named
      Buffer.concat([header(request), Buffer.from([1, 2, 3, 4])]), // a byte no reference names
      Buffer.concat([header(request.replace('[0,3]', '[1,3]')), Buffer.from([1, 2, 3, 4])]), // a gap
      Buffer.concat([header(request.replace('[0,3]', '[0,3],"x":1')), Buffer.from([1, 2, 3])]),
      Buffer.concat([header('{"jsonrpc":"2.0"'), Buffer.from([1])]),
      Buffer.concat([Buffer.from([0, 0, 0, 2, 0xc3, 0x28])]), // not UTF-8
    ]) {
      const response = await post(frame);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), BINARY_RPC_CONTENT_TYPE);
      const answer = decodeBinaryRpc(new Uint8Array(await response.arrayBuffer())) as { error: { code: number } };
      assert.equal(answer.error.code, -32700);
    }
    const good = await post(Buffer.concat([header(request), Buffer.from([1, 2, 3])]));
    const answer = decodeBinaryRpc(new Uint8Array(await good.arrayBuffer())) as { result: { bytes: Uint8Array } };
    assert.deepEqual(answer.result.bytes, Uint8Array.of(3, 2, 1));
  });
});
