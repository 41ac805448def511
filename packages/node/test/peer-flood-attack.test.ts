// Attack: a peer that is no node floods one. Anyone can reach a node's libp2p port and its public JSON-RPC. The
// flooder (a libp2p node in this test process, registered nowhere) opens many MPC streams and sends each a
// length prefix announcing a 64 MiB "handshake", then pushes junk behind it; opens storage channels and sends
// 16 MiB store requests and hundreds of small ones naming random pointers (each one a chain read for the node
// that reads it); and calls the operator method mosaic_recoverData on the public RPC with random pointers. The
// node reads nothing a non-registered peer sends (its streams are reset when they open), caps a handshake at its
// size, and serves operator methods on a separate listener with a token only. Three node processes, real anvil;
// the nodes reach anvil through a proxy that counts their eth_call requests.
//
// What is checked, during the flood: every flooding stream is reset, and the node takes less than two yamux
// windows (8 MiB) of any of them off the wire (without the defences it reads each MPC stream's junk into the
// 64 MiB buffer its length prefix announces until the 10 s handshake time-out, and reads and checks the store
// requests); no eth_call for a flooded pointer reaches the chain (without the defences: one per small store request
// and per recoverData call); every operator call on the public RPC is refused; a secret contract call made during
// the flood returns the right result; and the node's resident memory grows by less than 200 MB. That bound is
// generous on purpose: a node's working set moves by some tens of MB while it runs a task and V8 collects when it
// likes, so a tight bound would fail on a loaded machine, while what a refused flood may cost is the yamux windows
// in flight (4 MiB per stream). How much junk a node without the defences holds is bounded by how fast it reads
// (on a loaded two-core machine about 100 MB in the handshake time-out, which is why the bytes taken are checked
// directly rather than through the memory alone).
import '../src/shim.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Stream } from '@libp2p/interface';
import { MosaicClient } from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, reveal, secret } from '@mosaic/lang';
import { multiaddr } from '@multiformats/multiaddr';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';
import { createHost, type Host } from '../src/p2p/host.js';
import { PROTOCOL as MPC_PROTOCOL } from '../src/p2p/wire.js';
import { OPERATOR_TOKEN_FILE } from '../src/rpc/operator-token.js';
import { STORE_PROTOCOL } from '../src/storage/wire.js';

const Compare = contract('Compare', {
  functions: {
    richer: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
  },
});

const MiB = 1 << 20;
const MPC_STREAMS = 32;
/** Junk pushed behind each 64 MiB length prefix: less than the announced message, so it never completes. */
const MPC_PUSH = 60 * MiB;
const LARGE_STORES = 1;
const SMALL_STORES = 300;
const RECOVER_CALLS = 200;
const MEMORY_BOUND = 200 * MiB;

/** A JSON-RPC proxy in front of anvil that counts the nodes' requests (eth_call by target address). */
class CountingProxy {
  readonly ethCalls = new Map<string, number>();
  private server: Server | undefined;

  async start(target: string): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', async () => {
        const body = Buffer.concat(chunks);
        try {
          const parsed = JSON.parse(body.toString('utf8')) as unknown;
          for (const r of Array.isArray(parsed) ? parsed : [parsed]) {
            const call = r as { method?: string; params?: [{ to?: string }] };
            if (call.method === 'eth_call') {
              const to = String(call.params?.[0]?.to ?? '').toLowerCase();
              this.ethCalls.set(to, (this.ethCalls.get(to) ?? 0) + 1);
            }
          }
        } catch {
          // not JSON: forwarded as it is
        }
        try {
          const answer = await fetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          response.writeHead(answer.status, { 'content-type': 'application/json' });
          response.end(Buffer.from(await answer.arrayBuffer()));
        } catch {
          response.writeHead(502).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  callsTo(address: string): number {
    return this.ethCalls.get(address.toLowerCase()) ?? 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The resident set size of process `pid`, in bytes. */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

/** A length-prefixed message (the framing of every Mosaic stream). */
function message(body: Uint8Array): Uint8Array {
  return Buffer.concat([u32le(body.length), body]);
}

/** A storage store request: u32 BE header length, JSON header, body (storage/wire.ts). */
function storeRequest(bodyBytes: number): Uint8Array {
  const hex32 = () => bytesToHex(randomBytes(32));
  const header = {
    pointer: hex32(),
    n: 3,
    t: 1,
    segment: 0,
    layout: 0,
    firstSegment: 0,
    segmentHashes: [hex32()],
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    shareHashes: [hex32(), hex32(), hex32()],
    signature: bytesToHex(randomBytes(65)),
    member: 1,
  };
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(4 + json.length + bodyBytes);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  return out;
}

interface Pushed {
  bytes: number;
  /** The node reset or closed the stream before the push was done. */
  reset: boolean;
}

/**
 * Sends `first`, then junk up to `limit` bytes in all, each chunk once the node has taken the previous ones off the
 * wire, and waits a moment for the node to reset the stream: a stream still open then is one the node is reading.
 * `bytes` counts what left this process (what the node's side of the connection took).
 */
async function push(stream: Stream, first: Uint8Array, limit: number): Promise<Pushed> {
  let sent = 0;
  const closed = new Promise<void>((resolve) => {
    stream.addEventListener('close', () => resolve(), { once: true });
  });
  const gone = () => stream.status !== 'open';
  const chunk = new Uint8Array(MiB);
  const deadline = Date.now() + 30_000;
  try {
    for (let next: Uint8Array | undefined = first; next !== undefined && !gone(); ) {
      stream.send(next);
      sent += next.length;
      while (!gone() && stream.writeBufferLength > MiB && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      next = sent < limit && Date.now() < deadline ? chunk.subarray(0, Math.min(MiB, limit - sent)) : undefined;
    }
  } catch {
    // reset by the node
  }
  const bytes = sent - stream.writeBufferLength;
  await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000))]);
  return { bytes: Math.max(0, bytes), reset: gone() };
}

describe('attack: a non-member peer flooding a node', { timeout: 600_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  let client: MosaicClient;
  let attacker: Host;
  const proxy = new CountingProxy();

  before(async () => {
    network = await startLocalNetwork({
      count: 3,
      nodeChainRpc: (url) => proxy.start(url),
      // Generous limits: the test is about what the flood does to the node, not about a slow machine.
      config: { tasks: { bundleTimeoutMs: 60_000, roundTimeoutMs: 60_000 } },
    });
    ({ ledger, nodes } = network);
    const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 7 });
    await ledger.fundMos(caller.address);
    client = await MosaicClient.connect({
      chain: { rpcUrl: ledger.url, account: bytesToHex(caller.getHdKey().privateKey!) },
      addresses: ledger.addresses,
      node: nodes[0]!.rpcUrl(),
    });
    attacker = await createHost();
  });
  after(async () => {
    await attacker?.stop();
    await network?.stop();
    await proxy.stop();
  });

  it('keeps the node’s memory bounded, reads nothing of the flood, spares the chain, and runs tasks', async (t) => {
    const compiled = compile(Compare);
    const deployed = await client.deploy(compiled, { n: 3, t: 1 });
    await ledger.advanceEpoch();
    const handle = client.contract(compiled, deployed.contractId);
    // A first call warms the node up, so that the memory baseline includes a task's working set.
    assert.equal((await handle.call.richer({ a: 5n, b: 3n }, { autoDeposit: true })).outputs.aIsRicher, true);

    const target = nodes[0]!;
    const pid = target.child.pid!;
    const address = ((await rpc(target.rpcUrl(), 'mosaic_info')) as { addresses: string[] }).addresses[0]!;
    const dataRegistry = ledger.addresses.dataRegistry;
    const baseline = await rssOf(pid);
    const chainReadsBefore = proxy.callsTo(dataRegistry);
    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssOf(pid).catch(() => 0));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const dialErrors: string[] = [];
    const open = async (protocol: string): Promise<Stream | undefined> =>
      attacker
        .dialProtocol(multiaddr(address), protocol, { signal: AbortSignal.timeout(10_000) })
        .catch((error: Error) => {
          dialErrors.push(error.message);
          return undefined;
        });

    // MPC streams: a 64 MiB length prefix where a 37-byte handshake belongs, then junk behind it.
    const mpcFlood = Promise.all(
      Array.from({ length: MPC_STREAMS }, async (): Promise<Pushed> => {
        const stream = await open(MPC_PROTOCOL);
        if (stream === undefined) return { bytes: 0, reset: true };
        return push(stream, u32le(64 * MiB + 1000), MPC_PUSH);
      }),
    );
    // Storage channels: 16 MiB store requests, then hundreds of small ones naming random pointers.
    const storeFlood = (async (): Promise<Pushed[]> => {
      const results: Pushed[] = [];
      for (let i = 0; i < LARGE_STORES; i++) {
        const stream = await open(STORE_PROTOCOL);
        if (stream === undefined) {
          results.push({ bytes: 0, reset: true });
          continue;
        }
        const request = Buffer.concat([u32le(i + 1), storeRequest(16 * MiB)]);
        results.push(await push(stream, Buffer.concat([message(Uint8Array.of(1)), message(request)]), 0));
      }
      const stream = await open(STORE_PROTOCOL);
      if (stream === undefined) return [...results, { bytes: 0, reset: true }];
      const small = [message(Uint8Array.of(1))];
      for (let i = 0; i < SMALL_STORES; i++) small.push(message(Buffer.concat([u32le(i + 100), storeRequest(64)])));
      results.push(await push(stream, Buffer.concat(small), 0));
      return results;
    })();
    // The operator method on the public RPC, with random pointers.
    const rpcFlood = Promise.all(
      Array.from({ length: RECOVER_CALLS }, () =>
        rpc(target.rpcUrl(), 'mosaic_recoverData', { pointer: bytesToHex(randomBytes(32)), n: 3, t: 1 }).then(
          () => ({ refused: false, code: 0 }),
          (error: { code?: number }) => ({ refused: true, code: error.code ?? 0 }),
        ),
      ),
    );
    // A secret contract call while the flood goes on.
    const during = handle.call.richer({ a: 2n, b: 9n }, { autoDeposit: true });

    const [mpc, stores, calls, answer] = await Promise.all([mpcFlood, storeFlood, rpcFlood, during]);
    // Late effects of the flood (buffers still filling, chain reads queued) show within a moment.
    await new Promise((r) => setTimeout(r, 2_000));
    sampling = false;
    await sampler;

    const growth = peak - baseline;
    const chainReads = proxy.callsTo(dataRegistry) - chainReadsBefore;
    t.diagnostic(
      `RSS +${(growth / MiB).toFixed(0)} MiB; MPC bytes pushed per stream ${mpc.map((s) => s.bytes).join(',')}; ` +
        `store bytes ${stores.map((s) => s.bytes).join(',')}; eth_call to DataRegistry ${chainReads}; ` +
        `refused dials: ${dialErrors.length} ${[...new Set(dialErrors)].join(' | ').slice(0, 300)}`,
    );
    assert.equal(answer.outputs.aIsRicher, false, 'the call made during the flood returns the right result');
    assert.ok(
      growth < MEMORY_BOUND,
      `the node's RSS grew by ${(growth / MiB).toFixed(0)} MiB during the flood (bound ${MEMORY_BOUND / MiB} MiB)`,
    );
    for (const [i, s] of mpc.entries()) {
      assert.ok(s.reset, `MPC stream ${i} was reset`);
      assert.ok(s.bytes < 8 * MiB, `MPC stream ${i}: the node took ${s.bytes} bytes before resetting it`);
    }
    for (const [i, s] of stores.entries()) {
      assert.ok(s.reset, `storage stream ${i} was reset`);
      assert.ok(s.bytes < 8 * MiB, `storage stream ${i}: the node took ${s.bytes} bytes before resetting it`);
    }
    assert.ok(chainReads <= 2, `${chainReads} eth_call to DataRegistry reached the chain during the flood`);
    for (const call of calls) {
      assert.ok(call.refused, 'mosaic_recoverData is refused on the public RPC');
      assert.equal(call.code, -32008, 'refused as an operator method');
    }
    const refused = await fetch(`${target.rpcUrl()}/metrics`).then((r) => r.text());
    assert.match(refused, /mosaic_peer_streams_refused_total\{reason="not a registered node"\} [1-9]/);
  });

  it('serves operator methods on the operator listener only, with the token from the node’s data directory', async () => {
    const target = nodes[1]!;
    const pointer = bytesToHex(randomBytes(32));
    const call = (token?: string) =>
      fetch(target.operatorRpcUrl(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mosaic_recoverData', params: { pointer, n: 3, t: 1 } }),
      });
    assert.equal((await call()).status, 401, 'no token');
    assert.equal((await call('00'.repeat(32))).status, 401, 'a wrong token');
    const tokenFile = join(network.dataDirs[1]!, OPERATOR_TOKEN_FILE);
    assert.equal((await stat(tokenFile)).mode & 0o777, 0o600, 'only the node’s user reads the token file');
    const token = (await readFile(tokenFile, 'utf8')).trim();
    const answer = (await (await call(token)).json()) as { error?: { code: number; message: string } };
    // The method runs: the random pointer has no record on chain.
    assert.equal(answer.error?.code, -32003, JSON.stringify(answer));
  });
});
